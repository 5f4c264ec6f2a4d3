// Request bodies of the release actions (validated by route(), listed in the OpenAPI document).
import { z } from "zod";
import { variantKey } from "@/server/experiments/schemas";
import { text } from "@/server/schemas/text";

const reason = text().trim().max(2000);

export const PromoteBody = z
  .object({
    reason: reason.optional(),
    /** ab: the variant to ship (default: the latest decision's winner, else the treatment) */
    variant: variantKey.optional(),
    /** required to promote past the first stage when the rollback plan says the database changes are not backward compatible */
    acknowledgeIncompatibleDatabase: z.boolean().optional(),
  })
  .strict();

export const RollbackBody = z.object({ reason: reason.min(1, "a rollback needs a reason") }).strict();

export const SwitchBody = z.object({ reason: reason.optional(), to: variantKey.optional() }).strict();

export const ActionReasonBody = z.object({ reason: reason.optional() }).strict();
