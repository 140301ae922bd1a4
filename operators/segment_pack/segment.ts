/**
 * Cuts every contig where a splitter k-mer occurs. A segment runs from the start of the previous
 * splitter (or the contig start) to the end of this one, so neighbours overlap by k bases, as in
 * AGC; it is keyed by its ordered pair of boundary k-mers (NONE at a contig end) and stored in the
 * canonical orientation: reverse-complemented when the pair is out of order.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import type { FastaEvent, Segment, SegmentEvent } from "../../core/batches.ts"
import { brookError, InvalidOption } from "../../core/errors.ts"
import { fixedShare, type Transform } from "../../core/operator.ts"
import { canonicalAt, CODE, MAX_K, MIN_K, NONE, reverseComplement, SplitterSet } from "../../formats/brk/kmers.ts"
import { chooseSplitters, DEFAULT_K, DEFAULT_SEGMENT } from "./splitters.ts"

/** A segment longer than this is cut without a splitter (a region the reference lacks). */
export const MAX_SEGMENT = 8 << 20

export class Segmenter {
  private seg: Uint8Array
  private fill = 0
  private front = NONE
  private skip = 0
  private lo = 0
  private valid = 0

  constructor(
    private readonly splitters: SplitterSet,
    private readonly emit: (s: Segment) => void,
    private readonly maxSegment = MAX_SEGMENT,
  ) {
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
    const mask = SplitterSet.mask
    let lo = this.lo, valid = this.valid
    let from = 0
    for (let j = 0; j < s.length; j++) {
      const c = CODE[s[j]]
      if (c > 3) {
        valid = 0
        continue
      }
      lo = (lo << 2) | c
      if (++valid < k) continue
      const f = lo & mask
      if ((filter[f >>> 3] & (1 << (f & 7))) === 0 || !this.splitters.hasLow(lo)) continue
      // the low 16 bases match a splitter's: test the whole k-mer
      this.append(s, from, j + 1)
      from = j + 1
      if (this.splitters.hasKmer(this.seg, this.fill)) this.cut(canonicalAt(this.seg, this.fill, k), k)
    }
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

/**
 * Count sketch for splitter choice: a byte per 4 reference bytes, from 1 to 32 MiB: 4 counters per
 * base for the one k-mer in 8 that is a candidate, so collisions (which only make it pass over a
 * unique k-mer) stay rare.
 */
export const MAX_SKETCH = 32 << 20
export const sketchBytes = (referenceBytes: number): number => {
  let b = 1 << 20
  while (b < referenceBytes / 4 && b < MAX_SKETCH) b *= 2
  return b
}

/** The reference's uncompressed size, estimated as 4 x for gzip. */
function referenceSize(file: string): number {
  try {
    const size = fs.statSync(file).size
    return /\.gz$/i.test(file) ? 4 * size : size
  } catch {
    return 0
  }
}

/** The segmentation stage: FASTA events in, segments out (splitters chosen first, from the reference). */
export function segment(options: SegmentOptions): Transform<FastaEvent, SegmentEvent> {
  const name = "segment"
  const k = options.k ?? DEFAULT_K
  // the sketch is released before any segment is cut; the segment buffer grows to MAX_SEGMENT at most
  const sketch = options.reference ? sketchBytes(referenceSize(options.reference)) : 0
  const bytes = Math.max(sketch, MAX_SEGMENT) + SplitterSet.bytes(1 << 12)
  return {
    kind: "transform",
    name,
    ...fixedShare(bytes),
    make: () =>
      Effect.gen(function* () {
        if (k < MIN_K || k > MAX_K) {
          return yield* new InvalidOption({ option: "k", reason: `must be between ${MIN_K} and ${MAX_K}` })
        }
        const { splitters: chosen, segmentSize } = options.splitters
          ? { splitters: options.splitters, segmentSize: options.segmentSize ?? DEFAULT_SEGMENT }
          : yield* Effect.tryPromise({
            try: () =>
              chooseSplitters(options.reference!, { k, segmentSize: options.segmentSize, sketchBytes: sketch }),
            catch: brookError,
          })
        const set = new SplitterSet(k, chosen)
        let controller: TransformStreamDefaultController<SegmentEvent>
        const cutter = new Segmenter(set, (segment) => controller.enqueue({ kind: "segment", ...segment }))
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
