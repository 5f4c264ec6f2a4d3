// POST /api/v1/assign: evaluates units with exactly the SDK's code (src/sdk) against the current
// snapshot, and records one exposure event per exposed (unit, experiment) through ingestion.
import { createHash } from "node:crypto";
import type { Principal } from "@/server/auth/principal";
import { ingestEvents } from "@/server/ingestion/ingest";
import { compileSnapshot } from "@/sdk/evaluate";
import type { Assignment, Unit } from "@/sdk/types";
import type { AssignInput } from "./schemas";
import { getSnapshot } from "./snapshot";

function unitId(unit: Unit, hashAttribute: string): string | undefined {
  const value = hashAttribute === "userId" ? unit.userId : hashAttribute === "instanceId" ? unit.instanceId : unit.attributes?.[hashAttribute];
  return value === undefined ? undefined : String(value);
}

// Deterministic ids make repeated assignments of the same unit one exposure event after merges;
// first_exposures keeps the earliest time either way.
function exposureId(experiment: string, variant: string, id: string): string {
  return `x_${createHash("sha1").update(`${experiment}\u0000${variant}\u0000${id}`).digest("base64url")}`;
}

export async function assign({ principal, input }: { principal: Principal; input: AssignInput }) {
  const { snapshot } = await getSnapshot();
  const compiled = compileSnapshot(snapshot);
  const units: Unit[] = "units" in input ? input.units : [input];
  const results = units.map((u) => ({ assignments: compiled.evaluateAll(u) as Assignment[] }));
  if (input.log) {
    const now = Date.now();
    const exposures: unknown[] = [];
    units.forEach((unit, i) => {
      for (const a of results[i].assignments) {
        if (!a.exposed) continue;
        const id = unitId(unit, compiled.get(a.experiment)!.source.hashAttribute);
        if (id) exposures.push({ id: exposureId(a.experiment, a.variant, id), type: "exposure", userId: id, experiment: a.experiment, variant: a.variant, timestamp: now });
      }
    });
    if (exposures.length) await ingestEvents({ events: exposures, principal, rateLimit: false, receivedAt: now });
  }
  return "units" in input ? { results } : results[0];
}
