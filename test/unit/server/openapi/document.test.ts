// The generated OpenAPI document must be one a real validator accepts and whose every $ref
// resolves inside it (issue 12, item 15: ten $refs pointed at a "#/definitions/__schema0" that
// did not exist, the targeting rule's among them).
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/server/openapi/document";

type Json = Record<string, unknown>;

function refsOf(v: unknown, at = "#", out: { at: string; ref: string }[] = []) {
  if (Array.isArray(v)) v.forEach((x, i) => refsOf(x, `${at}/${i}`, out));
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "$ref" && typeof x === "string") out.push({ at, ref: x });
      else refsOf(x, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, out);
    }
  }
  return out;
}

function pointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

describe("the OpenAPI document", () => {
  const doc = JSON.parse(JSON.stringify(openApiDocument())) as Json;

  it("is valid OpenAPI 3.0 (@seriousme/openapi-schema-validator)", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc)); // resolveRefs() below rewrites it in place
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)?.slice(0, 3000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.0");
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("has every $ref resolve inside the document, and no JSON Schema definitions left in it", () => {
    const refs = refsOf(doc);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => pointer(doc, r.ref) === undefined)).toEqual([]);
    expect(JSON.stringify(doc)).not.toMatch(/"(definitions|\$defs|\$id|\$schema)":/);
  });

  it("describes the targeting rule once, recursively, and uses it wherever rules are accepted", () => {
    const rule = pointer(doc, "#/components/schemas/TargetingRule") as { anyOf: Json[] };
    expect(
      rule.anyOf.map((v) =>
        Object.keys(v.properties as Json)
          .sort()
          .join(","),
      ),
    ).toEqual(expect.arrayContaining(["attribute,op,value", "attribute,op,values", "all", "any", "not"]));
    const ruleRefs = refsOf(doc).filter((r) => r.ref === "#/components/schemas/TargetingRule");
    // create and patch: targeting and rollout.groups[].rule; inside the rule: all, any, not
    expect(ruleRefs.length).toBeGreaterThanOrEqual(7);
    const body = pointer(doc, "#/paths/~1api~1v1~1experiments/post/requestBody/content/application~1json/schema") as { properties: Json };
    expect(JSON.stringify(body.properties.targeting)).toContain("#/components/schemas/TargetingRule");
  });
});
