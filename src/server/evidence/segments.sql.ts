// Segment values per unit for the segmented summaries (README "Segments"). A unit's value of an
// attribute is its value in the properties of its FIRST exposure (exposure_attributes, migration
// 0008: argMin of the exposure events' properties per (experiment, user)). Per attribute the
// SEGMENT_TOP_VALUES most frequent values among the experiment's units keep their name; the rest
// are 'other'; a unit without the attribute is '(none)' (also when its first exposure carried no
// properties at all). The attribute name arrives as {segment:String}, never spliced.

/** Values of an attribute kept by name; the rest are grouped as OTHER_SEGMENT. */
export const SEGMENT_TOP_VALUES = 20;
export const OTHER_SEGMENT = "other";
export const NO_SEGMENT = "(none)";

// a string value as is, a number or boolean as its JSON text ("3", "true"); '' when absent
const VALUE = `if(JSONType(p, {segment:String}) = 'String', JSONExtractString(p, {segment:String}), if(JSONHas(p, {segment:String}), JSONExtractRaw(p, {segment:String}), ''))`;

const RAW_VALUES = `
    SELECT cityHash64(user_id) AS uh, ${VALUE} AS v
    FROM (SELECT user_id, argMinMerge(properties) AS p FROM exposure_attributes WHERE experiment = {experiment:String} GROUP BY user_id)`;

/** Per unit hash (uh): sv, the unit's segment value ('' = none; callers map a missing row to '' too). */
export const SEGMENT_VALUES_SQL = `
  WITH (SELECT groupArray(v) FROM (SELECT v, count() AS c FROM (${RAW_VALUES}) GROUP BY v ORDER BY c DESC, v LIMIT ${SEGMENT_TOP_VALUES})) AS top
  SELECT uh, if(has(top, v), v, '${OTHER_SEGMENT}') AS sv FROM (${RAW_VALUES})`;

/** The segment label of a joined row: '' (no attribute, or no row) is NO_SEGMENT. */
export const SEG_LABEL = (col: string) => `if(${col} = '', '${NO_SEGMENT}', ${col})`;

/** Key of a (segment, arm) pair for the percentile thresholds: 53 bits, like VH, to survive JSON numbers. */
export const SEG_ARM_KEY = `bitShiftRight(cityHash64(seg, vh), 11)`;
