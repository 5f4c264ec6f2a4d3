import { z } from "zod";
import { text, unstorable } from "@/server/schemas/text";

// Unit ids and attributes become exposure rows: a lone surrogate ("\ud800") is valid JSON but not
// text, and the event store would refuse the row, so they are checked as every stored string is.
const storableName = (s: string) => unstorable(s) === null;

const attributeValue = z.union([text().max(1000), z.number(), z.boolean()]);

const unitFields = {
  userId: text().min(1).max(200).optional(),
  instanceId: text().min(1).max(200).optional(),
  // names checked by a refinement: a failed key schema would abort the union branch (see below)
  attributes: z
    .record(z.string().max(100), attributeValue)
    .refine((a) => Object.keys(a).every(storableName), "an attribute name contains a NUL character or a lone UTF-16 surrogate")
    .optional(),
};

const hasIdentity = (u: { userId?: string; instanceId?: string; attributes?: object }) => u.userId !== undefined || u.instanceId !== undefined || u.attributes !== undefined;
const identityMessage = { message: "a unit needs a userId, an instanceId or attributes (e.g. deviceId)" };

export const UnitSchema = z.object(unitFields).strict().refine(hasIdentity, identityMessage);

const MAX_UNITS = 1000;

// `units: never` makes a body with `units` fail the single-unit form outright, so the union reports
// the batch form's own issue (e.g. too many units) instead of "unrecognized key: units".
const SingleAssign = z
  .object({ ...unitFields, units: z.never().optional(), log: z.boolean().default(true) })
  .strict()
  .refine(hasIdentity, identityMessage);

// The cap is a refinement, not .max(): a failed .max() aborts the branch and the union then
// answers with the other form's complaint.
const BatchAssign = z
  .object({
    units: z
      .array(UnitSchema)
      .min(1)
      .refine((u) => u.length <= MAX_UNITS, { error: (iss) => `at most ${MAX_UNITS} units per request (got ${(iss.input as unknown[]).length}); split the batch` })
      .describe(`1 to ${MAX_UNITS} units`),
    log: z.boolean().default(true),
  })
  .strict();

/** One unit, or `{ units: [...] }` (up to 1,000) answered in the same order. */
export const AssignSchema = z.union([BatchAssign, SingleAssign]);
export type AssignInput = z.output<typeof AssignSchema>;
