/**
 * Cluster sinks: TSV (`id<TAB>path` per node; id is the input id when there is one, else the node/row
 * number) to a file or stdout, and Parquet (id, path, level, cluster_size). Written under a temp name
 * and renamed on success.
 */
import * as Effect from "effect/Effect"
import type { ClusterBatch, StreamInfo } from "../core/batches.ts"
import { MemoryBudget } from "../core/budget.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { textLinesSink } from "../formats/text_lines.ts"
import { int64Of, parquetFile } from "../formats/parquet/file_writer.ts"

/** Nodes per Parquet row group. */
export const CLUSTER_ROW_GROUP = 1 << 16
/** Bytes a row group of (id, path, level, size) holds while it is encoded: generous for string ids. */
const GROUP_BYTES = CLUSTER_ROW_GROUP * 96

export function writeClusters(target: string, options: { format?: "tsv" | "parquet" } = {}): Sink<ClusterBatch> {
  const format = options.format ?? (/\.parq(uet)?$/i.test(target) ? "parquet" : "tsv")
  return format === "parquet" ? writeClustersParquet(target) : writeClustersTsv(target)
}

const label = (info: StreamInfo) => (info.ids ? (u: number) => info.ids!.get(u) : (u: number) => String(u))

export function writeClustersTsv(target: string): Sink<ClusterBatch> {
  return textLinesSink<ClusterBatch>("writeClusters", target, (info) => {
    const ids = info.ids
    return (b, out) => {
      const paths = b.clusters.paths
      for (let x = 0; x < b.length; x++) {
        if (ids) out.text(ids.get(b.node[x]))
        else out.uint(b.node[x])
        out.tab().text(paths[b.cluster[x]]).end()
      }
    }
  })
}

export function writeClustersParquet(target: string): Sink<ClusterBatch> {
  const name = "writeClusters"
  return {
    kind: "sink",
    name,
    ...fixedShare(GROUP_BYTES),
    make: (plan, info) =>
      Effect.gen(function* () {
        const budget = yield* MemoryBudget
        yield* budget.reserve(name, plan.bytes)
        const out = yield* atomicOutput(target)
        const id = label(info)
        const idKind = info.ids?.kind ?? "row"
        // a row group's rows: batches may each bring their own cluster table (from a pipe), so rows are
        // resolved to path, level and size as they arrive
        const nodes = new Uint32Array(CLUSTER_ROW_GROUP)
        const level = new Int32Array(CLUSTER_ROW_GROUP)
        const size = new BigInt64Array(CLUSTER_ROW_GROUP)
        const sizeWords = new Uint32Array(size.buffer)
        const paths: string[] = []
        let n = 0
        const pq = yield* parquetFile(out.tempPath, "every")
        const flush = () => {
          const ids = idKind === "string"
            ? Array.from(nodes.subarray(0, n), id)
            : idKind === "integer"
            ? BigInt64Array.from(nodes.subarray(0, n), (u) => BigInt(id(u)))
            : int64Of(nodes.subarray(0, n))
          const columnData = [
            { name: "id", data: ids, type: idKind === "string" ? "STRING" : "INT64", nullable: false },
            { name: "path", data: paths.slice(0, n), type: "STRING", nullable: false },
            { name: "level", data: level.slice(0, n), type: "INT32", nullable: false },
            { name: "cluster_size", data: size.slice(0, n), type: "INT64", nullable: false },
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
