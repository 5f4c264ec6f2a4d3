import { z } from "zod";

const attributeValue = z.union([z.string().max(1000), z.number(), z.boolean()]);

const unitFields = {
  userId: z.string().min(1).max(200).optional(),
  instanceId: z.string().min(1).max(200).optional(),
  attributes: z.record(z.string().max(100), attributeValue).optional(),
};

const hasIdentity = (u: { userId?: string; instanceId?: string; attributes?: object }) => u.userId !== undefined || u.instanceId !== undefined || u.attributes !== undefined;
const identityMessage = { message: "a unit needs a userId, an instanceId or attributes (e.g. deviceId)" };

export const UnitSchema = z.object(unitFields).strict().refine(hasIdentity, identityMessage);

const SingleAssign = z
  .object({ ...unitFields, log: z.boolean().default(true) })
  .strict()
  .refine(hasIdentity, identityMessage);

const BatchAssign = z.object({ units: z.array(UnitSchema).min(1).max(1000), log: z.boolean().default(true) }).strict();

/** One unit, or `{ units: [...] }` (up to 1,000) answered in the same order. */
export const AssignSchema = z.union([BatchAssign, SingleAssign]);
export type AssignInput = z.output<typeof AssignSchema>;
