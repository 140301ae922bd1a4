/**
 * A column chunk: the byte range and codec of one leaf column in one row group, checked against the file, and
 * read whole (one positioned read) for its pages to be decoded from memory.
 */
import type { ColumnMetaData, FileMetaData } from "hyparquet"
import { type ByteSource, readExactly } from "../../core/byte_source.ts"
import { FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import { checkCodec } from "./compression.ts"
import { atOffset, type ChunkBytes } from "./pages.ts"
import type { LeafColumn } from "./schema.ts"

export interface Chunk {
  readonly start: number
  readonly end: number
  readonly codec: string
}

export type ChunkInfo = Chunk & { uncompressed: number }

/** Byte range and codec of a leaf's column chunk in row group `g`, checked against the file. */
export function columnChunk(
  file: string,
  metadata: FileMetaData,
  g: number,
  leaf: LeafColumn,
  footerStart: number,
): ChunkInfo {
  const path = leaf.path.join(".")
  const column = metadata.row_groups[g].columns.find((c) => c.meta_data?.path_in_schema.join(".") === path)
  const meta: ColumnMetaData | undefined = column?.meta_data
  if (!column || !meta) {
    throw new InvalidInput({ file, offset: footerStart, reason: `row group ${g} has no column chunk for ${path}` })
  }
  if (column.file_path) {
    throw new FormatUnsupported({
      file,
      format: "Parquet external column chunks",
      reason: `${path} is in ${column.file_path}`,
    })
  }
  checkCodec(file, leaf.name, meta.codec)
  const data = Number(meta.data_page_offset)
  const dict = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset)
  const start = dict !== undefined && dict > 0 && dict < data ? dict : data
  const end = start + Number(meta.total_compressed_size)
  if (!(start >= 4 && end >= start && end <= footerStart)) {
    throw new InvalidInput({
      file,
      offset: start,
      reason:
        `column chunk ${path} of row group ${g} (bytes ${start}..${end}) lies outside the data (4..${footerStart})`,
    })
  }
  return { start, end, codec: meta.codec, uncompressed: Number(meta.total_uncompressed_size) }
}

/** Reads a whole column chunk with one positioned read and decodes it; stray errors get its offset. */
export function decodeChunk<T>(src: ByteSource, chunk: Chunk, decode: (read: ChunkBytes) => T): T {
  const file = src.name
  const bytes = readExactly(src, chunk.start, new Uint8Array(chunk.end - chunk.start))
  const read: ChunkBytes = {
    name: file,
    at: (offset, length) => bytes.subarray(offset - chunk.start, offset - chunk.start + length),
  }
  return atOffset(file, chunk.start, "corrupt column chunk", () => decode(read))
}
