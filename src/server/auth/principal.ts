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
  /** API keys: the key's opt-in ingestion limit in events/s (api_keys.rate_limit); null: none */
  rateLimit: number | null;
}

const RANK: Record<Role, number> = { viewer: 1, release_manager: 2, admin: 3 };

/**
 * Whether a principal may call a route that requires `access`.
 *
 * `client` routes (assign, events, SDK config) write to the event store: exposures and KPI events
 * feed the decisions that promote or roll back. Client keys exist for them; a server key or user
 * may call them only with a role that may change rollouts anyway (release manager, admin). A
 * viewer, key or user, is read-only and is refused.
 */
export function allows(principal: Principal, access: Access): boolean {
  if (access === "public") return true;
  if (access === "client") return principal.kind === "client_key" || (principal.role !== null && RANK[principal.role] >= RANK.release_manager);
  if (!principal.role) return false;
  return RANK[principal.role] >= RANK[access];
}

export const SYSTEM: Principal = { kind: "system", id: "system", name: "verdict-evaluator", role: "admin", rateLimit: null };

export const ANONYMOUS: Principal = { kind: "anonymous", id: "anonymous", name: "anonymous", role: null, rateLimit: null };
