/**
 * The members of one group: its deltas in order, each with its mutation signature against the group's
 * reference (delta.ts `signature`) and its chain depth, the deltas restoring it decodes (1 when it is
 * encoded against the reference, d + 1 against a member of depth d; none when it is encoded against
 * related groups and cannot be a base). `nearest` finds the member whose signature differs least from
 * a new segment's through an inverted index (hash -> members holding it), so its cost is the postings of
 * the segment's own differences, not the number of members.
 */

/** A member that is no base (encoded against related groups). */
export const NO_BASE = 0

export class GroupMembers {
  readonly depths: number[] = []
  readonly sizes: number[] = []
  // the inverted index in typed arrays (a JS Map of arrays cost about 6 x the bytes on bench/genomes.sh's
  // collection): open addressing on the hash, each slot heading a linked list of postings
  private keys = new Int32Array(64)
  private heads = new Int32Array(64) // posting index + 1; 0: empty slot
  private slots = 0
  private postMember = new Int32Array(64)
  private postNext = new Int32Array(64) // posting index + 1; 0: end
  private postings = 0
  private shared = new Int32Array(16)

  get count(): number {
    return this.depths.length
  }

  private slot(h: number): number {
    const mask = this.keys.length - 1
    let i = Math.imul(h, 0x9e3779b1) >>> 7 & mask
    while (this.heads[i] !== 0 && this.keys[i] !== h) i = (i + 1) & mask
    return i
  }

  private grow(): void {
    const [keys, heads] = [this.keys, this.heads]
    this.keys = new Int32Array(keys.length * 2)
    this.heads = new Int32Array(keys.length * 2)
    for (let i = 0; i < keys.length; i++) {
      if (heads[i] === 0) continue
      const j = this.slot(keys[i])
      this.keys[j] = keys[i]
      this.heads[j] = heads[i]
    }
  }

  /** Adds the next member; returns the bytes its signature and postings hold (about 24 a hash). */
  add(sig: Int32Array, depth: number): number {
    const id = this.depths.length
    this.depths.push(depth)
    this.sizes.push(sig.length)
    if (depth === NO_BASE) return 8
    for (const h of sig) {
      if (2 * (this.slots + 1) > this.keys.length) this.grow()
      const i = this.slot(h)
      if (this.heads[i] === 0) this.slots++
      if (this.postings === this.postMember.length) {
        const [m, n] = [new Int32Array(this.postings * 2), new Int32Array(this.postings * 2)]
        m.set(this.postMember)
        n.set(this.postNext)
        ;[this.postMember, this.postNext] = [m, n]
      }
      this.postMember[this.postings] = id
      this.postNext[this.postings] = this.heads[i]
      this.keys[i] = h
      this.heads[i] = ++this.postings
    }
    return 8 + 24 * sig.length
  }

  /**
   * The member closer to `sig` than the reference is (fewer differences than `sig` has) with a depth
   * below `maxDepth`; the fewest differences first, then the shallowest, then the earliest.
   */
  nearest(sig: Int32Array, maxDepth: number): number | undefined {
    if (this.shared.length < this.count) this.shared = new Int32Array(this.count * 2)
    const shared = this.shared
    const touched: number[] = []
    for (const h of sig) {
      const i = this.slot(h)
      for (let p = this.heads[i]; p !== 0; p = this.postNext[p - 1]) {
        const m = this.postMember[p - 1]
        if (shared[m]++ === 0) touched.push(m)
      }
    }
    let best: number | undefined, bestScore = sig.length
    for (const m of touched) {
      const score = this.sizes[m] - shared[m] + sig.length - shared[m]
      shared[m] = 0
      if (this.depths[m] >= maxDepth) continue
      if (
        score < bestScore ||
        (best !== undefined && score === bestScore &&
          (this.depths[m] < this.depths[best] || (this.depths[m] === this.depths[best] && m < best)))
      ) [best, bestScore] = [m, score]
    }
    return best
  }
}
