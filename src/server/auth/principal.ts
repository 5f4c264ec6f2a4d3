import type { Role } from "@/db/schema";

export type Access = "public" | "client" | Role;

export interface Principal {
  kind: "user" | "server_key" | "client_key" | "system" | "anonymous";
  id: string;
  name: string;
  /** null for client keys: they may assign, read the SDK config and send events, nothing else */
  role: Role | null;
  /** set for browser sessions: mutations must echo it in the x-csrf-token header */
  csrfToken?: string;
}

const RANK: Record<Role, number> = { viewer: 1, release_manager: 2, admin: 3 };

/** Whether a principal may call a route that requires `access`. */
export function allows(principal: Principal, access: Access): boolean {
  if (access === "public" || access === "client") return true;
  if (!principal.role) return false;
  return RANK[principal.role] >= RANK[access];
}

export const SYSTEM: Principal = { kind: "system", id: "system", name: "verdict-evaluator", role: "admin" };

export const ANONYMOUS: Principal = { kind: "anonymous", id: "anonymous", name: "anonymous", role: null };
