/**
 * hyparquet's AsyncBuffer over a ByteSource, for the readers that leave Parquet decoding to hyparquet (edge
 * files): their reads are brook's positioned reads, through the same seam as every other reader.
 */
import type { AsyncBuffer } from "hyparquet"
import type { ByteSource } from "../../core/byte_source.ts"

export function asyncBuffer(src: ByteSource): AsyncBuffer {
  return {
    byteLength: src.byteLength,
    slice(start: number, end = src.byteLength): ArrayBuffer {
      const bytes = new Uint8Array(Math.max(0, end - start))
      const n = src.read(start, bytes)
      return n === bytes.length ? bytes.buffer : bytes.buffer.slice(0, n)
    },
  }
}
