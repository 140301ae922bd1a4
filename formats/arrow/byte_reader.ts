/** Exact-length reads over a stream of byte chunks (stdin, a file), counting the offset for errors. */
export class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0)
  private at = 0
  /** Bytes consumed so far. */
  offset = 0

  private copy: ((bytes: Uint8Array) => void) | undefined

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** From here on, hands every byte not yet consumed to `copy` as well (once, in order). */
  tee(copy: (bytes: Uint8Array) => void): void {
    this.copy = copy
    if (this.at < this.chunk.length) copy(this.chunk.subarray(this.at))
  }

  /**
   * Fills `into` completely. Returns the bytes read: fewer than asked only when the input ended
   * (0 when it ended exactly here).
   */
  async readInto(into: Uint8Array): Promise<number> {
    let done = 0
    while (done < into.length) {
      if (this.at === this.chunk.length) {
        const r = await this.chunks.next()
        if (r.done) break
        this.chunk = r.value
        this.at = 0
        this.copy?.(r.value)
        continue
      }
      const n = Math.min(into.length - done, this.chunk.length - this.at)
      into.set(this.chunk.subarray(this.at, this.at + n), done)
      this.at += n
      done += n
    }
    this.offset += done
    return done
  }

  /** Reads and drops `n` bytes a chunk at a time; returns the bytes skipped (fewer at the end). */
  async skip(n: number): Promise<number> {
    const scratch = new Uint8Array(Math.min(n, 1 << 20))
    let done = 0
    while (done < n) {
      const got = await this.readInto(scratch.subarray(0, Math.min(scratch.length, n - done)))
      done += got
      if (got === 0) break
    }
    return done
  }

  async cancel(): Promise<void> {
    await this.chunks.return?.()
  }
}
