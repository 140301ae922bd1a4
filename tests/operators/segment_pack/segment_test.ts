import { expect, test } from "bun:test"
import type { Segment } from "../../../core/batches.ts"
import { canonicalAt, NONE, reverseComplement, SplitterSet } from "../../../formats/brk/kmers.ts"
import { Segmenter } from "../../../operators/segment_pack/segment.ts"
import { randomBases, revcomp, rng } from "./genomes.ts"

const enc = (s: string) => new TextEncoder().encode(s)
const K = 21

/** Cuts `contig` (fed in `step`-byte chunks) and puts the segments back together. */
function cut(contig: string, splitters: bigint[], step = 997, max?: number): { segments: Segment[]; back: string } {
  const segments: Segment[] = []
  const s = new Segmenter(new SplitterSet(K, splitters), (x) => segments.push(x), max)
  s.contig()
  const bytes = enc(contig)
  for (let i = 0; i < bytes.length; i += step) s.sequence(bytes.subarray(i, i + step))
  s.contigEnd()
  const back = segments.map((x) =>
    new TextDecoder().decode((x.rc ? reverseComplement(x.bytes) : x.bytes).subarray(x.skip))
  )
  return { segments, back: back.join("") }
}

const contig = randomBases(5000, rng(21))
const at = [1000, 2500, 4000].map((p) => canonicalAt(enc(contig), p, K))

test("segments end after each splitter, overlap by k, carry ordered keys, and reassemble to the contig", () => {
  const { segments, back } = cut(contig, at)
  expect(back).toBe(contig)
  expect(segments.length).toBe(4)
  expect(segments.map((s) => s.skip)).toEqual([0, K, K, K])
  expect(segments.map((s) => s.bytes.length)).toEqual([1000, 1500 + K, 1500 + K, 1000 + K])
  for (const s of segments) expect(s.a <= s.b).toBe(true)
  // the first segment's key is (first splitter, NONE): its pair (NONE, a) was out of order, so it is reverse-complemented
  expect(segments[0].b).toBe(NONE)
  expect(segments[0].rc).toBe(true)
})

test("the reverse-complemented contig gives the same keys and the same stored bytes", () => {
  const fw = cut(contig, at).segments
  const rc = cut(revcomp(contig), at).segments
  expect(rc.map((s) => `${s.a}:${s.b}`).sort()).toEqual(fw.map((s) => `${s.a}:${s.b}`).sort())
  const inner = (x: Segment[]) =>
    x.filter((s) => s.a !== NONE && s.b !== NONE).map((s) => new TextDecoder().decode(s.bytes)).sort()
  expect(inner(rc)).toEqual(inner(fw))
})

test("N runs reset the k-mer; chunk boundaries do not matter; a contig without splitters is one (NONE, NONE) segment", () => {
  const withN = contig.slice(0, 990) + "N" + contig.slice(991)
  for (const step of [1, 64, 5000]) {
    const { segments, back } = cut(withN, at, step)
    expect(back).toBe(withN)
    expect(segments.length).toBe(3) // the splitter ending at 1000 contains the N
  }
  const none = cut(contig, [])
  expect(none.segments.length).toBe(1)
  expect([none.segments[0].a, none.segments[0].b]).toEqual([NONE, NONE])
})

test("a segment reaching the cap is cut without a splitter, and still reassembles", () => {
  const { segments, back } = cut(contig, at, 333, 700)
  expect(back).toBe(contig)
  expect(Math.max(...segments.map((s) => s.bytes.length))).toBeLessThanOrEqual(700)
})
