// Test-only: simulated users with segment attributes, reduced to the whole experiment's summaries and
// each (attribute, value) cell's, as loadDecisionInputs hands them to decide(). Every user is drawn
// once (with the effect of its variant and attributes) and added to the whole arm and to one cell
// per attribute, so the cells partition the same users as they would in the store.
import type { DecisionInputs, SegmentInputs } from "@/server/decisions/types";
import { metricsOf, SimArm, simRandom, type ArmEffect } from "./summary-sim";

export interface SegmentSpec {
  attribute: string;
  values: { value: string; share: number }[];
}

type Arms = { control: SimArm; treatment: SimArm };
const VARIANTS = ["control", "treatment"] as const;

export class SegmentedSim {
  readonly top: Arms;
  private readonly cells = new Map<string, Arms>();
  private readonly generators = new Map<string, SimArm>();
  private readonly r: ReturnType<typeof simRandom>;

  constructor(
    private readonly specs: SegmentSpec[],
    private readonly effectOf: (variant: string, attrs: Record<string, string>) => ArmEffect,
    seed: number,
  ) {
    this.r = simRandom(seed);
    const arms = (): Arms => ({ control: this.arm(), treatment: this.arm() });
    this.top = arms();
    for (const s of specs) for (const v of s.values) this.cells.set(`${s.attribute}=${v.value}`, arms());
  }

  private arm(effect: ArmEffect = { errorRate: 0, loadMedianMs: 1, engagement: 0, feedbackMean: 1 }): SimArm {
    return new SimArm(effect, this.r.rand, this.r.normal);
  }

  private pick(s: SegmentSpec): string {
    let u = this.r.rand();
    for (const v of s.values) if ((u -= v.share) < 0) return v.value;
    return s.values[s.values.length - 1].value;
  }

  addUsers(perArm: number): void {
    for (const variant of VARIANTS) {
      for (let i = 0; i < perArm; i++) {
        const attrs = Object.fromEntries(this.specs.map((s) => [s.attribute, this.pick(s)]));
        const effect = this.effectOf(variant, attrs);
        const key = JSON.stringify(effect);
        if (!this.generators.has(key)) this.generators.set(key, this.arm(effect));
        const user = this.generators.get(key)!.drawUser();
        this.top[variant].addRecord(user);
        for (const s of this.specs) this.cells.get(`${s.attribute}=${attrs[s.attribute]}`)![variant].addRecord(user);
      }
    }
  }

  segments(): SegmentInputs[] {
    return this.specs.map((s) => ({
      attribute: s.attribute,
      values: s.values.map(({ value }) => {
        const arms = this.cells.get(`${s.attribute}=${value}`)!;
        return { value, exposures: { control: arms.control.users, treatment: arms.treatment.users }, metrics: metricsOf(arms) };
      }),
    }));
  }

  /** The segments part of a canary's inputs (the rest from canaryInputs(sim.top, …)). */
  withSegments(inputs: DecisionInputs): DecisionInputs {
    return { ...inputs, segments: this.segments() };
  }
}
