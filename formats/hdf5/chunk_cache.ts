/**
 * Decoded chunks kept for reuse, least recently used first out, bounded in bytes (at least one chunk): a run
 * of values that crosses a chunk twice, or the next read of the same step, decompresses it once.
 */
export class ChunkCache {
  private readonly map = new Map<string, Uint8Array>()
  private bytes = 0
  hits = 0
  misses = 0
  constructor(readonly capacity: number) {}

  get(key: string, make: () => Uint8Array): Uint8Array {
    const got = this.map.get(key)
    if (got) {
      this.hits++
      this.map.delete(key)
      this.map.set(key, got)
      return got
    }
    this.misses++
    const v = make()
    while (this.map.size && this.bytes + v.length > this.capacity) {
      const [k, old] = this.map.entries().next().value as [string, Uint8Array]
      this.map.delete(k)
      this.bytes -= old.length
    }
    this.map.set(key, v)
    this.bytes += v.length
    return v
  }
}
