/**
 * A row group read whole: its vector column chunk decoded into one Float32Array (count * dim), and its ids.
 */
import { decodeChunk } from "./column_chunk.ts"
import { openedFile, type OpenFile, type ParquetEmbeddings } from "./embeddings.ts"
import { IdDecoder } from "./ids.ts"
import { walkPages } from "./pages.ts"
import { VectorDecoder } from "./vectors.ts"

/** What one row group decodes to: `count` vectors of `dim` values, row-major. */
export interface RowGroupVectors {
  readonly values: Float32Array
  readonly count: number
  readonly ids?: string[] | Float64Array
}

/**
 * Decodes row group `index`: the vector column into `values` (count*dim floats, DOUBLE rounded to
 * float32) and, if the file has an id column, its ids (strings, or integers as doubles).
 * Throws RangeError for an index out of range or a closed file.
 */
export function readRowGroup(pq: ParquetEmbeddings, index: number): RowGroupVectors {
  const s = openedFile(pq)
  const group = pq.rowGroups[index]
  if (!group) throw new RangeError(`${pq.file}: no row group ${index} (the file has ${pq.rowGroups.length})`)
  const { vector } = s.chunks[index]
  const values = decodeChunk(s.src!, vector, (read) => {
    const decoder = new VectorDecoder({
      file: pq.file,
      leaf: s.vector,
      dim: pq.dim,
      firstRow: group.firstRow,
      rows: group.rows,
    })
    walkPages(read, vector, s.vector, decoder)
    return decoder.finish()
  })
  const ids = groupIds(pq, s, index)
  return ids ? { values, count: group.rows, ids } : { values, count: group.rows }
}

/** The ids of row group `index` (its whole id chunk, read and decoded), or undefined without an id column. */
export function groupIds(pq: ParquetEmbeddings, s: OpenFile, index: number): string[] | Float64Array | undefined {
  const chunk = s.chunks[index].id, group = pq.rowGroups[index]
  if (!chunk || !s.id) return undefined
  const { leaf, kind } = s.id
  return decodeChunk(s.src!, chunk, (read) => {
    const decoder = new IdDecoder(pq.file, leaf, kind, group.firstRow, group.rows)
    walkPages(read, chunk, leaf, decoder)
    return decoder.finish()
  })
}
