/**
 * A Parquet file's metadata: both "PAR1" magics, the footer's length, and the footer (FileMetaData, parsed by
 * hyparquet's thrift reader). Only the footer is read.
 */
import type { FileMetaData } from "hyparquet"
import { parquetMetadata } from "hyparquet"
import { type ByteSource, readExactly } from "../../core/byte_source.ts"
import { FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import { atOffset } from "./pages.ts"

const MAGIC = 0x31524150 // "PAR1" little-endian
const ENCRYPTED = 0x45524150 // "PARE": encrypted footer

/** Checks both magics and the footer length, then parses the footer (only the footer is read). */
export function readFooter(src: ByteSource): { metadata: FileMetaData; footerStart: number } {
  const file = src.name, size = src.byteLength
  if (size < 12) throw new InvalidInput({ file, offset: 0, reason: `${size} bytes is too short for a Parquet file` })
  const head = readExactly(src, 0, new Uint8Array(4))
  const tail = readExactly(src, size - 8, new Uint8Array(8))
  if (u32(head, 0) === ENCRYPTED || u32(tail, 4) === ENCRYPTED) {
    throw new FormatUnsupported({ file, format: "encrypted Parquet", reason: "the footer is encrypted" })
  }
  if (u32(head, 0) !== MAGIC) {
    throw new InvalidInput({ file, offset: 0, reason: "not a Parquet file (it does not start with PAR1)" })
  }
  if (u32(tail, 4) !== MAGIC) {
    throw new InvalidInput({ file, offset: size - 4, reason: "no PAR1 at the end: truncated or not a Parquet file" })
  }
  const length = u32(tail, 0)
  if (length > size - 12) {
    throw new InvalidInput({
      file,
      offset: size - 8,
      reason: `footer length ${length} points outside the file (${size} bytes)`,
    })
  }
  const footerStart = size - 8 - length
  const footer = readExactly(src, footerStart, new Uint8Array(length + 8))
  const metadata = atOffset(file, footerStart, "corrupt footer", () => parquetMetadata(footer, { geoparquet: false }))
  return { metadata, footerStart }
}

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
