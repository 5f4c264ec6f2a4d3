import { AppError } from "@/core/errors";
import { getExperiment } from "@/server/experiments/get";
import { latestDecisionRow, toDecisionView, type DecisionView } from "./record";

/** The latest evaluation of an experiment, with the summary statistics it used. */
export async function latestDecision({ key }: { key: string }): Promise<DecisionView> {
  await getExperiment({ key });
  const row = await latestDecisionRow(key);
  if (!row) throw new AppError("not_found", `Experiment '${key}' has not been evaluated yet`, { key });
  return toDecisionView(row, { full: true });
}
