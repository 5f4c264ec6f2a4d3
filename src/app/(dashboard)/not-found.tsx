import Link from "next/link";

export default function NotFound() {
  return (
    <div className="space-y-2">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Nothing lives at this address.{" "}
        <Link href="/experiments" className="underline">
          Back to experiments
        </Link>
        .
      </p>
    </div>
  );
}
