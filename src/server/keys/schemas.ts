import { z } from "zod";
import { ROLES } from "@/db/schema";

export const CreateKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: z.enum(["client", "server"]),
    role: z.enum(ROLES).optional(),
  })
  .strict()
  .refine((k) => (k.kind === "server" ? k.role !== undefined : k.role === undefined), {
    message: "server keys need a role; client keys have none",
    path: ["role"],
  });

export const KeyIdParams = z.object({ id: z.uuid() });
