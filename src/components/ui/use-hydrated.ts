"use client";
import { useSyncExternalStore } from "react";

const subscribe = () => () => undefined;

/** false during server rendering and hydration, true once event handlers are attached: controls that
 * only work with JavaScript stay disabled until then instead of silently ignoring a click. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
