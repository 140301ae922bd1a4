/**
 * writeArrow: brook batches as an Arrow IPC stream (see formats/arrow/streams.ts for the schemas) to
 * stdout, a file, or any byte sink. Column buffers are written as they are, without a copy; each
 * write waits until the output has taken it, so a slow reader holds the whole pipeline back.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import type { ClusterBatch, EdgeBatch, EmbeddingRows, IdTable, ScoredPairs } from "../core/batches.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { writeAll } from "../core/files.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { type ColumnData, encodeRecordBatch, encodeSchemaMessage, END_OF_STREAM } from "../formats/arrow/ipc.ts"
import { schemaFor, type StreamKind } from "../formats/arrow/streams.ts"

/** Where the bytes go. `write` resolves once the output has taken the bytes (backpressure). */
export interface ArrowOutput {
  readonly write: (bytes: Uint8Array) => Promise<void>
  /** After the end marker: flush and (files) rename into place. */
  readonly close: () => Promise<void>
  /** After a failure: no end marker, and (files) no output file. */
  readonly abort: () => void
}

/** Standard output, honouring its backpressure ('drain'). */
export const stdoutOutput = (): ArrowOutput => ({
  write: (bytes) =>
    new Promise<void>((resolve, reject) => {
      if (process.stdout.write(bytes, (e) => e && reject(e))) resolve()
      else process.stdout.once("drain", resolve)
    }),
  close: () => Promise.resolve(),
  abort: () => {},
})

interface Batches {
  embeddings: EmbeddingRows
  scored_pairs: ScoredPairs
  edges: EdgeBatch
  clusters: ClusterBatch
}

/** Bytes the sink holds itself: message headers only; the column buffers are the batch's own. */
const SINK_BYTES = 64 << 10

/** A sink writing `kind` batches as an Arrow IPC stream to `output` (an ArrowOutput, or a file path). */
export function writeArrow<K extends StreamKind>(output: ArrowOutput | string, kind: K): Sink<Batches[K]> {
  const name = "writeArrow"
  return {
    kind: "sink",
    name,
    ...fixedShare(SINK_BYTES),
    make: (plan, info) =>
      Effect.gen(function* () {
        const out = typeof output === "string" ? yield* fileOutput(output) : output
        const encode = ENCODERS[kind] as (b: Batches[K]) => { length: number; columns: ColumnData[] }
        const ids = info.ids
        const rowColumns = ROW_COLUMNS[kind] as (b: Batches[K]) => Uint32Array[]
        let started = false
        const start = async () => {
          if (!started) await out.write(encodeSchemaMessage(schemaFor(kind, info)))
          started = true
        }
        return new WritableStream<Batches[K]>({
          async write(batch) {
            await start()
            const { length, columns } = encode(batch)
            if (ids) { for (const rows of rowColumns(batch)) columns.push(idColumn(ids, rows)) }
            for (const part of encodeRecordBatch(length, columns)) await out.write(part)
            ;(batch as EmbeddingRows).recycle?.()
          },
          async close() {
            await start()
            await out.write(END_OF_STREAM)
            await out.close()
          },
          abort() {
            out.abort()
          },
        })
      }),
  }
}

/** A file written under a temp name and renamed when the stream is complete. */
const fileOutput = (target: string) =>
  Effect.map(atomicOutput(target), (o): ArrowOutput => {
    const fd = fs.openSync(o.tempPath, "w")
    return {
      write: (bytes) => Promise.resolve(writeAll(fd, bytes)),
      close: () => Promise.resolve((fs.closeSync(fd), o.commit())),
      abort: () => (fs.closeSync(fd), o.discard()),
    }
  })

/** The row number columns that get an id column beside them, in ID_COLUMNS order. */
const ROW_COLUMNS: { [K in StreamKind]: (b: Batches[K]) => Uint32Array[] } = {
  embeddings: (b) => [b.rowIds ?? Uint32Array.from({ length: b.count }, (_, k) => b.start + k)],
  scored_pairs: (p) => [p.i.subarray(0, p.length), p.j.subarray(0, p.length)],
  edges: (e) => [e.src.subarray(0, e.length), e.dst.subarray(0, e.length)],
  clusters: (c) => [c.node.subarray(0, c.length)],
}

/** The ids of `rows`: utf8 (offsets, bytes) or int64. */
function idColumn(ids: IdTable, rows: Uint32Array): ColumnData {
  if (ids.kind === "integer") {
    return { length: rows.length, buffers: [undefined, BigInt64Array.from(rows, (r) => BigInt(ids.get(r)))] }
  }
  return utf8Column(Array.from(rows, (r) => ids.get(r)))
}

/** A utf8 column: int32 offsets and the bytes. */
function utf8Column(values: string[]): ColumnData {
  const enc = new TextEncoder()
  const rows = values
  const parts = values.map((v) => enc.encode(v))
  const offsets = new Int32Array(rows.length + 1)
  for (let k = 0; k < parts.length; k++) offsets[k + 1] = offsets[k] + parts[k].length
  const bytes = new Uint8Array(offsets[rows.length])
  parts.forEach((p, k) => bytes.set(p, offsets[k]))
  return { length: rows.length, buffers: [undefined, offsets, bytes] }
}

const ENCODERS: { [K in StreamKind]: (b: Batches[K]) => { length: number; columns: ColumnData[] } } = {
  embeddings: (b) => {
    const rows = b.rowIds ?? Uint32Array.from({ length: b.count }, (_, k) => b.start + k)
    return {
      length: b.count,
      columns: [
        {
          length: b.count,
          buffers: [undefined],
          children: [{ length: b.count * b.dim, buffers: [undefined, b.values] }],
        },
        { length: b.count, buffers: [undefined, rows] },
      ],
    }
  },
  scored_pairs: (p) => ({
    length: p.length,
    columns: [p.i, p.j, p.score].map((v) => ({ length: p.length, buffers: [undefined, v.subarray(0, p.length)] })),
  }),
  edges: (e) => ({
    length: e.length,
    columns: [e.src, e.dst, e.weight, e.similarity ?? new Float32Array(e.length).fill(NaN)].map((v) => ({
      length: e.length,
      buffers: [undefined, v.subarray(0, e.length)],
    })),
  }),
  clusters: (c) => {
    const leaf = c.cluster.subarray(0, c.length), t = c.clusters
    return {
      length: c.length,
      columns: [
        { length: c.length, buffers: [undefined, c.node.subarray(0, c.length)] },
        utf8Column(Array.from(leaf, (k) => t.paths[k])),
        { length: c.length, buffers: [undefined, Int32Array.from(leaf, (k) => t.level[k])] },
        { length: c.length, buffers: [undefined, Uint32Array.from(leaf, (k) => t.size[k])] },
        { length: c.length, buffers: [undefined, t.number ? Uint32Array.from(leaf, (k) => t.number![k]) : leaf] },
      ],
    }
  },
}
