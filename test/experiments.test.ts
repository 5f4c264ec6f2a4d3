import { beforeAll, describe, expect, it } from "vitest";
import * as collection from "@/app/api/v1/experiments/route";
import * as item from "@/app/api/v1/experiments/[key]/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as pause from "@/app/api/v1/experiments/[key]/pause/route";
import * as resume from "@/app/api/v1/experiments/[key]/resume/route";
import { emptyForm, withStrategy } from "@/components/experiment-form/form-state";
import { listAudit } from "@/server/audit/list";
import { call, setupStores } from "./helpers/app";

beforeAll(setupStores);

describe("experiments API", () => {
  it("creates a canary with defaults and lists it", async () => {
    const res = await call(collection.POST, { body: { key: "realtime-tracking", name: "Real-time tracking", strategy: "canary" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      key: "realtime-tracking",
      status: "draft",
      control: "control",
      treatment: "treatment",
      rollout: { stages: [5, 20, 50, 100], minExposuresPerArm: 100, minDurationMinutes: 60 },
      state: { exposure: 5, stageIndex: 0 },
      automation: "auto-rollback",
      metrics: { primary: "engagement_rate" },
    });
    expect(res.body.metrics.guardrails.map((g: { metric: string }) => g.metric)).toEqual(["error_rate", "page_load_time", "page_load_p95", "feedback_score"]);
    const list = await call(collection.GET, { path: "/api/v1/experiments?strategy=canary" });
    expect(list.body.experiments.map((e: { key: string }) => e.key)).toEqual(["realtime-tracking"]);
  });

  it("lists every bad field at once", async () => {
    const res = await call(collection.POST, { body: { key: "Bad Key", name: "", strategy: "nope", variants: [{ key: "a", weight: 2 }] } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["key", "name", "strategy"]));
  });

  it("declares segment attributes on create and update: at most 5, unique, attribute names (issue 16)", async () => {
    const created = await call(collection.POST, { body: { key: "seg-1", name: "Segments", strategy: "canary", segments: ["platform", "region"] } });
    expect(created.status).toBe(201);
    expect(created.body.segments).toEqual(["platform", "region"]);
    expect((await call(collection.POST, { body: { key: "seg-0", name: "No segments", strategy: "canary" } })).body.segments).toEqual([]);
    const updated = await call(item.PATCH, { params: { key: "seg-1" }, body: { segments: ["platform", "appVersion", "region"] } });
    expect(updated.status).toBe(200);
    expect(updated.body.segments).toEqual(["platform", "appVersion", "region"]);
    for (const segments of [["a", "b", "c", "d", "e", "f"], ["platform", "platform"], ["has space"], [""]]) {
      const bad = await call(item.PATCH, { params: { key: "seg-1" }, body: { segments } });
      expect(bad.status, JSON.stringify(segments)).toBe(400);
      expect(bad.body.error.details[0].path).toMatch(/^segments/);
    }
    expect((await call(item.GET, { params: { key: "seg-1" } })).body.segments).toEqual(["platform", "appVersion", "region"]);
  });

  it("refuses weights that do not sum to 1, and a duplicate key", async () => {
    const bad = await call(collection.POST, {
      body: {
        key: "ab-1",
        name: "AB",
        strategy: "ab",
        variants: [
          { key: "a", weight: 0.5 },
          { key: "b", weight: 0.6 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].message).toMatch(/sum to 1/);
    const dup = await call(collection.POST, { body: { key: "realtime-tracking", name: "again", strategy: "canary" } });
    expect(dup.status).toBe(409);
  });

  it("moves through draft → running ⇄ paused and refuses illegal transitions with 409", async () => {
    const p = { key: "realtime-tracking" };
    const refused = (await call(pause.POST, { params: p, body: {} })).body.error;
    expect(refused).toMatchObject({ code: "invalid_transition", details: { status: "draft" } });
    expect(refused.message).toBe("Cannot pause experiment 'realtime-tracking': it is draft");
    expect((await call(start.POST, { params: p, body: {} })).body.status).toBe("running");
    expect((await call(pause.POST, { params: p, body: { reason: "lunch" } })).body.status).toBe("paused");
    expect((await call(resume.POST, { params: p, body: {} })).body.status).toBe("running");
    const again = await call(start.POST, { params: p, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.details.status).toBe("running");
  });

  it("refuses weight changes on a running experiment unless re-randomised, and audits the new salt", async () => {
    await call(collection.POST, { body: { key: "ab-2", name: "AB", strategy: "ab" } });
    await call(start.POST, { params: { key: "ab-2" }, body: {} });
    const before = (await call(item.GET, { params: { key: "ab-2" } })).body;
    const refused = await call(item.PATCH, {
      params: { key: "ab-2" },
      body: {
        variants: [
          { key: "control", weight: 0.9 },
          { key: "treatment", weight: 0.1 },
        ],
      },
    });
    expect(refused.status).toBe(409);
    const ok = await call(item.PATCH, {
      params: { key: "ab-2" },
      body: {
        variants: [
          { key: "control", weight: 0.9 },
          { key: "treatment", weight: 0.1 },
        ],
        rerandomize: true,
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.salt).not.toBe(before.salt);
    const audit = await listAudit({ entityType: "experiment", entityKey: "ab-2", limit: 10 });
    expect(audit.entries[0]).toMatchObject({ action: "experiment.rerandomized", actor: "bootstrap admin key" });
    expect((audit.entries[0].before as { salt: string }).salt).toBe(before.salt);
  });

  it("answers 404 for an unknown experiment", async () => {
    const res = await call(item.GET, { params: { key: "nope" } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });

  it("has one safety-rollout default per strategy, in the API and in the form", async () => {
    for (const strategy of ["ab", "canary", "blue_green", "rolling", "toggle"] as const) {
      const key = `safety-${strategy.replace("_", "-")}`;
      const created = await call(collection.POST, { body: { key, name: key, strategy } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.metrics.safetyRollout).toBe(withStrategy(emptyForm(), strategy).safetyRollout);
      expect(created.body.metrics.safetyRollout).toBe(strategy !== "ab");
    }
  });
});
