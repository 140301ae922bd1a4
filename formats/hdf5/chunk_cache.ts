/**
 * Decoded chunks kept for reuse, least recently used first out, bounded in bytes (at least one chunk): a run
 * of values that crosses a chunk twice, or the next read of the same step, decompresses it once.
 */
export class ChunkCache {
  private readonly map = new Map<string, Uint8Array>()
  private bytes = 0
  /** A buffer evicted, kept for the next decode of a chunk its size (no copy of it is alive). */
  private spareBuffer?: Uint8Array
  hits = 0
  misses = 0
  /** Bytes of chunks decoded so far (each decode leaves garbage of about its size behind: inflate's output). */
  decodedBytes = 0
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
    this.decodedBytes += v.length
    while (this.map.size && this.bytes + v.length > this.capacity) {
      const [k, old] = this.map.entries().next().value as [string, Uint8Array]
      this.map.delete(k)
      this.bytes -= old.length
      if (old.byteOffset === 0 && old.length === old.buffer.byteLength) this.spareBuffer = old
    }
    this.map.set(key, v)
    this.bytes += v.length
    return v
  }

  /** A buffer of `size` bytes for a chunk being decoded: the spare one when it fits. */
  spare(size: number): Uint8Array {
    const s = this.spareBuffer
    this.spareBuffer = undefined
    return s && s.length === size ? s : new Uint8Array(size)
  }
}
