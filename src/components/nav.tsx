import Link from "next/link";
import type { Principal } from "@/server/auth/principal";
import { NavLinks } from "./nav-links";
import { SignOutButton } from "./sign-out-button";
import { Badge } from "./ui/badge";

const ROLE_LABEL: Record<string, string> = { viewer: "viewer", release_manager: "release manager", admin: "admin" };

export function Nav({ user }: { user: Principal }) {
  const links = [
    { href: "/experiments", label: "Experiments" },
    { href: "/decisions", label: "Decisions" },
    { href: "/metrics", label: "Metrics" },
    { href: "/audit", label: "Audit log" },
    { href: "/webhooks", label: "Webhooks" },
    ...(user.role === "admin"
      ? [
          { href: "/keys", label: "API keys" },
          { href: "/users", label: "Users" },
        ]
      : []),
  ];
  return (
    <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:p-2 dark:focus:bg-slate-900">
        Skip to content
      </a>
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
        <Link href="/experiments" className="text-lg font-bold tracking-tight">
          Verdict
        </Link>
        <NavLinks links={links} />
        <div className="ml-auto flex items-center gap-2 text-sm">
          <span data-testid="current-user">{user.name}</span>
          <Badge tone={user.role === "viewer" ? "grey" : "blue"}>
            <span data-testid="current-role">{ROLE_LABEL[user.role ?? ""] ?? "no role"}</span>
          </Badge>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
