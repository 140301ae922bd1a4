/**
 * A Parquet file written one row group at a time with hyparquet-writer: the schema comes from the first
 * group's columns, so the file is created by the first `writeGroup`. Encoding a group leaves garbage (pages,
 * dictionaries, INT64 values) the budget cannot see, tens of MB on Bun: a collection follows every group.
 */
import * as Effect from "effect/Effect"
import type { ParquetWriter } from "hyparquet-writer"
import { collectGarbageNow } from "../../core/gc.ts"
import { VERSION } from "../../core/version.ts"

/**
 * Bytes hyparquet-writer holds whatever the row group: its code compiled, its page and file buffers, the values
 * it boxes (INT64 statistics as BigInts, encoded strings). Measured by bench/budget_matrix.sh: write-parquet
 * peaked ~20 MB above write-tsv on the same edge stream, and 33-40 MB above its own run on a tiny stream (Bun,
 * and the Bun binary); exodus to-parquet ~20 MB above exodus stats. Parquet sinks add it to their plans, so a
 * budget that cannot hold it is refused before any data is read.
 */
export const PARQUET_ENCODER_BYTES = 28 << 20

/** One key/value pair of a Parquet file's footer metadata. */
export interface KeyValue {
  readonly key: string
  readonly value: string
}

/** Columns as hyparquet-writer takes them: name, data (typed array or array), Parquet type. */
export type ParquetColumns = Parameters<ParquetWriter["write"]>[0]["columnData"]

export interface ParquetFile {
  /** Appends one row group of `rows` rows. */
  writeGroup(columns: unknown, rows: number): void
  /**
   * Ends the file: `flush` writes the sink's buffered rows as the last group, called when it holds some
   * or when no group was written yet (a file with no rows still gets its schema and one empty group);
   * then the footer.
   */
  close(bufferedRows: number, flush: () => void): void
}

/**
 * `collect`: "every" group (small groups, few of them) or "throttled" to at most one collection a second
 * (many groups, where a collection each would cost seconds). hyparquet-writer is loaded here, when a Parquet
 * file is written, so commands writing TSV never load it. Every file says what wrote it: created_by
 * "brook version X" and the key/value `brook.version`, then `metadata` (the command line, threshold, ...: how the
 * file was made).
 */
export const parquetFile = (
  path: string,
  collect: "every" | "throttled",
  metadata: readonly KeyValue[] = [],
): Effect.Effect<ParquetFile> =>
  Effect.promise(() => import("hyparquet-writer")).pipe(
    Effect.map(({ fileWriter, ParquetWriter, schemaFromColumnData }) => writeGroups(collect, (columnData) =>
      new ParquetWriter({
        writer: fileWriter(path),
        schema: schemaFromColumnData({ columnData }),
        createdBy: `brook version ${VERSION}`,
        kvMetadata: [{ key: "brook.version", value: VERSION }, ...metadata.filter((m) => m.key !== "brook.version")],
      }))),
  )

function writeGroups(
  collect: "every" | "throttled",
  open: (columnData: ParquetColumns) => ParquetWriter,
): ParquetFile {
  let writer: ParquetWriter | undefined
  return {
    writeGroup(columns, rows) {
      const columnData = columns as ParquetColumns
      writer ??= open(columnData)
      writer.write({ columnData, rowGroupSize: Math.max(1, rows) })
      collectGarbageNow(collect === "every")
    },
    close(bufferedRows, flush) {
      if (bufferedRows > 0 || writer === undefined) flush()
      writer!.finish()
    },
  }
}

/** INT64 values of u32s (row numbers, sizes) written through 32-bit words, little-endian: no BigInt per value. */
export function int64Of(values: Uint32Array): BigInt64Array {
  const out = new BigInt64Array(values.length)
  const words = new Uint32Array(out.buffer)
  for (let x = 0; x < values.length; x++) words[2 * x] = values[x]
  return out
}
