/**
 * writeExodusParquet: Exodus variable values as a long Parquet table, one row per value:
 * (var, kind, block, step, time, entity, value). Long, not wide: chunks arrive one variable, block and step
 * at a time, so each goes straight into the current row group, and nodal, element and global variables (which
 * have different entity counts) share one table. `PIVOT` in DuckDB makes the wide form.
 * Entities are 1-based (node number, or element number within its block), as in the Exodus API; block is the
 * element block id, null for nodal and global variables (the one OPTIONAL column; the others are REQUIRED).
 */
import * as Effect from "effect/Effect"
import { FormatUnsupported } from "../core/errors.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"
import type { MeshChunk } from "../core/batches.ts"
import type { ExodusStreamInfo } from "../formats/exodus/stream_info.ts"
import { type KeyValue, parquetFile } from "../formats/parquet/file_writer.ts"

/** Rows per row group: 64 k rows of ~40 bytes; DuckDB reads row groups in parallel. */
export const EXODUS_ROW_GROUP = 1 << 16
/** Bytes per buffered row (value, time: 8 each; entity, step, block: 4 each; two string references: 16). */
const ROW_BYTES = 44

/** `metadata`: key/value pairs for the file's footer (how it was made), beside brook.version. */
export function writeExodusParquet(target: string, options: { metadata?: readonly KeyValue[] } = {}): Sink<MeshChunk> {
  const name = "writeExodusParquet"
  // the buffered group, and the encoder's copies of it
  const bytes = 3 * EXODUS_ROW_GROUP * ROW_BYTES
  return {
    kind: "sink",
    name,
    ...fixedShare(bytes),
    make: (plan, info) =>
      Effect.gen(function* () {
        const { exodus: m } = info as ExodusStreamInfo
        if (Math.max(m.numNodes, ...m.blocks.map((b) => b.numElem)) > 0x7fffffff) {
          return yield* new FormatUnsupported({
            file: m.file,
            format: "more than 2^31 - 1 nodes or elements in a block",
            reason: "the Parquet entity column is INT32",
          })
        }
        const out = yield* atomicOutput(target)
        const N = EXODUS_ROW_GROUP
        const cols = {
          var: new Array<string>(N),
          kind: new Array<string>(N),
          block: new Int32Array(N),
          /** 1 where the row has a block (element variables). */
          inBlock: new Uint8Array(N),
          step: new Int32Array(N),
          time: new Float64Array(N),
          entity: new Int32Array(N),
          value: new Float64Array(N),
        }
        let n = 0
        const pq = yield* parquetFile(out.tempPath, "throttled", options.metadata)
        const flush = () => {
          const columnData = [
            { name: "var", data: cols.var.slice(0, n), type: "STRING", nullable: false },
            { name: "kind", data: cols.kind.slice(0, n), type: "STRING", nullable: false },
            {
              name: "block",
              data: Array.from(cols.block.subarray(0, n), (b, k) => (cols.inBlock[k] ? b : null)),
              type: "INT32",
              nullable: true,
            },
            { name: "step", data: cols.step.subarray(0, n), type: "INT32", nullable: false },
            { name: "time", data: cols.time.subarray(0, n), type: "DOUBLE", nullable: false },
            { name: "entity", data: cols.entity.subarray(0, n), type: "INT32", nullable: false },
            { name: "value", data: cols.value.subarray(0, n), type: "DOUBLE", nullable: false },
          ]
          pq.writeGroup(columnData, n)
          n = 0
        }
        return new WritableStream<MeshChunk>({
          write(c) {
            if (c.step === null) return c.recycle()
            const time = m.times[c.step - 1]
            const block = c.block ?? 0, inBlock = c.block === null ? 0 : 1
            for (let k = 0; k < c.count;) {
              const take = Math.min(N - n, c.count - k)
              for (let j = 0; j < take; j++) {
                cols.var[n + j] = c.name
                cols.kind[n + j] = c.kind
                cols.entity[n + j] = c.start + k + j + 1
                cols.value[n + j] = Number(c.values[k + j])
              }
              cols.block.fill(block, n, n + take)
              cols.inBlock.fill(inBlock, n, n + take)
              cols.step.fill(c.step, n, n + take)
              cols.time.fill(time, n, n + take)
              n += take
              k += take
              if (n === N) flush()
            }
            c.recycle()
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
