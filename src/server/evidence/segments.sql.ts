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

// a string value as is, a number or boolean as its JSON text ("3", "true"); '' when absent. The
// simpleJSON (visitParam) functions scan for the key instead of parsing the document (the per-unit
// pass ~0.7 → ~0.4 s at 1M units); exact for the flat maps properties are (ingestion, /assign and the
// SDK store no nesting).
const RAW = "simpleJSONExtractRaw(p, {segment:String})";
const VALUE = `if(startsWith(${RAW}, '"'), simpleJSONExtractString(p, {segment:String}), ${RAW})`;

// Per unit: each stored row finalized (its own first exposure's properties and time), the earliest
// row's value kept; grouped by the unit's hash (numeric keys, like firstExposuresSql).
const RAW_VALUES = `
    SELECT uh, argMin(v, t) AS v
    FROM (SELECT cityHash64(user_id) AS uh, finalizeAggregation(properties) AS p, ${VALUE} AS v, first_at AS t
          FROM exposure_attributes WHERE experiment = {experiment:String})
    GROUP BY uh`;

/**
 * Per unit hash (uh): sv, the unit's segment value ('' = none; callers map a missing row to '' too).
 * One pass over the units: their (uh, value) pairs and the count per value are collected together,
 * the 20 most frequent values (ties by value) keep their name, and the pairs are unrolled again.
 */
export const SEGMENT_VALUES_SQL = `
  SELECT x.1 AS uh, if(has(top, x.2), x.2, '${OTHER_SEGMENT}') AS sv
  FROM (SELECT groupArray((uh, v)) AS pairs, sumMap([v], [toUInt64(1)]) AS counts,
               arrayMap(c -> c.1, arraySlice(arraySort(c -> (-toInt64(c.2), c.1), arrayZip(counts.1, counts.2)), 1, ${SEGMENT_TOP_VALUES})) AS top
        FROM (${RAW_VALUES}))
  ARRAY JOIN pairs AS x`;

/** The segment label of a joined row: '' (no attribute, or no row) is NO_SEGMENT. */
export const SEG_LABEL = (col: string) => `if(${col} = '', '${NO_SEGMENT}', ${col})`;

/** Key of a (segment, arm) pair for the percentile thresholds: 53 bits, like VH, to survive JSON numbers. */
export const SEG_ARM_KEY = `bitShiftRight(cityHash64(seg, vh), 11)`;
