/**
 * Cuts every contig where a splitter k-mer occurs. A segment runs from the start of the previous
 * splitter (or the contig start) to the end of this one, so neighbours overlap by k bases, as in
 * AGC; it is keyed by its ordered pair of boundary k-mers (NONE at a contig end) and stored in the
 * canonical orientation: reverse-complemented when the pair is out of order.
 */
import { Effect } from "effect"
import type { FastaEvent, Segment, SegmentEvent, StreamInfo } from "../../core/batches.ts"
import { MemoryBudget } from "../../core/budget.ts"
import { type InvalidInput, InvalidOption } from "../../core/errors.ts"
import type { Transform } from "../../core/operator.ts"
import { canonicalAt, CODE, MAX_K, MIN_K, NONE, reverseComplement, SplitterSet } from "./kmers.ts"
import { chooseSplitters, DEFAULT_K, DEFAULT_SEGMENT } from "./splitters.ts"

/** A segment longer than this is cut without a splitter (a region the reference lacks). */
export const MAX_SEGMENT = 8 << 20

export class Segmenter {
  private seg: Uint8Array
  private fill = 0
  private front = NONE
  private skip = 0
  private hi = 0
  private lo = 0
  private valid = 0
  private readonly hiMask: number

  constructor(
    private readonly splitters: SplitterSet,
    private readonly emit: (s: Segment) => void,
    private readonly maxSegment = MAX_SEGMENT,
  ) {
    const hiBits = 2 * (splitters.k - 16)
    this.hiMask = hiBits === 32 ? 0xffffffff : (1 << hiBits) - 1
    this.seg = new Uint8Array(1 << 16)
  }

  /** Bytes held between calls. */
  get bytes(): number {
    return this.seg.length
  }

  contig(): void {
    this.fill = 0
    this.front = NONE
    this.skip = 0
    this.valid = 0
  }

  sequence(s: Uint8Array): void {
    const k = this.splitters.k
    const filter = this.splitters.filter
    const hiMask = this.hiMask
    let hi = this.hi, lo = this.lo, valid = this.valid
    let from = 0
    for (let j = 0; j < s.length; j++) {
      const c = CODE[s[j]]
      if (c > 3) {
        valid = 0
        continue
      }
      hi = ((hi << 2) | (lo >>> 30)) & hiMask
      lo = ((lo << 2) | c) >>> 0
      if (++valid < k) continue
      const low = lo & 0xffffff
      if ((filter[low >>> 3] & (1 << (low & 7))) === 0 || !this.splitters.has(hi, lo)) continue
      this.append(s, from, j + 1)
      from = j + 1
      this.cut(canonicalAt(this.seg, this.fill, k), k)
    }
    this.hi = hi
    this.lo = lo
    this.valid = valid
    this.append(s, from, s.length)
  }

  contigEnd(): void {
    this.cut(NONE, 0)
  }

  private append(s: Uint8Array, from: number, to: number): void {
    while (from < to) {
      if (this.fill === this.maxSegment) this.cut(NONE, 0)
      const n = Math.min(to - from, this.maxSegment - this.fill)
      if (this.fill + n > this.seg.length) {
        const grown = new Uint8Array(Math.min(this.maxSegment, Math.max(this.seg.length * 2, this.fill + n)))
        grown.set(this.seg.subarray(0, this.fill))
        this.seg = grown
      }
      this.seg.set(s.subarray(from, from + n), this.fill)
      this.fill += n
      from += n
    }
  }

  /** Emits what is held as a segment ending at `back`; the next one starts with the last `keep` bases. */
  private cut(back: bigint, keep: number): void {
    const body = this.seg.subarray(0, this.fill)
    const rc = this.front > back
    this.emit({
      a: rc ? back : this.front,
      b: rc ? this.front : back,
      rc,
      skip: this.skip,
      bytes: rc ? reverseComplement(body) : body.slice(),
    })
    this.seg.copyWithin(0, this.fill - keep, this.fill)
    this.fill = keep
    this.front = back
    this.skip = keep
  }
}

export interface SegmentOptions {
  /** Choose splitters from this reference FASTA (the first sample)... */
  readonly reference?: string
  /** ...or use these (appending to an archive). */
  readonly splitters?: readonly bigint[]
  readonly k?: number
  readonly segmentSize?: number
}

/** Count sketch for splitter choice: 32 MiB holds 128 M counters (a 12 Mbp reference fills 10% of them). */
export const SKETCH_BYTES = 32 << 20

/** The segmentation stage: FASTA events in, segments out (splitters chosen first, from the reference). */
export function segment(options: SegmentOptions): Transform<FastaEvent, SegmentEvent> {
  const name = "segment"
  const k = options.k ?? DEFAULT_K
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT
  // the sketch is released before any segment is cut; the segment buffer grows to MAX_SEGMENT at most
  const bytes = Math.max(options.splitters ? 0 : SKETCH_BYTES, MAX_SEGMENT) + SplitterSet.bytes(1 << 12)
  return {
    kind: "transform",
    name,
    weight: 0,
    describe: (up: StreamInfo) => Effect.succeed(up),
    minimum: () => bytes,
    plan: () => Effect.succeed({ bytes }),
    make: () =>
      Effect.gen(function* () {
        if (k < MIN_K || k > MAX_K) {
          return yield* new InvalidOption({ option: "k", reason: `must be between ${MIN_K} and ${MAX_K}` })
        }
        const budget = yield* MemoryBudget
        yield* budget.reserve(name, bytes)
        const chosen = options.splitters ?? (yield* Effect.tryPromise({
          try: () => chooseSplitters(options.reference!, { k, segmentSize, sketchBytes: SKETCH_BYTES }),
          catch: (e) => e as InvalidInput,
        }))
        const set = new SplitterSet(k, chosen)
        let controller: TransformStreamDefaultController<SegmentEvent>
        const cutter = new Segmenter(set, (segment) => controller.enqueue({ kind: "segment", segment }))
        return new TransformStream<FastaEvent, SegmentEvent>({
          start(c) {
            c.enqueue({ kind: "params", k, segmentSize, splitters: chosen })
          },
          transform(e, c) {
            controller = c
            if (e.kind === "seq") cutter.sequence(e.bytes)
            else if (e.kind === "contig") {
              cutter.contig()
              c.enqueue(e)
            } else if (e.kind === "contigEnd") {
              cutter.contigEnd()
              c.enqueue(e)
            } else c.enqueue(e)
          },
        })
      }),
  }
}
