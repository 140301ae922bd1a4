/** Exact-length reads over a stream of byte chunks (stdin, a file), counting the offset for errors. */
export class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0)
  private at = 0
  /** Bytes consumed so far. */
  offset = 0

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

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

  async cancel(): Promise<void> {
    await this.chunks.return?.()
  }
}
