import { z } from "zod";
import { ROLES } from "@/db/schema";
import { text } from "@/server/schemas/text";

/** Opt-in ingestion limit of one key, events/s; null: none (overload is shed by load instead). */
export const RateLimit = z.number().int().positive().max(2_147_483_647).nullable();

export const CreateKeySchema = z
  .object({
    name: text().trim().min(1).max(100),
    kind: z.enum(["client", "server"]),
    role: z.enum(ROLES).optional(),
    rateLimit: RateLimit.optional(),
  })
  .strict()
  .refine((k) => (k.kind === "server" ? k.role !== undefined : k.role === undefined), {
    message: "server keys need a role; client keys have none",
    path: ["role"],
  });

export const UpdateKeySchema = z.object({ rateLimit: RateLimit }).strict();

export const KeyIdParams = z.object({ id: z.uuid() });
