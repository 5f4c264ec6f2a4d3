import { beforeAll, describe, expect, it } from "vitest";
import * as health from "@/app/api/health/route";
import * as openapi from "@/app/api/v1/openapi.json/route";
import { call, setupStores } from "./helpers/app";

beforeAll(setupStores);

describe("health and the API description", () => {
  it("reports both stores, their modes and migration versions without credentials", async () => {
    const res = await call(health.GET, { token: null });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
    expect(res.body.stores.postgres).toMatchObject({ ok: true, mode: "pglite", migrations: { latest: expect.stringMatching(/^\d{4}_/) } });
    expect(res.body.stores.clickhouse).toMatchObject({ ok: true, mode: "chdb", migrations: { latest: expect.stringMatching(/^\d{4}_/) } });
  });

  it("serves an OpenAPI 3 document generated from the request schemas", async () => {
    const res = await call(openapi.GET, { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const create = res.body.paths["/api/v1/experiments"].post;
    expect(create["x-verdict-access"]).toBe("release_manager");
    const schema = create.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(expect.arrayContaining(["key", "name", "strategy"]));
    expect(schema.properties.strategy.enum).toEqual(["ab", "canary", "blue_green", "rolling", "toggle"]);
    expect(res.body.paths["/api/v1/events"].post.requestBody).toBeDefined();
  });
});
