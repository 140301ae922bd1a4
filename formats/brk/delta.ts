/**
 * Delta encoding of a segment against its group's reference: greedy matches and literals.
 *
 * Format (FORMAT.md has the full archive): a sequence of ops, each starting with a varint
 * `len * 4 + kind`:
 * - kind 0, literal: `len` raw bytes follow.
 * - kind 1, match: varint (zigzag) `refStart - expected`; copies ref[refStart, refStart + len).
 * - kind 2, reverse-complement match: varint (zigzag) `refStart - previous rc refStart`; copies the
 *   reverse complement of ref[refStart, refStart + len) (inversions, opposite orientations).
 * - kind 3, diagonal match: a match at `expected`, with no position (after a SNP or substitution).
 * `expected` is where the previous forward match ended plus the literal bytes written since: the
 * same diagonal, so a SNP costs a 1-byte literal and a 2-3 byte diagonal match.
 *
 * The reference is indexed by the 16-mer at every INDEX_STRIDE-th position (last occurrence wins),
 * so every exact repeat of at least 16 + INDEX_STRIDE - 1 bases is found.
 */
import { ByteReader, ByteWriter } from "../../core/bytes.ts"
import { CODE, COMP } from "./kmers.ts"

/** Seed length (a 16-mer packs into 32 bits). */
const SEED = 16
/** Indexed positions: every 4th (4 bytes of index per 4 reference bases, table half full). */
export const INDEX_STRIDE = 4
/** Shortest match worth an op from a seed (a literal of 20 bases costs about as much after zstd). */
const MIN_MATCH = 20
/** Shortest diagonal match: it carries no position, so a few bases are worth it. */
const MIN_DIAGONAL = 4

const LIT = 0, MATCH = 1, RCMATCH = 2, DIAG = 3

/** Index bytes for a reference of `n` bases. */
export const indexBytes = (n: number): number => 4 * tableSize(n)
const tableSize = (n: number) => {
  let t = 1024
  while (t < (2 * n) / INDEX_STRIDE) t *= 2
  return t
}
const seedSlot = (v: number, mask: number) => (Math.imul(v, 0x9e3779b1) >>> 11) & mask

/** Seed index: slot -> reference position + 1 (0: empty). */
export function buildIndex(ref: Uint8Array): Int32Array {
  const table = new Int32Array(tableSize(ref.length))
  const mask = table.length - 1
  let v = 0, valid = 0
  for (let p = 0; p < ref.length; p++) {
    const c = CODE[ref[p]]
    if (c > 3) {
      valid = 0
      continue
    }
    v = (v << 2) | c
    if (++valid >= SEED) {
      const start = p - SEED + 1
      if (start % INDEX_STRIDE === 0) table[seedSlot(v, mask)] = start + 1
    }
  }
  return table
}

/** Encodes `t` against `ref` (indexed by `index`), appending ops to `out`. */
export function encodeDelta(t: Uint8Array, ref: Uint8Array, index: Int32Array, out: ByteWriter): void {
  const n = t.length, rn = ref.length
  const mask = index.length - 1
  let i = 0
  let lit = 0 // start of the pending literal
  let expected = 0 // diagonal of the last forward match, in ref coordinates at `lit`
  let lastRc = 0
  let fw = 0, rc = 0, valid = 0, rolled = 0 // seeds of t[rolled - SEED, rolled)
  const flushLiteral = (to: number) => {
    if (to > lit) {
      out.uint((to - lit) * 4 + LIT)
      out.bytes(t.subarray(lit, to))
    }
  }
  while (i < n) {
    // 1. the diagonal: after a SNP or a short substitution the previous match goes on
    const e = expected + (i - lit)
    if (e < rn) {
      let l = 0
      while (i + l < n && e + l < rn && t[i + l] === ref[e + l]) l++
      if (l >= MIN_DIAGONAL && (l >= MIN_DIAGONAL * 2 || i + l === n)) {
        flushLiteral(i)
        out.uint(l * 4 + DIAG)
        i += l
        lit = i
        expected = e + l
        continue
      }
    }
    // 2. seeds
    if (rolled < i) {
      rolled = i
      valid = 0
    }
    while (rolled < i + SEED && rolled < n) {
      const c = CODE[t[rolled++]]
      if (c > 3) valid = 0
      else {
        fw = (fw << 2) | c
        rc = (rc >>> 2) | ((3 - c) << 30)
        valid++
      }
    }
    if (rolled - i < SEED || valid < SEED) {
      i++
      continue
    }
    let bestLen = 0, bestStart = 0, bestBack = 0, bestKind = MATCH
    const pf = index[seedSlot(fw, mask)] - 1
    if (pf >= 0) {
      let l = 0
      while (i + l < n && pf + l < rn && t[i + l] === ref[pf + l]) l++
      if (l >= SEED) {
        let b = 0
        while (i - b > lit && pf - b > 0 && t[i - b - 1] === ref[pf - b - 1]) b++
        bestLen = l + b
        bestStart = pf - b
        bestBack = b
      }
    }
    const pr = index[seedSlot(rc, mask)] - 1
    if (pr >= 0) {
      // t[i + j] == COMP[ref[pr + SEED - 1 - j]]
      const top = pr + SEED - 1
      let l = 0
      while (i + l < n && top - l >= 0 && t[i + l] === COMP[ref[top - l]]) l++
      if (l >= SEED) {
        let b = 0
        while (i - b > lit && top + b + 1 < rn && t[i - b - 1] === COMP[ref[top + b + 1]]) b++
        if (l + b > bestLen) {
          bestLen = l + b
          bestStart = top - l + 1
          bestBack = b
          bestKind = RCMATCH
        }
      }
    }
    if (bestLen < MIN_MATCH) {
      i++
      continue
    }
    const at = i - bestBack
    flushLiteral(at)
    if (bestKind === MATCH) {
      const exp = expected + (at - lit)
      if (bestStart === exp) out.uint(bestLen * 4 + DIAG)
      else out.uint(bestLen * 4 + MATCH).int(bestStart - exp)
      expected = bestStart + bestLen
    } else {
      out.uint(bestLen * 4 + RCMATCH).int(bestStart - lastRc)
      lastRc = bestStart
      expected += at - lit + bestLen // keep the forward diagonal where it was, moved past these bytes
    }
    i = at + bestLen
    lit = i
  }
  flushLiteral(n)
}

