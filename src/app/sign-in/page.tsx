import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { safeNextPath } from "@/server/auth/next-path";
import { currentUser } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  // only same-origin paths: never an open redirect (src/server/auth/next-path.ts)
  const target = safeNextPath(next);
  if (await currentUser()) redirect(target);
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-50 px-6 dark:bg-slate-950">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="mb-1 text-2xl font-semibold">Verdict</h1>
        <p className="mb-6 text-sm text-slate-600 dark:text-slate-400">Sign in to see experiments and rollouts.</p>
        <SignInForm next={target} />
      </div>
    </main>
  );
}
