/**
 * Splitter choice, as AGC does it: canonical k-mers that occur exactly once in the reference sample,
 * taken along each reference contig no closer than the segment size to the previous one.
 *
 * "Exactly once" is decided by a count-min sketch of 2-bit saturating counters with two hashes: its
 * counts never undercount, so a k-mer it calls unique is unique; a collision can only make it pass
 * over a unique k-mer (and take the next one). Its size is the sketch plan, not the reference's
 * k-mer count, which keeps the reference pass within a fixed budget.
 */
import { type FastaHandler, parseFasta } from "../../formats/fasta/parser.ts"
import { CODE, kmerKey } from "../../formats/brk/kmers.ts"

/** Default splitter k-mer length and segment size: AGC's defaults. */
export const DEFAULT_K = 31
export const DEFAULT_SEGMENT = 60_000
/**
 * Adaptive spacing (no --segment-size): the median reference contig length / SEGMENTS_PER_CONTIG,
 * between MIN_ADAPTIVE and DEFAULT_SEGMENT, so 200 kbp contigs make 4 segments of about 50 kbp. The
 * floor is high because splitting short genomes costs more than it saves: on sars2-418 (30 kbp
 * genomes, BENCHMARKS.md "Genome collections: real") spacings of 25,000 and 7,500 gave archives 2.1 x
 * and 1.6 x the unsplit one's (splitters lost to N runs and SNPs make new keys; more, smaller packs).
 */
export const SEGMENTS_PER_CONTIG = 4
export const MIN_ADAPTIVE = 40_000

/** The spacing for reference contigs of these lengths. */
export function adaptiveSpacing(lengths: number[]): number {
  if (lengths.length === 0) return DEFAULT_SEGMENT
  const sorted = [...lengths].sort((x, y) => x - y)
  const median = sorted[sorted.length >> 1]
  return Math.max(MIN_ADAPTIVE, Math.min(DEFAULT_SEGMENT, Math.floor(median / SEGMENTS_PER_CONTIG)))
}

export interface SplitterOptions {
  readonly k: number
  /** The spacing; undefined: adaptiveSpacing of the reference's contigs. */
  readonly segmentSize?: number
  /** Bytes of the count sketch (4 counters a byte); a power of two. */
  readonly sketchBytes: number
}

/** Walks every canonical k-mer of a FASTA file, contig by contig. */
function canonicalScan(
  k: number,
  visit: (hi: number, lo: number) => void,
  contigStart: () => void,
): FastaHandler {
  const hiBits = 2 * (k - 16)
  const hiMask = hiBits === 32 ? 0xffffffff : (1 << hiBits) - 1
  let fh = 0, fl = 0, rh = 0, rl = 0, valid = 0
  return {
    contig() {
      valid = 0
      contigStart()
    },
    sequence(s) {
      for (let j = 0; j < s.length; j++) {
        const c = CODE[s[j]]
        if (c > 3) {
          valid = 0
          continue
        }
        fh = ((fh << 2) | (fl >>> 30)) & hiMask
        fl = (fl << 2) | c // int32 throughout: values above 2^31 would become doubles in the engines
        rl = (rl >>> 2) | ((rh & 3) << 30)
        rh = (rh >>> 2) | ((3 - c) << (hiBits - 2))
        if (++valid < k) continue
        if (fh < rh || (fh === rh && (fl ^ 0x80000000) <= (rl ^ 0x80000000))) visit(fh, fl)
        else visit(rh, rl)
      }
    },
    contigEnd() {},
  }
}

/**
 * Candidates: the k-mers whose hash has its top 3 bits clear, one in 8. Only they are counted and
 * only they can be chosen: 8 x fewer sketch updates (the cache misses that cost most of this pass),
 * while a candidate still comes every 8 bases or so after the segment size is reached.
 */
const isCandidate = (h: number) => h >>> 29 === 0

// Both counters of a k-mer lie in one 64-byte block (256 counters): one cache miss per k-mer, not two.
const mix = (hi: number, lo: number) => Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b)
const slot1 = (h: number, blocks: number) => ((h >>> 8) & blocks) * 256 + (h & 0xff)
const slot2 = (h: number, blocks: number) => ((h >>> 8) & blocks) * 256 + (Math.imul(h, 0x27d4eb2f) >>> 24)

/** Reads the reference twice (count, then choose); returns the splitters in reference order and the spacing used. */
export async function chooseSplitters(
  refFile: string,
  o: SplitterOptions,
): Promise<{ splitters: bigint[]; segmentSize: number }> {
  const sketch = new Uint8Array(o.sketchBytes)
  const blocks = o.sketchBytes / 64 - 1
  const bump = (x: number) => {
    const b = x >>> 2, sh = (x & 3) << 1
    const c = (sketch[b] >>> sh) & 3
    if (c < 2) sketch[b] += 1 << sh
  }
  const count = (x: number) => (sketch[x >>> 2] >>> ((x & 3) << 1)) & 3
  const lengths: number[] = []
  const scan = canonicalScan(o.k, (hi, lo) => {
    const h = mix(hi, lo)
    if (!isCandidate(h)) return
    bump(slot1(h, blocks))
    bump(slot2(h, blocks))
  }, () => lengths.push(0))
  await parseFasta(refFile, {
    ...scan,
    sequence(s) {
      lengths[lengths.length - 1] += s.length
      scan.sequence(s)
    },
  })
  const segmentSize = o.segmentSize ?? adaptiveSpacing(lengths)
  const chosen: bigint[] = []
  let since = 0
  await parseFasta(
    refFile,
    canonicalScan(o.k, (hi, lo) => {
      if (++since < segmentSize) return
      const h = mix(hi, lo)
      if (!isCandidate(h)) return
      if (Math.min(count(slot1(h, blocks)), count(slot2(h, blocks))) !== 1) return
      chosen.push(kmerKey(hi, lo))
      since = 0
    }, () => since = 0),
  )
  return { splitters: chosen, segmentSize }
}
