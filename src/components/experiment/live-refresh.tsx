"use client";
// While a rollout runs, re-render the server components every few seconds (router.refresh keeps client
// state and scroll position: no full reload). Paused while the tab is hidden, and never overlapping:
// when the results pipeline is slow, a new refresh waits until the previous one has rendered.
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";

export function LiveRefresh({ active, intervalMs = 5000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const pendingRef = useRef(false);
  const [last, setLast] = useState<number | null>(null);
  useEffect(() => {
    pendingRef.current = pending;
  }, [pending]);
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => {
      if (document.visibilityState !== "visible" || pendingRef.current) return;
      pendingRef.current = true;
      startTransition(() => router.refresh());
      setLast(Date.now());
    }, intervalMs);
    return () => clearInterval(id);
  }, [active, intervalMs, router]);
  if (!active) return null;
  return (
    <span className="inline-flex items-center gap-1 text-xs text-slate-500" data-testid="live-indicator" title={last ? `refreshed at ${new Date(last).toLocaleTimeString()}` : undefined}>
      <span aria-hidden className={`h-2 w-2 rounded-full bg-green-500 ${pending ? "animate-ping" : "animate-pulse"}`} />
      live
    </span>
  );
}