/** Thrown on ops that do not fit their reference or length: the caller names the pack. */
export class BadDelta extends Error {}

/** Decodes ops into `out` (its length is the segment's). */
export function decodeDelta(ops: ByteReader, end: number, ref: Uint8Array, out: Uint8Array): void {
  let i = 0, expected = 0, lastRc = 0
  const rn = ref.length
  while (ops.pos < end) {
    const head = ops.uint()
    const kind = head % 4, len = (head - kind) / 4
    if (len > out.length - i) throw new BadDelta(`op of ${len} bytes past the segment's end`)
    if (kind === LIT) {
      out.set(ops.bytes(len), i)
      expected += len
    } else if (kind === RCMATCH) {
      const start = lastRc + ops.int()
      if (start < 0 || start + len > rn) throw new BadDelta(`reverse match outside the reference`)
      for (let j = 0; j < len; j++) out[i + j] = COMP[ref[start + len - 1 - j]]
      lastRc = start
      expected += len
    } else {
      const start = kind === DIAG ? expected : expected + ops.int()
      if (start < 0 || start + len > rn) throw new BadDelta(`match outside the reference`)
      out.set(ref.subarray(start, start + len), i)
      expected = start + len
    }
    i += len
  }
  if (i !== out.length) throw new BadDelta(`ops cover ${i} of ${out.length} bytes`)
}

/**
 * The signature of ops against a reference: a hash of every op but diagonal matches (a literal with its
 * bytes, a jump, a reverse-complement match), with the reference position it applies at; sorted,
 * distinct. Two segments encoded against one reference share the hashes of the differences they share
 * (a clade's mutations), so the size of the symmetric difference of two signatures estimates the ops
 * needed to encode one against the other.
 */
export function signature(ops: Uint8Array): Int32Array {
  const r = new ByteReader(ops)
  const out: number[] = []
  let expected = 0
  while (r.pos < ops.length) {
    const head = r.uint()
    const kind = head % 4, len = (head - kind) / 4
    let h = Math.imul(expected ^ (kind << 28), 0x9e3779b1) ^ len
    if (kind === LIT) {
      for (const b of r.bytes(len)) h = Math.imul(h ^ b, 0x01000193)
      expected += len
    } else if (kind === RCMATCH) {
      h = Math.imul(h ^ r.int(), 0x85ebca6b)
      expected += len
    } else if (kind === MATCH) {
      const start = expected + r.int()
      h = Math.imul(h ^ start, 0x85ebca6b)
      expected = start + len
    } else {
      expected += len
      continue
    }
    out.push(h ^ (h >>> 15))
  }
  const sorted = Int32Array.from(out).sort()
  let n = 0
  for (let j = 0; j < sorted.length; j++) if (j === 0 || sorted[j] !== sorted[j - 1]) sorted[n++] = sorted[j]
  return sorted.slice(0, n)
}
