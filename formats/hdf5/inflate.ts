/**
 * Deflate undone into the caller's buffer. node:zlib's inflateSync allocates its output and, on Bun and Deno,
 * gathers it in pieces it then concatenates: about 140 ms for an 8 MB chunk where zlib itself takes 9-13 ms.
 * Under node:zlib's streams is one zlib stream object (`_handle`, with `writeSync(flush, in, inOff, inLen,
 * out, outOff, outLen)` and `reset()`; Node, Bun and Deno all have it): one is kept, reset per chunk, and
 * writes straight into the caller's buffer, so a chunk costs zlib's time and no allocation. Where a runtime
 * lacks it, inflateSync (one output piece, copied once) stands in.
 */
import { Inflate, inflateSync } from "node:zlib"

const Z_FINISH = 4

interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void
  reset(): void
  onerror: (message: string, errno: number) => void
}

/** A zlib stream that inflates one whole buffer at a time into a given one. */
export class Inflater {
  private handle?: ZlibHandle
  /** The stream object the handle belongs to, kept alive with it. */
  private stream?: unknown
  /** Whether this runtime has the handle. */
  private native = true
  /** zlib's [avail_out, avail_in] after each write. */
  private state?: Uint32Array
  private error?: string
  private readonly probe = new Uint8Array(64)

  /**
   * Inflates the zlib stream `input` into `out` and returns the bytes written; throws an Error (zlib's message,
   * or "inflates past N bytes" when the stream holds more than `out` does).
   */
  inflate(input: Uint8Array, out: Uint8Array): number {
    const h = this.handle ?? (this.native ? this.open() : undefined)
    if (!h || !this.state) {
      const r = inflateSync(input, { maxOutputLength: out.length, chunkSize: Math.max(64, out.length) })
      out.set(r)
      return r.length
    }
    this.error = undefined
    h.reset()
    try {
      h.writeSync(Z_FINISH, input, 0, input.length, out, 0, out.length)
      const written = out.length - this.state[0]
      // the output is full and input is left: one more write shows whether the stream holds more
      if (!this.error && this.state[0] === 0 && this.state[1] > 0) {
        h.writeSync(Z_FINISH, input, input.length - this.state[1], this.state[1], this.probe, 0, this.probe.length)
        if (!this.error && this.state[0] < this.probe.length) this.error = `inflates past ${out.length} bytes`
      }
      if (this.error) throw new Error(this.error)
      return written
    } catch (e) {
      // a stream that failed is not reused
      this.handle = undefined
      throw e instanceof Error ? e : new Error(String(e))
    }
  }

  private open(): ZlibHandle | undefined {
    const z = new Inflate() as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array }
    const h = z._handle
    if (
      !h || typeof h.writeSync !== "function" || typeof h.reset !== "function" ||
      !(z._writeState instanceof Uint32Array)
    ) {
      this.native = false
      return undefined
    }
    this.stream = z
    h.onerror = (message) => {
      this.error = message || "zlib error"
    }
    this.state = z._writeState
    this.handle = h
    return h
  }
}
