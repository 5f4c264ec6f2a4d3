import { z } from "zod";
import { ROLES } from "@/db/schema";

export const CreateUserSchema = z
  .object({
    username: z.string().trim().min(1).max(64).regex(/^[\w.@-]+$/, "letters, digits, '.', '@', '-' or '_'"),
    password: z.string().min(8, "at least 8 characters").max(200),
    role: z.enum(ROLES),
  })
  .strict();
