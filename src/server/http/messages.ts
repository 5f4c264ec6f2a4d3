// Validation messages people can read, for every schema the server parses with: zod's defaults
// ("Too small: expected string to have >=1 characters", a bare "Invalid input" for a union) reached
// the API's callers and the dashboard's forms as they were. A schema's own message still wins.
import { z } from "zod";

type Issue = z.core.$ZodRawIssue;

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return Number.isNaN(v) ? "not a number" : "a number";
  if (typeof v === "boolean") return "a boolean";
  return typeof v;
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function size(origin: string | undefined, n: number | bigint): string {
  const k = Number(n);
  if (origin === "string") return `${k} character${k === 1 ? "" : "s"}`;
  if (origin === "array" || origin === "set") return `${k} item${k === 1 ? "" : "s"}`;
  return String(n);
}

function message(iss: Issue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "is required";
      return Number.isNaN(iss.input) ? `must be ${article(String(iss.expected))}` : `must be ${article(String(iss.expected))}, not ${kindOf(iss.input)}`;
    case "too_small": {
      if (iss.origin === "string" && Number(iss.minimum) === 1) return "must not be empty";
      const sized = iss.origin === "string" || iss.origin === "array" || iss.origin === "set";
      return `must be ${iss.inclusive === false ? (sized ? "more than" : "greater than") : "at least"} ${size(iss.origin, iss.minimum)}`;
    }
    case "too_big": {
      const sized = iss.origin === "string" || iss.origin === "array" || iss.origin === "set";
      return `must be ${iss.inclusive === false ? (sized ? "fewer than" : "less than") : "at most"} ${size(iss.origin, iss.maximum)}`;
    }
    case "invalid_format":
      return iss.format === "regex" ? undefined : `must be a valid ${iss.format}`;
    case "invalid_value":
      return `must be ${iss.values.length === 1 ? JSON.stringify(iss.values[0]) : `one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}`}`;
    case "unrecognized_keys":
      return `unknown field${iss.keys.length === 1 ? "" : "s"} ${iss.keys.map((k) => `'${k}'`).join(", ")}`;
    case "not_multiple_of":
      return `must be a multiple of ${iss.divisor}`;
    default:
      return undefined;
  }
}

z.config({ customError: message });

export interface Detail {
  path: string;
  message: string;
  code: string;
}

/**
 * The issues as { path, message }. A union that failed is reported through the form that came
 * closest (fewest issues; a form that rejects the body's own keys loses), so `{"userId": 123}` says
 * "userId must be a string" instead of "(root): Invalid input".
 */
export function issueDetails(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): Detail[] {
  const out: Detail[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    if (i.code === "invalid_union" && i.errors.length > 0) {
      const forms = i.errors.filter((e) => e.length > 0);
      const primitives = forms.every((e) => e.length === 1 && e[0].code === "invalid_type" && e[0].path.length === 0);
      if (forms.length > 0 && primitives) {
        const expected = forms.map((e) => String((e[0] as z.core.$ZodIssueInvalidType).expected));
        const kinds = expected.map(article);
        const list = kinds.length > 1 ? `${kinds.slice(0, -1).join(", ")} or ${kinds.at(-1)}` : kinds[0];
        out.push({ path: path.map(String).join(".") || "(root)", message: `must be ${list}`, code: "invalid_type" });
        continue;
      }
      const cost = (e: z.core.$ZodIssue[]) => e.length + (e.some((x) => x.code === "unrecognized_keys") ? 100 : 0);
      const best = [...forms].sort((a, b) => cost(a) - cost(b))[0];
      if (best) {
        out.push(...issueDetails(best, path));
        continue;
      }
    }
    out.push({ path: path.map(String).join(".") || "(root)", message: i.message, code: i.code });
  }
  return out;
}

/** "name must not be empty; variants.0.weight must be at most 1" */
export function summarizeDetails(details: Detail[]): string {
  return details.map((d) => (d.path === "(root)" ? d.message : `${d.path} ${d.message}`)).join("; ");
}
