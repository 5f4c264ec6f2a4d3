import { SignInForm } from "@/components/sign-in-form";

export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center px-6">
      <h1 className="mb-1 text-2xl font-semibold">Verdict</h1>
      <p className="mb-6 text-sm text-slate-600 dark:text-slate-400">Sign in to see experiments and rollouts.</p>
      <SignInForm next={next && next.startsWith("/") ? next : "/experiments"} />
    </main>
  );
}
