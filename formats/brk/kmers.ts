/**
 * Nucleotide codes, reverse complements and k-mers packed in two 32-bit halves (k <= 32 bases
 * need 64 bits, more than a JS number holds exactly). A k-mer leaves this file as a bigint key.
 */

/** 2-bit codes of A, C, G, T; 4 for every other byte (N, IUPAC codes, anything else). */
export const CODE = new Uint8Array(256).fill(4)
CODE[65] = 0
CODE[67] = 1
CODE[71] = 2
CODE[84] = 3

/** The complement of every byte: A<->T, C<->G and the IUPAC pairs; other bytes map to themselves (an involution). */
export const COMP = new Uint8Array(256).map((_, b) => b)
for (const [x, y] of ["AT", "CG", "RY", "KM", "BV", "DH"]) {
  COMP[x.charCodeAt(0)] = y.charCodeAt(0)
  COMP[y.charCodeAt(0)] = x.charCodeAt(0)
}

export const BASES = new Uint8Array([65, 67, 71, 84])

/** A new array holding the reverse complement of `s`. */
export function reverseComplement(s: Uint8Array): Uint8Array {
  const n = s.length
  const out = new Uint8Array(n)
  for (let j = 0; j < n; j++) out[j] = COMP[s[n - 1 - j]]
  return out
}

/** The key of a missing boundary (contig start or end): above every k-mer (at most 62 bits), so it sorts last. */
export const NONE = (1n << 64n) - 1n

/** k-mer bounds: the high half carries k - 16 bases. */
export const MIN_K = 17
export const MAX_K = 31

/** A k-mer of `k` bases from two halves. */
export const kmerKey = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)

/** The canonical key (the smaller of the k-mer and its reverse complement) of the k-mer ending at `end` - 1. */
export function canonicalAt(s: Uint8Array, end: number, k: number): bigint {
  let fw = 0n
  let rc = 0n
  for (let j = end - k; j < end; j++) {
    const c = BigInt(CODE[s[j]])
    fw = (fw << 2n) | c
    rc = rc | ((3n - c) << (2n * BigInt(j - (end - k))))
  }
  return fw < rc ? fw : rc
}

/** The reverse complement of a packed k-mer key. */
export function reverseKey(key: bigint, k: number): bigint {
  let rc = 0n
  for (let j = 0; j < k; j++) {
    rc = (rc << 2n) | (3n - (key & 3n))
    key >>= 2n
  }
  return rc
}

/** Filter bits: 2^18 bits (32 KB) stay in the L2 cache, where the scan's lookup at every base must hit. */
const FILTER_BITS = 18

/**
 * Splitter k-mers, looked up by the forward k-mer at every position: the set holds both orientations,
 * so no reverse complement is rolled in the scan. A bitmap over the low 18 bits rejects more than 99%
 * of positions, a set of low halves most of the rest, before the exact set is asked.
 */
export class SplitterSet {
  readonly filter = new Uint8Array(1 << (FILTER_BITS - 3))
  private readonly lows = new Set<number>()
  private readonly keys = new Set<bigint>()
  constructor(readonly k: number, readonly splitters: readonly bigint[]) {
    for (const s of splitters) {
      for (const key of [s, reverseKey(s, k)]) {
        this.keys.add(key)
        const low = Number(key & 0xffffffffn)
        this.lows.add(low)
        const f = low & ((1 << FILTER_BITS) - 1)
        this.filter[f >>> 3] |= 1 << (f & 7)
      }
    }
  }
  /** The filter's index of a low half. */
  static readonly mask = (1 << FILTER_BITS) - 1
  /** Whether some splitter (either orientation) ends in these 16 bases. */
  hasLow(lo: number): boolean {
    return this.lows.has(lo >>> 0)
  }
  /** Whether the k bases of `s` ending at `end` are a splitter (either orientation). */
  hasKmer(s: Uint8Array, end: number): boolean {
    if (end < this.k) return false
    let key = 0n
    for (let j = end - this.k; j < end; j++) key = (key << 2n) | BigInt(CODE[s[j]])
    return this.keys.has(key)
  }
  /** Bytes it holds. */
  static bytes(count: number): number {
    return (1 << (FILTER_BITS - 3)) + count * 256
  }
}
