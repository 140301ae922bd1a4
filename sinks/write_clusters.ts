/**
 * Cluster sinks: TSV (`id<TAB>path` per node; id is the input id when there is one, else the node/row
 * number) to a file or stdout, and Parquet (id, path, level, cluster_size). Written under a temp name
 * and renamed on success.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { fileWriter, ParquetWriter, schemaFromColumnData } from "hyparquet-writer"
import type { ClusterBatch, StreamInfo } from "../core/batches.ts"
import { MemoryBudget } from "../core/budget.ts"
import { writeAll } from "../core/files.ts"
import type { Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"

const TSV_BUFFER = 1 << 20
/** Nodes per Parquet row group. */
export const CLUSTER_ROW_GROUP = 1 << 18
/** Bytes a row group of (id, path, level, size) holds while it is encoded: generous for string ids. */
const GROUP_BYTES = CLUSTER_ROW_GROUP * 96

export function writeClusters(target: string, options: { format?: "tsv" | "parquet" } = {}): Sink<ClusterBatch> {
  const format = options.format ?? (/\.parq(uet)?$/i.test(target) ? "parquet" : "tsv")
  return format === "parquet" ? writeClustersParquet(target) : writeClustersTsv(target)
}

const label = (info: StreamInfo) => (info.ids ? (u: number) => info.ids!.get(u) : (u: number) => String(u))

export function writeClustersTsv(target: string): Sink<ClusterBatch> {
  const name = "writeClusters"
  return {
    kind: "sink",
    name,
    weight: 0,
    describe: (up) => Effect.succeed(up),
    minimum: () => 2 * TSV_BUFFER,
    plan: () => Effect.succeed({ bytes: 2 * TSV_BUFFER }),
    make: (plan, info) =>
      Effect.gen(function* () {
        const budget = yield* MemoryBudget
        yield* budget.reserve(name, plan.bytes)
        const out = target === "-" ? undefined : yield* atomicOutput(target)
        const fd = out ? fs.openSync(out.tempPath, "w") : 1
        const id = label(info)
        const enc = new TextEncoder()
        let text = ""
        const flush = () => {
          writeAll(fd, enc.encode(text))
          text = ""
        }
        return new WritableStream<ClusterBatch>({
          write(b) {
            const paths = b.clusters.paths
            for (let x = 0; x < b.length; x++) {
              text += `${id(b.node[x])}\t${paths[b.cluster[x]]}\n`
              if (text.length >= TSV_BUFFER) flush()
            }
          },
          close() {
            flush()
            if (out) {
              fs.closeSync(fd)
              out.commit()
            }
          },
          abort() {
            if (out) {
              fs.closeSync(fd)
              out.discard()
            }
          },
        })
      }),
  }
}

export function writeClustersParquet(target: string): Sink<ClusterBatch> {
  const name = "writeClusters"
  return {
    kind: "sink",
    name,
    weight: 0,
    describe: (up) => Effect.succeed(up),
    minimum: () => GROUP_BYTES,
    plan: () => Effect.succeed({ bytes: GROUP_BYTES }),
    make: (plan, info) =>
      Effect.gen(function* () {
        const budget = yield* MemoryBudget
        yield* budget.reserve(name, plan.bytes)
        const out = yield* atomicOutput(target)
        const id = label(info)
        const idKind = info.ids?.kind ?? "row"
        const nodes = new Uint32Array(CLUSTER_ROW_GROUP)
        const leaf = new Uint32Array(CLUSTER_ROW_GROUP)
        let n = 0
        let table: ClusterBatch["clusters"] | undefined
        let writer: ParquetWriter | undefined
        const flush = () => {
          const t = table ?? { paths: [], level: new Int32Array(0), size: new Uint32Array(0) }
          const ids = idKind === "string"
            ? Array.from(nodes.subarray(0, n), id)
            : BigInt64Array.from(nodes.subarray(0, n), (u) => BigInt(idKind === "integer" ? id(u) : u))
          const columnData = [
            { name: "id", data: ids, type: idKind === "string" ? "STRING" : "INT64", nullable: false },
            { name: "path", data: Array.from(leaf.subarray(0, n), (c) => t.paths[c]), type: "STRING", nullable: false },
            {
              name: "level",
              data: Int32Array.from(leaf.subarray(0, n), (c) => t.level[c]),
              type: "INT32",
              nullable: false,
            },
            {
              name: "cluster_size",
              data: BigInt64Array.from(leaf.subarray(0, n), (c) => BigInt(t.size[c])),
              type: "INT64",
              nullable: false,
            },
          ] as unknown as Parameters<ParquetWriter["write"]>[0]["columnData"]
          writer ??= new ParquetWriter({
            writer: fileWriter(out.tempPath),
            schema: schemaFromColumnData({ columnData }),
            createdBy: "brook",
          })
          writer.write({ columnData, rowGroupSize: Math.max(1, n) })
          n = 0
        }
        return new WritableStream<ClusterBatch>({
          write(b) {
            table = b.clusters
            for (let x = 0; x < b.length;) {
              const take = Math.min(CLUSTER_ROW_GROUP - n, b.length - x)
              nodes.set(b.node.subarray(x, x + take), n)
              leaf.set(b.cluster.subarray(x, x + take), n)
              n += take
              x += take
              if (n === CLUSTER_ROW_GROUP) flush()
            }
          },
          close() {
            if (n > 0 || !writer) flush()
            writer!.finish()
            out.commit()
          },
          abort() {
            out.discard()
          },
        })
      }),
  }
}
