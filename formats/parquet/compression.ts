/**
 * Page decompression for the codecs brook reads: UNCOMPRESSED, SNAPPY (own decoder), GZIP
 * (node:zlib) and ZSTD (node:zlib's native zstd on Bun and Deno; fzstd where node:zlib has none,
 * e.g. Node 20). Other codecs are refused up front by `checkCodec`.
 */
import { decompress as fzstdDecompress } from "fzstd"
import * as zlib from "node:zlib"
import { FormatUnsupported } from "../../core/errors.ts"
import { snappyDecode, snappyLength } from "./snappy.ts"

/** Parquet codec names (as hyparquet's metadata spells them) that `decompress` handles. */
export const supportedCodecs: ReadonlySet<string> = new Set(["UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD"])

type Inflate = (input: Uint8Array, options: { maxOutputLength?: number; finishFlush?: number }) => Uint8Array
const nativeZstd = (zlib as unknown as { zstdDecompressSync?: Inflate }).zstdDecompressSync

/** Throws FormatUnsupported for a codec `decompress` does not handle (LZ4, LZ4_RAW, BROTLI, LZO). */
export function checkCodec(file: string, column: string, codec: string): void {
  if (!supportedCodecs.has(codec)) {
    throw new FormatUnsupported({
      file,
      format: `Parquet ${codec} compression`,
      reason: `column ${column} uses ${codec}; brook reads UNCOMPRESSED, SNAPPY, GZIP and ZSTD`,
    })
  }
}

/**
 * Decompresses one page body to exactly `size` bytes. Throws a plain Error on corrupt data or a
 * size mismatch (the page reader adds the file and offset). SNAPPY decodes into `into` when it has
 * room (a buffer reused from page to page); the other codecs allocate.
 */
export function decompress(codec: string, input: Uint8Array, size: number, into?: Uint8Array): Uint8Array {
  let output: Uint8Array
  switch (codec) {
    case "UNCOMPRESSED":
      output = input
      break
    case "SNAPPY":
      // check the block's own length before allocating what a corrupt header may claim
      if (snappyLength(input) !== size) {
        throw new Error(`snappy block holds ${snappyLength(input)} bytes, header says ${size}`)
      }
      output = into && into.length >= size ? into.subarray(0, size) : new Uint8Array(size)
      snappyDecode(input, output)
      break
    case "GZIP":
      output = zlib.gunzipSync(input, { maxOutputLength: Math.max(size, 1) })
      break
    case "ZSTD":
      // fzstd is fast only without a preallocated output buffer
      output = nativeZstd ? nativeZstd(input, { maxOutputLength: Math.max(size, 1) }) : fzstdDecompress(input)
      break
    default:
      throw new Error(`unsupported codec ${codec}`)
  }
  if (output.length !== size) {
    throw new Error(`${codec} page decompressed to ${output.length} bytes, header says ${size}`)
  }
  return output
}

/**
 * Decompresses what it can of `input`, the first bytes of a page body of `size` uncompressed
 * bytes, stopping (for SNAPPY) near `want` output bytes. Returns a prefix of the page, maybe
 * empty; it is for peeking at levels, not for values.
 */
export function decompressPrefix(codec: string, input: Uint8Array, size: number, want: number): Uint8Array {
  switch (codec) {
    case "SNAPPY": {
      const output = new Uint8Array(Math.min(size, want))
      return output.subarray(0, snappyDecode(input, output, true))
    }
    case "GZIP":
      return zlib.gunzipSync(input, { maxOutputLength: Math.max(size, 1), finishFlush: zlib.constants.Z_SYNC_FLUSH })
    case "ZSTD":
      // native zstd returns the decodable prefix of a truncated frame; fzstd does not
      if (nativeZstd) return nativeZstd(input, { maxOutputLength: Math.max(size, 1) })
      try {
        return fzstdDecompress(input)
      } catch {
        return new Uint8Array(0)
      }
    default:
      return input
  }
}
