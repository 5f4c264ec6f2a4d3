// POST /api/v1/assign: evaluates units with exactly the SDK's code (src/sdk) against the current
// snapshot, and records one exposure event per exposed (unit, experiment) through ingestion
// (detached: the response does not wait for the exposures' fsync; ingest.ts says why that is safe).
import { recordServerEvents } from "@/server/ingestion/ingest";
import { LIMITS, type EventRow } from "@/server/ingestion/schemas";
import { exposureProperties } from "@/sdk/exposure-properties";
import { fnv1aUtf8 } from "@/sdk/hash";
import { compileSnapshot } from "@/sdk/evaluate";
import type { Assignment, Unit } from "@/sdk/types";
import { dryRunSnapshots } from "./dry-run";
import type { AssignInput } from "./schemas";
import { getSnapshot } from "./snapshot";

function unitId(unit: Unit, hashAttribute: string): string | undefined {
  const value = hashAttribute === "userId" ? unit.userId : hashAttribute === "instanceId" ? unit.instanceId : unit.attributes?.[hashAttribute];
  return value === undefined ? undefined : String(value);
}

// Deterministic ids: a repeated assignment of a unit yields the same id, so its copies collapse
// like a retried event (first_exposures keeps the earliest time either way). Two FNV-1a rounds
// (64 bits), not a cryptographic digest: sha1 per exposure was the costliest step of logging, and
// ids only need to differ among one unit's exposures, since deduplication keys on
// (type, name, user_id, id).
function exposureId(experiment: string, variant: string, unit: string): string {
  const hi = fnv1aUtf8(0x811c9dc5, `${experiment}\u0000${variant}\u0000${unit}`);
  const lo = fnv1aUtf8(0x811c9dc5, `${unit}\u0000${variant}\u0000${experiment}`);
  return `x_${hi.toString(16).padStart(8, "0")}${lo.toString(16).padStart(8, "0")}`;
}

export async function assign({ input }: { input: AssignInput }) {
  const { snapshot } = await getSnapshot();
  const compiled = compileSnapshot(snapshot);
  const units: Unit[] = input.units ?? [input as Unit];
  // a rollback drill's probe unit sees the drilled state and is never logged (./dry-run.ts)
  const probes = await dryRunSnapshots(units);
  const results = units.map((u, i) => ({ assignments: (probes?.get(i) ?? compiled).evaluateAll(u) as Assignment[] }));
  if (input.log) {
    const now = Date.now();
    const rows: EventRow[] = [];
    units.forEach((unit, i) => {
      if (probes?.has(i)) return;
      let properties: string | undefined;
      for (const a of results[i].assignments) {
        if (!a.exposed) continue;
        const id = unitId(unit, compiled.get(a.experiment)!.source.hashAttribute);
        // the ingestion endpoint's bound on user ids (longer attribute values are not stored)
        if (!id || id.length > LIMITS.maxUserIdLength) continue;
        rows.push({
          id: exposureId(a.experiment, a.variant, id),
          type: "exposure",
          name: "",
          user_id: id,
          experiment: a.experiment,
          variant: a.variant,
          value: 1,
          properties: (properties ??= JSON.stringify(exposureProperties(unit.attributes) ?? {})),
          timestamp: now,
          received_at: now,
        });
      }
    });
    await recordServerEvents(rows);
  }
  return input.units !== undefined ? { results } : results[0];
}
