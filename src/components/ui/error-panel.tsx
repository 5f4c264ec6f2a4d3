"use client";
import { useEffect } from "react";
import { buttonClass } from "./styles";

export function ErrorPanel({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => console.error(error), [error]);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-5 text-sm dark:border-red-900 dark:bg-red-950/40">
      <h2 className="text-base font-semibold text-red-800 dark:text-red-300">This page could not be loaded</h2>
      <p className="mt-1 text-red-800 dark:text-red-300">
        A store may be unreachable or the server hit an error.{digest ? ` Reference ${digest} in the server log.` : ""} Check{" "}
        <a className="underline" href="/api/health">
          /api/health
        </a>
        , then try again.
      </p>
      <button type="button" onClick={() => retry()} className={`mt-3 ${buttonClass.secondary}`}>
        Try again
      </button>
    </div>
  );
}
