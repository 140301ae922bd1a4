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

/**
 * Forced collections paced by the bytes a stage moves rather than by time: `count` what went through,
 * `collectIfDue` where a collection is cheap to make (between items), and it collects once `every` bytes
 * have been counted since the last one.
 */
export class CollectionPace {
  private since = 0
  constructor(private readonly every: number) {}

  count(bytes: number): void {
    this.since += bytes
  }

  collectIfDue(): void {
    if (this.since < this.every) return
    this.since = 0
    collectGarbageNow(true)
  }
}
