/**
 * The packs of segmentPack in order. The Packer emits events (groups, placements, packs still to be
 * compressed) in one deterministic order; without workers each pack is compressed where it stands,
 * with workers it is sent to the least busy one and the events behind it wait until it is back. So
 * the archive is the same, byte for byte, for any number of workers.
 *
 * Bounded: packs are sent while the bytes in flight (each pack's input, counted twice for its
 * compressed copy) stay within `capacity`; one pack alone is always sent, as the main thread would
 * compress it alone. When packs wait to be sent, `settle` waits for the oldest one in flight.
 */
import type { PackEvent } from "../../core/batches.ts"
import type { WorkerPool } from "../../core/workers.ts"
import { packBytes, type PackJob } from "../../formats/brk/codec.ts"
import type { PackResult, PackTask } from "./pack_worker.ts"

/** A pack event before compression: what the Packer emits. */
export type PackerEvent =
  | Exclude<PackEvent, { kind: "pack" }>
  | (Omit<Extract<PackEvent, { kind: "pack" }>, "bytes"> & { readonly job: PackJob })

/** Compresses a pack event on this thread. */
export function settle(e: PackerEvent): PackEvent {
  if (e.kind !== "pack") return e
  const { job, ...rest } = e
  return { ...rest, bytes: packBytes(job) }
}

/** Bytes a pack holds while in flight: its input, and its compressed copy (at most about as large). */
export const inFlightCost = (job: PackJob): number => 2 * job.bytes.length

interface Held {
  readonly e: PackerEvent
  sent?: Promise<void>
  bytes?: Uint8Array
  failure?: Error
}

export class PackQueue {
  private readonly held: Held[] = []
  private inFlight = 0
  private running = 0
  /** Packs held and not yet sent. */
  private unsent = 0
  private nextId = 0
  /** The most bytes that were in flight at once. */
  peak = 0

  constructor(
    private readonly pool: WorkerPool<PackTask, PackResult & { id: number }> | undefined,
    readonly capacity: number,
    private readonly emit: (e: PackEvent) => void,
  ) {}

  push(e: PackerEvent): void {
    if (!this.pool) return this.emit(settle(e))
    this.held.push({ e })
    if (e.kind === "pack") this.unsent++
  }

  /** Sends what fits and passes on the events that are ready; waits while packs wait to be sent. */
  async settle(): Promise<void> {
    for (;;) {
      this.send()
      this.pass()
      if (this.unsent === 0) return
      await this.oldestInFlight()
    }
  }

  /** Waits for every pack and passes every event on. */
  async finish(): Promise<void> {
    for (;;) {
      await this.settle()
      if (this.held.length === 0) return
      await this.oldestInFlight()
    }
  }

  private send(): void {
    const pool = this.pool!
    if (this.unsent === 0) return
    for (const h of this.held) {
      if (h.e.kind !== "pack" || h.sent) continue
      const job = h.e.job
      const cost = inFlightCost(job)
      if (this.running > 0 && this.inFlight + cost > this.capacity) return
      let k = 0
      for (let j = 1; j < pool.size; j++) if (pool.pending(j) < pool.pending(k)) k = j
      this.inFlight += cost
      this.running++
      this.unsent--
      this.peak = Math.max(this.peak, this.inFlight)
      // the input is transferred, the worker owns it from here: a reference is copied (the group store keeps it)
      const whole = job.bytes.byteOffset === 0 && job.bytes.byteLength === job.bytes.buffer.byteLength
      const bytes = whole && !job.ref ? job.bytes : job.bytes.slice()
      h.sent = pool.run(k, { id: this.nextId++, ref: job.ref, level: job.level, bytes }, [bytes.buffer]).then(
        (r) => void (h.bytes = r.bytes),
        (err: Error) => void (h.failure = err),
      ).finally(() => {
        this.inFlight -= cost
        this.running--
      })
    }
  }

  private pass(): void {
    while (this.held.length > 0) {
      const h = this.held[0]
      if (h.failure) throw h.failure
      if (h.e.kind === "pack") {
        if (!h.bytes) return
        const { job: _, ...rest } = h.e
        this.emit({ ...rest, bytes: h.bytes })
      } else this.emit(h.e)
      this.held.shift()
    }
  }

  private async oldestInFlight(): Promise<void> {
    const h = this.held.find((x) => x.sent && !x.bytes && !x.failure)
    if (h) await h.sent
  }
}
