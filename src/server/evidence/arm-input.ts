// The engine's ArmStats as the decision engine reads them (ArmInput): the analysis input shape
// flattened, without CUPED sums; a percentile arm without an estimate (no page views) has none.
import type { ArmInput, ArmStats } from "./types";

export function armInput(s: ArmStats): ArmInput | null {
  switch (s.kind) {
    case "proportion":
      return { kind: "proportion", ...s.proportion };
    case "mean":
      return { kind: "mean", ...s.mean };
    case "ratio":
      return { kind: "ratio", ...s.ratio };
    case "percentile":
      return s.quantile ? { kind: "percentile", ...s.quantile } : null;
  }
}
