import { z } from "zod";
import { ROLES } from "@/db/schema";
import { NewPasswordSchema } from "@/server/auth/password";
import { text } from "@/server/schemas/text";

export const CreateUserSchema = z
  .object({
    username: text()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[\w.@-]+$/, "letters, digits, '.', '@', '-' or '_'"),
    password: NewPasswordSchema,
    role: z.enum(ROLES),
  })
  .strict();

export const UserIdParams = z.object({ id: z.uuid() });

/** Either or both: a role change takes effect on the user's next request; disabling ends their sessions. */
export const UpdateUserSchema = z
  .object({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((u) => u.role !== undefined || u.disabled !== undefined, { message: "give a role, disabled, or both" });

export const ResetPasswordSchema = z.object({ password: NewPasswordSchema }).strict();
