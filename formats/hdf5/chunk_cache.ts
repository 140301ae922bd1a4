/**
 * Decoded chunks kept for reuse, least recently used first out, bounded in bytes (at least one chunk): a run
 * of values that crosses a chunk twice, or the next read of the same step, decompresses it once. The buffers
 * chunks decode into are recycled (an evicted chunk's buffer is the next chunk's, when the sizes match), and
 * so are the buffer stored chunks are read into and the zlib stream: reading chunk after chunk allocates
 * nothing once the first chunks are in.
 */
import type { UnfilterBuffers, Unfiltered } from "./filters.ts"
import { Inflater } from "./inflate.ts"

export class ChunkCache implements UnfilterBuffers {
  private readonly map = new Map<string, Unfiltered>()
  private bytes = 0
  /** A buffer evicted, kept for the next decode of a chunk its size (no copy of it is alive). */
  private spareBuffer?: Uint8Array
  /** The buffer stored (filtered) chunks are read into, grown to the largest. */
  private rawBuffer = new Uint8Array(0)
  readonly inflater = new Inflater()
  hits = 0
  misses = 0
  constructor(readonly capacity: number) {}

  get(key: string, make: () => Unfiltered): Unfiltered {
    const got = this.map.get(key)
    if (got) {
      this.hits++
      this.map.delete(key)
      this.map.set(key, got)
      return got
    }
    this.misses++
    const v = make()
    const size = v.bytes.buffer.byteLength
    while (this.map.size && this.bytes + size > this.capacity) {
      const [k, old] = this.map.entries().next().value as [string, Unfiltered]
      this.map.delete(k)
      this.bytes -= old.bytes.buffer.byteLength
      if (old.bytes.byteOffset === 0 && !(this.spareBuffer && this.spareBuffer.length > old.bytes.buffer.byteLength)) {
        this.spareBuffer = new Uint8Array(old.bytes.buffer)
      }
    }
    this.map.set(key, v)
    this.bytes += size
    return v
  }

  /**
   * A buffer of `size` bytes for a chunk being decoded: the start of the spare one when it is that large, and
   * not over twice that (variables of different chunk sizes, read in turn, then share two buffers).
   */
  buffer = (size: number): Uint8Array => {
    const s = this.spareBuffer
    if (!s || s.length < size || s.length > 2 * size) return new Uint8Array(size)
    this.spareBuffer = undefined
    return s.subarray(0, size)
  }

  /** `size` bytes to read a stored chunk into, valid until the next call. */
  raw(size: number): Uint8Array {
    if (this.rawBuffer.length < size) this.rawBuffer = new Uint8Array(Math.max(size, this.rawBuffer.length * 2))
    return this.rawBuffer.subarray(0, size)
  }
}
