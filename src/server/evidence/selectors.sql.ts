// An event selector (types.ts EventSelector) compiled to a ClickHouse condition over the events
// table. Event type, name, property names and values all travel as {name:Type} parameters under a
// caller-chosen tag (unique per selector in a query), never spliced: the only text built here is
// code (operators, function names, parameter names).
//
// `properties` is a JSON object in a String column (flat: ingestion stores no nesting). A filter
// reads it with JSONHas / JSONExtract*: `eq` is "present and equal", `neq` its negation (an event
// without the property is not equal), `in` / `not_in` likewise; comparisons (`gt` …) need the
// property present and read it as a number. A string value compares as JSONExtractString (which
// gives a number's text too, so "200" matches 200), a number as JSONExtractFloat, a boolean as
// JSONExtractBool.
import type { EventSelector, PropertyFilter } from "./types";

export interface CompiledCondition {
  sql: string;
  params: Record<string, unknown>;
}

type Selector = Omit<EventSelector, "aggregate"> & { aggregate?: EventSelector["aggregate"] };

const CMP = { eq: "=", neq: "=", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

function filterSql(f: PropertyFilter, props: string, tag: string, params: Record<string, unknown>): string {
  const key = `{${tag}:String}`;
  params[tag] = f.property;
  const has = `JSONHas(${props}, ${key})`;
  const v = f.value;
  switch (f.op) {
    case "exists":
      return has;
    case "in":
    case "not_in": {
      const values = Array.isArray(v) ? v : v === undefined ? [] : [v as string | number];
      const strings = values.filter((x): x is string => typeof x === "string");
      const numbers = values.filter((x): x is number => typeof x === "number");
      params[`${tag}s`] = strings;
      params[`${tag}n`] = numbers;
      const member = `(has({${tag}s:Array(String)}, JSONExtractString(${props}, ${key})) OR has({${tag}n:Array(Float64)}, JSONExtractFloat(${props}, ${key})))`;
      return f.op === "in" ? `(${has} AND ${member})` : `NOT (${has} AND ${member})`;
    }
    default: {
      const op = CMP[f.op];
      let cmp: string;
      if (typeof v === "boolean") {
        params[`${tag}v`] = v ? 1 : 0;
        cmp = `JSONExtractBool(${props}, ${key}) ${op} {${tag}v:UInt8}`;
      } else if (typeof v === "number" || (f.op !== "eq" && f.op !== "neq")) {
        params[`${tag}v`] = Number(v);
        cmp = `JSONExtractFloat(${props}, ${key}) ${op} {${tag}v:Float64}`;
      } else {
        params[`${tag}v`] = String(v ?? "");
        cmp = `JSONExtractString(${props}, ${key}) ${op} {${tag}v:String}`;
      }
      return f.op === "neq" ? `NOT (${has} AND ${cmp})` : `(${has} AND ${cmp})`;
    }
  }
}

/** The condition "this event is selected by `sel`", over columns prefixed by `prefix` ("ev." or ""). */
export function selectorCondition(sel: Selector, tag: string, prefix = "ev."): CompiledCondition {
  const params: Record<string, unknown> = { [`${tag}t`]: sel.type };
  const parts = [`${prefix}type = {${tag}t:String}`];
  if (sel.name !== undefined) {
    params[`${tag}n`] = sel.name;
    parts.push(`${prefix}name = {${tag}n:String}`);
  }
  (sel.where ?? []).forEach((f, k) => parts.push(filterSql(f, `${prefix}properties`, `${tag}p${k}`, params)));
  return { sql: parts.length > 1 ? `(${parts.join(" AND ")})` : parts[0], params };
}

/** Whether any selector reads `properties` (only then does a query read that column). */
export const readsProperties = (sels: readonly Selector[]) => sels.some((s) => (s.where ?? []).length > 0);

/** The per-event contribution to a unit's value: 1 for count / any, the event's value for sum. */
export const contribution = (sel: EventSelector, prefix = "ev.") => (sel.aggregate === "sum" ? `${prefix}value` : "1");
