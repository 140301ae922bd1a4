/**
 * Cluster sinks, one row per node with the columns CLUSTER_COLUMNS: id (the input id when there is one, else
 * the node/row number), cluster (the leaf's number, unique in the result), top (its top-level cluster), path
 * (dotted, e.g. 3.1.4), level (depth of the path, 0 at the top) and size (nodes in the leaf). TSV to a file or
 * stdout, CSV (under a header), or Parquet (every column REQUIRED, the file's key/value metadata saying how it
 * was made). Written under a temp name and renamed on success.
 */
import * as Effect from "effect/Effect"
import type { ClusterBatch, StreamInfo } from "../core/batches.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { type TextTable, textLinesSink } from "../formats/text_lines.ts"
import { int64Of, type KeyValue, parquetFile } from "../formats/parquet/file_writer.ts"

/** The columns of every cluster file, in order. */
export const CLUSTER_COLUMNS = ["id", "cluster", "top", "path", "level", "size"] as const

/** Nodes per Parquet row group. */
export const CLUSTER_ROW_GROUP = 1 << 16
/** Bytes a row group of (id, path, level, size) holds while it is encoded: generous for string ids. */
const GROUP_BYTES = CLUSTER_ROW_GROUP * 112

export function writeClusters(
  target: string,
  options: { format?: "tsv" | "csv" | "parquet"; metadata?: readonly KeyValue[] } = {},
): Sink<ClusterBatch> {
  const format = options.format ?? (/\.parquet$/i.test(target) ? "parquet" : /\.csv$/i.test(target) ? "csv" : "tsv")
  return format === "parquet"
    ? writeClustersParquet(target, options)
    : format === "csv"
    ? writeClustersCsv(target)
    : writeClustersTsv(target)
}

const label = (info: StreamInfo) => (info.ids ? (u: number) => info.ids!.get(u) : (u: number) => String(u))

/** The top-level cluster of a path: its first number. */
const topOf = (path: string) => {
  const dot = path.indexOf(".")
  return Number(dot < 0 ? path : path.slice(0, dot))
}

export function writeClustersTsv(target: string): Sink<ClusterBatch> {
  return writeClustersText(target, { kind: "tsv" })
}

export function writeClustersCsv(target: string): Sink<ClusterBatch> {
  return writeClustersText(target, { kind: "csv", header: CLUSTER_COLUMNS })
}

function writeClustersText(target: string, table: TextTable): Sink<ClusterBatch> {
  return textLinesSink<ClusterBatch>("writeClusters", target, (info) => {
    const ids = info.ids
    return (b, out) => {
      const t = b.clusters
      for (let x = 0; x < b.length; x++) {
        const c = b.cluster[x]
        if (ids) out.field(ids.get(b.node[x]))
        else out.uint(b.node[x])
        out.sep().uint(t.number ? t.number[c] : c).sep().uint(topOf(t.paths[c])).sep().text(t.paths[c])
        out.sep().uint(t.level[c]).sep().uint(t.size[c]).end()
      }
    }
  }, table)
}

export function writeClustersParquet(
  target: string,
  options: { metadata?: readonly KeyValue[] } = {},
): Sink<ClusterBatch> {
  const name = "writeClusters"
  return {
    kind: "sink",
    name,
    ...fixedShare(GROUP_BYTES),
    make: (plan, info) =>
      Effect.gen(function* () {
        const out = yield* atomicOutput(target)
        const id = label(info)
        const idKind = info.ids?.kind ?? "row"
        // a row group's rows: batches may each bring their own cluster table (from a pipe), so rows are
        // resolved to path, level and size as they arrive
        const nodes = new Uint32Array(CLUSTER_ROW_GROUP)
        const number = new Int64Words(CLUSTER_ROW_GROUP)
        const top = new Int64Words(CLUSTER_ROW_GROUP)
        const level = new Int32Array(CLUSTER_ROW_GROUP)
        const size = new BigInt64Array(CLUSTER_ROW_GROUP)
        const sizeWords = new Uint32Array(size.buffer)
        const paths: string[] = []
        let n = 0
        const pq = yield* parquetFile(out.tempPath, "every", options.metadata)
        const flush = () => {
          const ids = idKind === "string"
            ? Array.from(nodes.subarray(0, n), id)
            : idKind === "integer"
            ? BigInt64Array.from(nodes.subarray(0, n), (u) => BigInt(id(u)))
            : int64Of(nodes.subarray(0, n))
          const columnData = [
            { name: "id", data: ids, type: idKind === "string" ? "STRING" : "INT64", nullable: false },
            { name: "cluster", data: number.values.slice(0, n), type: "INT64", nullable: false },
            { name: "top", data: top.values.slice(0, n), type: "INT64", nullable: false },
            { name: "path", data: paths.slice(0, n), type: "STRING", nullable: false },
            { name: "level", data: level.slice(0, n), type: "INT32", nullable: false },
            { name: "size", data: size.slice(0, n), type: "INT64", nullable: false },
          ]
          pq.writeGroup(columnData, n)
          n = 0
        }
        return new WritableStream<ClusterBatch>({
          write(b) {
            const t = b.clusters
            for (let x = 0; x < b.length; x++) {
              const c = b.cluster[x]
              nodes[n] = b.node[x]
              number.set(n, t.number ? t.number[c] : c)
              top.set(n, topOf(t.paths[c]))
              paths[n] = t.paths[c]
              level[n] = t.level[c]
              sizeWords[2 * n++] = t.size[c]
              if (n === CLUSTER_ROW_GROUP) flush()
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

/** INT64 values below 2^32 set through their low words: no BigInt per value. */
class Int64Words {
  readonly values: BigInt64Array
  private readonly words: Uint32Array
  constructor(n: number) {
    this.values = new BigInt64Array(n)
    this.words = new Uint32Array(this.values.buffer)
  }
  set(at: number, v: number): void {
    this.words[2 * at] = v
  }
}
