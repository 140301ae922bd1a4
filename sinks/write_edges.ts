/**
 * Edge sinks: TSV (`i<TAB>j<TAB>weight<TAB>similarity`, or ids when the input has them) to a file or stdout,
 * CSV (the same columns under a header), and Parquet (src, dst, weight, similarity; every column REQUIRED, the
 * file's key/value metadata saying how it was made). Files are written under a temp name and renamed on success.
 */
import * as Effect from "effect/Effect"
import type { EdgeBatch, IdTable, StreamInfo } from "../core/batches.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { formatF32, type TextTable, textLinesSink } from "../formats/text_lines.ts"
import { int64Of, type KeyValue, parquetFile } from "../formats/parquet/file_writer.ts"

/** The columns of every edge file, in order. */
export const EDGE_COLUMNS = ["src", "dst", "weight", "similarity"] as const

/**
 * Edges per Parquet row group: 64 Ki x 12 B of columns. The encoder's garbage per group (pages, INT64
 * values) is memory the budget cannot see and grows with the group: at 1 Mi edges a group, Bun peaked
 * 150 MB over budget + baseline on 100k x 384 at --memory 256MB; at 64 Ki, 2 MiB. DuckDB reads any size.
 */
export const PARQUET_ROW_GROUP = 1 << 16

/** A float32 weight as the shortest text that reads back as the same float32 (6 to 9 digits). */
export const formatWeight = formatF32

export function writeEdges(
  target: string,
  options: { format?: "tsv" | "csv" | "parquet"; metadata?: readonly KeyValue[] } = {},
): Sink<EdgeBatch> {
  const format = options.format ?? (/\.parquet$/i.test(target) ? "parquet" : /\.csv$/i.test(target) ? "csv" : "tsv")
  return format === "parquet"
    ? writeEdgesParquet(target, options)
    : format === "csv"
    ? writeEdgesCsv(target)
    : writeEdgesTsv(target)
}

/** TSV edges to `target`, or to stdout when target is "-". */
export function writeEdgesTsv(target: string): Sink<EdgeBatch> {
  return writeEdgesText(target, { kind: "tsv" })
}

/** CSV edges (header src,dst,weight,similarity) to `target`, or to stdout when target is "-". */
export function writeEdgesCsv(target: string): Sink<EdgeBatch> {
  return writeEdgesText(target, { kind: "csv", header: EDGE_COLUMNS })
}

function writeEdgesText(target: string, table: TextTable): Sink<EdgeBatch> {
  return textLinesSink<EdgeBatch>("writeEdges", target, (info) => {
    const a = info.ids, b = info.pairing === "cross" ? info.idsB : info.ids
    return (e, out) => {
      const sim = e.similarity
      for (let x = 0; x < e.length; x++) {
        if (a) out.field(a.get(e.src[x]))
        else out.uint(e.src[x])
        out.sep()
        if (b) out.field(b.get(e.dst[x]))
        else out.uint(e.dst[x])
        out.sep().f32(e.weight[x]).sep()
        if (sim) out.f32(sim[x])
        else out.text("NaN")
        out.end()
      }
    }
  }, table)
}

/**
 * Parquet edges (src, dst, weight, similarity); src/dst are ids (strings or integers) when the input has them.
 * `metadata`: key/value pairs for the file's footer, beside brook.version.
 */
export function writeEdgesParquet(target: string, options: { metadata?: readonly KeyValue[] } = {}): Sink<EdgeBatch> {
  const name = "writeEdges"
  const groupBytes = PARQUET_ROW_GROUP * 16
  return {
    kind: "sink",
    name,
    // one row group of columns plus the encoder's copy of it
    ...fixedShare(3 * groupBytes),
    make: (plan, info) =>
      Effect.gen(function* () {
        const out = yield* atomicOutput(target)
        const label = labeler(info)
        const idKind = info.ids?.kind
        const src = new Uint32Array(PARQUET_ROW_GROUP)
        const dst = new Uint32Array(PARQUET_ROW_GROUP)
        const weight = new Float32Array(PARQUET_ROW_GROUP)
        const similarity = new Float32Array(PARQUET_ROW_GROUP)
        let n = 0
        const pq = yield* parquetFile(out.tempPath, "every", options.metadata)
        const columns = (count: number) => {
          const ids = (col: Uint32Array, f: (r: number) => string) =>
            idKind === "string"
              ? Array.from(col.subarray(0, count), f)
              : idKind === "integer"
              ? BigInt64Array.from(col.subarray(0, count), (r) => BigInt(f(r)))
              : int64Of(col.subarray(0, count))
          return [
            { name: "src", data: ids(src, label.a), type: idKind === "string" ? "STRING" : "INT64", nullable: false },
            { name: "dst", data: ids(dst, label.b), type: idKind === "string" ? "STRING" : "INT64", nullable: false },
            { name: "weight", data: weight.subarray(0, count), type: "FLOAT", nullable: false },
            { name: "similarity", data: similarity.subarray(0, count), type: "FLOAT", nullable: false },
          ] as const
        }
        const flush = () => {
          pq.writeGroup(columns(n), n)
          n = 0
        }
        return new WritableStream<EdgeBatch>({
          write(e) {
            for (let x = 0; x < e.length;) {
              const take = Math.min(PARQUET_ROW_GROUP - n, e.length - x)
              src.set(e.src.subarray(x, x + take), n)
              dst.set(e.dst.subarray(x, x + take), n)
              weight.set(e.weight.subarray(x, x + take), n)
              if (e.similarity) similarity.set(e.similarity.subarray(x, x + take), n)
              else similarity.fill(NaN, n, n + take)
              n += take
              x += take
              if (n === PARQUET_ROW_GROUP) flush()
            }
          },
          close() {
            pq.close(n, flush)
            out.commit()
          },
          abort() {
            out.discard()
          },
        })
      }),
  }
}

/** Row number to label: the input's id when it has ids, else the row number. */
function labeler(info: StreamInfo): { a: (r: number) => string; b: (r: number) => string } {
  const of = (ids?: IdTable) => (ids ? (r: number) => ids.get(r) : (r: number) => String(r))
  return { a: of(info.ids), b: of(info.pairing === "cross" ? info.idsB : info.ids) }
}
