"use client";
import { useRouter } from "next/navigation";
import { api } from "./api-client";
import { buttonClass } from "./ui/styles";

export function SignOutButton() {
  const router = useRouter();
  async function signOut() {
    await api("/api/auth/logout", { method: "POST" }).catch(() => undefined);
    router.push("/sign-in");
    router.refresh();
  }
  return (
    <button type="button" onClick={signOut} className={buttonClass.secondary}>
      Sign out
    </button>
  );
}
