/**
 * Runs a garbage collection where the runtime lets us (Bun.gc; V8's gc() when started with
 * --expose-gc, as bin/brook starts Deno). Long stages call it now and then: the garbage their
 * bookkeeping leaves (messages, promises, strings) is memory the budget cannot see, and the engines
 * let it grow by tens of MB before collecting on their own.
 */
const g = globalThis as { gc?: () => void; Bun?: { gc?: (force: boolean) => void } }

/** Minimum milliseconds between two collections. */
const GC_INTERVAL_MS = 1000
let last = 0

export function collectGarbageNow(force = false): void {
  const now = performance.now()
  if (!force && now - last < GC_INTERVAL_MS) return
  last = now
  if (g.Bun?.gc) g.Bun.gc(true)
  else g.gc?.()
}
