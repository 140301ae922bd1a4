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
  private readonly postings = new Map<number, number[]>()
  private shared = new Int32Array(16)

  get count(): number {
    return this.depths.length
  }

  /** Adds the next member; returns the bytes its signature and postings hold. */
  add(sig: Int32Array, depth: number): number {
    const id = this.depths.length
    this.depths.push(depth)
    this.sizes.push(sig.length)
    if (depth === NO_BASE) return 8
    for (const h of sig) {
      const list = this.postings.get(h)
      if (list) list.push(id)
      else this.postings.set(h, [id])
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
      for (const m of this.postings.get(h) ?? []) if (shared[m]++ === 0) touched.push(m)
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
