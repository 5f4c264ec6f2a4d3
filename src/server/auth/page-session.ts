// For server components: the signed-in user, or a redirect to the sign-in page.
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { principalForSession } from "./authenticate";
import type { Principal } from "./principal";
import { SESSION_COOKIE } from "./tokens";

export async function currentUser(): Promise<Principal | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return token ? principalForSession(token) : null;
}

export async function requireUser(next?: string): Promise<Principal> {
  const user = await currentUser();
  if (!user) redirect(next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in");
  return user;
}

export function canAct(user: Principal): boolean {
  return user.role === "release_manager" || user.role === "admin";
}
