/**
 * A pack worker (segmentPack with threads > 1): compresses the packs the main thread seals, so zstd
 * runs beside reading, cutting and delta encoding. Pure: the same bytes in give the same bytes out as
 * compressing on the main thread, so the archive does not depend on the number of workers.
 */
import { packBytes, type PackJob } from "../../formats/brk/codec.ts"

/** A pack to compress: a reference segment (2-bit packed first) or a sealed delta pack's body. */
export interface PackTask extends PackJob {
  readonly id: number
}

export interface PackResult {
  readonly id: number
  readonly bytes: Uint8Array<ArrayBuffer>
}

// deno-lint-ignore no-explicit-any
const post = (msg: unknown, transfer?: Transferable[]) => (self as any).postMessage(msg, transfer)

self.onmessage = (e: MessageEvent<PackTask | { type: "init" } | { type: "close" }>) => {
  const m = e.data
  if ("type" in m) return m.type === "close" ? self.close() : post({ ready: true })
  try {
    const out = packBytes(m)
    const bytes = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? out as Uint8Array<ArrayBuffer>
      : out.slice()
    post({ id: m.id, bytes } satisfies PackResult, [bytes.buffer])
  } catch (err) {
    post({ id: m.id, error: String((err as Error)?.stack ?? err) })
  }
}
