/**
 * A Parquet file's metadata: both "PAR1" magics, the footer's length, and the footer (FileMetaData, parsed by
 * hyparquet's thrift reader). Only the footer is read.
 */
import type { FileMetaData } from "hyparquet"
import { parquetMetadata } from "hyparquet"
import { deserializeTCompactProtocol } from "hyparquet/src/thrift.js"
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
  checkFooter(file, footer.subarray(0, length), footerStart)
  const metadata = atOffset(
    file,
    footerStart,
    "corrupt footer",
    () => plainly(() => parquetMetadata(footer, { geoparquet: false })),
  )
  return { metadata, footerStart }
}

/** For what checkFooter does not foresee: a JavaScript engine's words (a TypeError) are no message for a user. */
export function plainly<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof TypeError) throw new Error("a FileMetaData field is missing or of the wrong kind")
    throw e
  }
}

const PHYSICAL_TYPES = 8 // BOOLEAN .. FIXED_LEN_BYTE_ARRAY

/**
 * Checks the footer's Thrift FileMetaData for what hyparquet's conversion of it takes for granted, and
 * names the first thing wrong in Parquet's terms: a schema, physical types that exist (PARQUET-1481 has
 * a column of type -7), no more column chunks in a row group than the schema has leaf columns.
 */
function checkFooter(file: string, meta: Uint8Array, footerStart: number): void {
  const bad = (reason: string): never => {
    throw new InvalidInput({ file, offset: footerStart, reason: `corrupt footer: ${reason}` })
  }
  // deno-lint-ignore no-explicit-any
  let raw: { [k: string]: any }
  try {
    raw = deserializeTCompactProtocol({ view: new DataView(meta.buffer, meta.byteOffset, meta.length), offset: 0 })
  } catch {
    return bad("the FileMetaData is not Thrift's compact protocol, or runs past the footer")
  }
  const isType = (t: unknown) => Number.isInteger(t) && (t as number) >= 0 && (t as number) < PHYSICAL_TYPES
  const schema = raw.field_2
  if (!Array.isArray(schema) || schema.length === 0) bad("no schema")
  // elements in depth-first order: each names how many of the following are its children
  let leaves = 0, open = 1
  schema.forEach((e: Record<string, unknown> | undefined, k: number) => {
    if (typeof e !== "object" || e === null) return bad(`schema element ${k} is not a struct`)
    const name = e.field_4 instanceof Uint8Array ? new TextDecoder().decode(e.field_4) : "?"
    const children = e.field_5 ?? 0
    if (!(Number.isInteger(children) && (children as number) >= 0)) {
      bad(`schema element ${k} (${name}) has ${children} children`)
    }
    if (open > 0) open += (children as number) - 1
    if (e.field_1 === undefined) return
    if (!isType(e.field_1)) {
      bad(
        `schema element ${k} (${name}) has physical type ${e.field_1}, not one of Parquet's ${PHYSICAL_TYPES}` +
          " (0 BOOLEAN to 7 FIXED_LEN_BYTE_ARRAY)",
      )
    }
    leaves++
  })
  if (open > 0) bad(`the schema's groups count ${open} more children than the schema has elements`)
  const groups = raw.field_4
  if (!Array.isArray(groups)) return bad("no list of row groups")
  groups.forEach((g: Record<string, unknown> | undefined, k: number) => {
    const chunks = g?.field_1
    if (!Array.isArray(chunks)) return bad(`row group ${k} has no list of column chunks`)
    if (chunks.length > leaves) {
      bad(`row group ${k} has ${chunks.length} column chunks for the schema's ${leaves} leaf column(s)`)
    }
    chunks.forEach((c: Record<string, Record<string, unknown> | undefined> | undefined, j: number) => {
      const m = c?.field_3
      if (m === undefined) return
      if (!isType(m.field_1)) bad(`row group ${k}, column chunk ${j} has physical type ${m.field_1}`)
      if (!Array.isArray(m.field_3)) bad(`row group ${k}, column chunk ${j} has no path in the schema`)
    })
  })
}

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
