/**
 * writeExodusMeshParquet: an Exodus mesh as two Parquet tables that DuckDB joins to the values table of
 * writeExodusParquet:
 * - coordinates (node, x, y[, z]): one row per node, node 1-based as Exodus numbers nodes (the values
 *   table's `entity` for nodal variables);
 * - connectivity (block, element, position, node): one row per element-node pair, element 1-based within
 *   its block (the values table's `entity` for element variables), position 1-based in the element's node
 *   list (Exodus order), node as in coordinates. One row per pair, not a list per element: blocks of
 *   different element types share one table, and joins need no UNNEST:
 *   `values JOIN connectivity USING (block) ... JOIN coordinates USING (node)`.
 * Every column is REQUIRED. Coordinates come by node range (the source's "nodes" part): a range of every
 * coordinate is held, never whole arrays; connectivity rows are written as its chunks arrive.
 */
import * as Effect from "effect/Effect"
import { FormatUnsupported, InvalidInput } from "../core/errors.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"
import type { MeshChunk } from "../core/batches.ts"
import type { ExodusStreamInfo } from "../formats/exodus/stream_info.ts"
import { type KeyValue, parquetFile } from "../formats/parquet/file_writer.ts"

/** Connectivity rows per row group (16 B a row buffered). */
const CONNECT_GROUP = 1 << 16
/** Nodes per range the coordinates come in unless the source says (ExodusStreamInfo.nodeRange). */
const NODE_RANGE = 1 << 16
/** Coordinate axes by position: Exodus stores x, y and z in that order. */
const AXES = ["x", "y", "z"] as const

export interface MeshTargets {
  readonly coordinates: string
  readonly connectivity: string
}

/** `metadata`: key/value pairs for both files' footers (how they were made), beside brook.version and brook.table. */
export function writeExodusMeshParquet(
  targets: MeshTargets,
  options: { metadata?: readonly KeyValue[]; nodeRange?: number } = {},
): Sink<MeshChunk> {
  const name = "writeExodusMeshParquet"
  const range = options.nodeRange ?? NODE_RANGE
  // a range of nodes (id and three float64 coordinates) and a group of connectivity rows (four int32),
  // each buffered and copied by the encoder twice more
  const bytes = 3 * (range * (4 + 3 * 8) + CONNECT_GROUP * 16)
  return {
    kind: "sink",
    name,
    ...fixedShare(bytes),
    make: (_plan, info) =>
      Effect.gen(function* () {
        const { exodus: m, nodeRange } = info as ExodusStreamInfo
        if (nodeRange !== undefined && nodeRange > range) {
          return yield* Effect.die(new Error(`${name}: coordinates come by ${nodeRange} nodes, planned for ${range}`))
        }
        if (Math.max(m.numNodes, ...m.blocks.map((b) => b.numElem * b.nodesPerElem)) > 0x7fffffff) {
          return yield* new FormatUnsupported({
            file: m.file,
            format: "more than 2^31 - 1 nodes, or connectivity entries in a block",
            reason: "the Parquet node and element columns are INT32",
          })
        }
        const axes = m.coordinates.map((c, k) => ({ name: c.name, column: AXES[k] ?? `axis${k + 1}` }))
        const table = (t: string) => [...(options.metadata ?? []), { key: "brook.table", value: t }]
        const coordsOut = yield* atomicOutput(targets.coordinates)
        const connectOut = yield* atomicOutput(targets.connectivity)
        const coordsPq = yield* parquetFile(coordsOut.tempPath, "every", table("coordinates"))
        const connectPq = yield* parquetFile(connectOut.tempPath, "throttled", table("connectivity"))

        // coordinates: the range [base, base + range), each axis filled up to filled[k]
        const coords = axes.map(() => new Float64Array(range))
        const filled = axes.map(() => 0)
        let base = 0
        const flushNodes = () => {
          const n = Math.min(...filled, m.numNodes - base)
          const node = new Int32Array(n)
          for (let k = 0; k < n; k++) node[k] = base + k + 1
          coordsPq.writeGroup([
            { name: "node", data: node, type: "INT32", nullable: false },
            ...axes.map((a, k) => ({ name: a.column, data: coords[k].subarray(0, n), type: "DOUBLE", nullable: false })),
          ], n)
          base += n
          filled.fill(0)
        }
        const nodes = (c: MeshChunk) => {
          const k = axes.findIndex((a) => a.name === c.name)
          if (k < 0 || c.start !== base + filled[k] || filled[k] + c.count > range) {
            throw new Error(`${name}: coordinate ${c.name} at node ${c.start + 1} out of order`)
          }
          for (let j = 0; j < c.count; j++) coords[k][filled[k] + j] = Number(c.values[j])
          filled[k] += c.count
          if (filled.every((f) => f === filled[0]) && (filled[0] === range || base + filled[0] === m.numNodes)) {
            flushNodes()
          }
        }

        // connectivity: rows of the current group
        const block = new Int32Array(CONNECT_GROUP), element = new Int32Array(CONNECT_GROUP)
        const position = new Int32Array(CONNECT_GROUP), node = new Int32Array(CONNECT_GROUP)
        let rows = 0
        const flushConnect = () => {
          connectPq.writeGroup([
            { name: "block", data: block.subarray(0, rows), type: "INT32", nullable: false },
            { name: "element", data: element.subarray(0, rows), type: "INT32", nullable: false },
            { name: "position", data: position.subarray(0, rows), type: "INT32", nullable: false },
            { name: "node", data: node.subarray(0, rows), type: "INT32", nullable: false },
          ], rows)
          rows = 0
        }
        const connectivity = (c: MeshChunk) => {
          const b = m.blocks.find((x) => x.id === c.block)!
          const per = b.nodesPerElem
          for (let j = 0; j < c.count; j++) {
            const at = c.start + j, v = Number(c.values[j])
            if (!(Number.isInteger(v) && v >= 1 && v <= m.numNodes)) {
              throw new InvalidInput({
                file: m.file,
                reason: `${c.ncVar}: element ${Math.floor(at / per) + 1} of block ${b.id} names node ${v}, ` +
                  `not one of the ${m.numNodes} nodes`,
              })
            }
            block[rows] = b.id
            element[rows] = Math.floor(at / per) + 1
            position[rows] = (at % per) + 1
            node[rows] = v
            if (++rows === CONNECT_GROUP) flushConnect()
          }
        }

        return new WritableStream<MeshChunk>({
          write(c) {
            if (c.step === null && c.kind === "coordinates") nodes(c)
            else if (c.step === null && c.kind === "connectivity") connectivity(c)
            c.recycle()
          },
          close() {
            if (base !== m.numNodes && m.coordinates.length > 0) {
              throw new Error(`${name}: coordinates of ${base} of ${m.numNodes} nodes arrived`)
            }
            coordsPq.close(0, () => {
              // a mesh without nodes: the schema and one empty group
              filled.fill(0)
              flushNodes()
            })
            connectPq.close(rows, flushConnect)
            coordsOut.commit()
            connectOut.commit()
          },
          abort() {
            coordsOut.discard()
            connectOut.discard()
          },
        })
      }),
  }
}
