/**
 * readArrow: a source of brook batches from an Arrow IPC stream (stdin, a file, any byte stream),
 * written by brook or by another Arrow implementation. The schema is read while planning; what brook's
 * own streams carry in their metadata (dimension, rows, threshold) becomes the StreamInfo.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { ClusterBatch, EdgeBatch, EmbeddingRows, ScoredPairs, StreamInfo } from "../core/batches.ts"
import { allowance, PendingAllowance } from "../core/budget.ts"
import { InvalidInput, isBrookError } from "../core/errors.ts"
import { IdsByRow } from "../core/id_column.ts"
import { writeAll } from "../core/files.ts"
import { tempDir } from "../core/tempfile.ts"
import type { Source } from "../core/operator.ts"
import { Progress } from "../core/progress.ts"
import { ByteReader } from "../formats/arrow/byte_reader.ts"
import {
  type ArrowColumn,
  ArrowStreamReader,
  describeSchema,
  encodeSchemaMessage,
  type RecordBatch,
  streamOffset,
} from "../formats/arrow/ipc.ts"
import type { ArrowField, ArrowSchema } from "../formats/arrow/schema.ts"
import { float16ToFloat32 } from "../formats/float16.ts"
import { ID_COLUMNS, infoFromMetadata, KEY, type StreamKind } from "../formats/arrow/streams.ts"

/** Where the bytes come from: a name for errors and a way to open them once. */
export interface ArrowInput {
  readonly name: string
  readonly open: () => AsyncIterator<Uint8Array>
}

/** Standard input. */
export const stdinInput = (): ArrowInput => ({
  name: "stdin",
  open: () => (process.stdin as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator](),
})

/** An Arrow IPC stream file (.arrows), read in 1 MiB chunks. */
export const fileInput = (file: string): ArrowInput => ({
  name: file,
  open: async function* () {
    const fd = fs.openSync(file, "r")
    try {
      for (;;) {
        const chunk = new Uint8Array(1 << 20)
        const n = fs.readSync(fd, chunk, 0, chunk.length, null)
        if (n <= 0) return
        yield chunk.subarray(0, n)
      }
    } finally {
      fs.closeSync(fd)
    }
  },
})

/** A WHATWG byte stream (a fetch body, a child process's stdout). */
export const streamInput = (name: string, stream: ReadableStream<Uint8Array>): ArrowInput => ({
  name,
  open: async function* () {
    const reader = stream.getReader()
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value
    } finally {
      reader.releaseLock()
    }
  },
})

interface Batches {
  embeddings: EmbeddingRows
  scored_pairs: ScoredPairs
  edges: EdgeBatch
  clusters: ClusterBatch
}

/** Largest record batch body held at once unless the share is smaller: brook's own batches are far below. */
const MAX_MESSAGE = 256 << 20
/** Smallest message body planned for: 1 MiB (64 rows at d = 4096, 87 K pairs). */
const MIN_MESSAGE = 1 << 20

/**
 * A source of `kind` batches from the Arrow IPC stream `input`; with "any", of whatever kind the stream's
 * brook.stream metadata names (StreamInfo.stream tells the stages downstream).
 */
export function readArrow<K extends StreamKind>(input: ArrowInput, kind: K): Source<Batches[K]>
export function readArrow(input: ArrowInput, kind: "any"): Source<Batches[StreamKind]>
export function readArrow<K extends StreamKind>(input: ArrowInput, wanted: K | "any"): Source<Batches[K]> {
  let kind = wanted as K
  const name = "readArrow"
  let reader: ArrowStreamReader | undefined
  let decode: ((b: RecordBatch, row0: number) => Batches[K]) | undefined
  let spool: Spooled | undefined
  /** Body bytes of the first record batch: writers send batches of one size, so the plan starts there. */
  let firstBody = 0
  // a message body, and what decoding makes of it (a float64 column becomes float32, a float16 column a
  // float32 copy twice its size): `copies` bodies' worth in all
  let copies = 2
  const need = (body: number) => copies * Math.max(MIN_MESSAGE, body)
  // the id table: planned from the stream's metadata, then reserved from what the budget has left
  let idsMemory: PendingAllowance | undefined
  let idsPlanned = 0
  return {
    kind: "source",
    name,
    weight: 0.02,
    describe: () =>
      Effect.tryPromise({
        try: async () => {
          reader = new ArrowStreamReader(new ByteReader(input.open()), input.name)
          const schema = await reader.readSchema()
          let info = { ...infoFromMetadata(schema.metadata), file: schema.metadata.get(KEY.file) ?? input.name }
          if (wanted === "any") {
            if (!info.stream) {
              throw new InvalidInput({
                file: input.name,
                reason: `not one of brook's streams (no ${KEY.stream} in the schema metadata)`,
              })
            }
            kind = info.stream as K
          }
          info = { ...info, stream: kind }
          let made = DECODERS[kind](schema, input.name, info)
          if (kind === "embeddings" && (made.info.rows === undefined || made.info.dim === undefined)) {
            // a stream from another writer: count its rows on the way into a temp file, then read that
            spool = await spoolEmbeddings(reader, made as never)
            reader = spool.reader
            info = { ...info, rows: spool.rows, dim: spool.dim }
            made = DECODERS[kind](schema, input.name, info)
          }
          // a brook stream says how many rows its ids are for, and about how much text they hold
          const expected = { rows: info.rows ?? 0, bytes: Number(schema.metadata.get(KEY.idBytes) ?? 0) || 0 }
          idsMemory = new PendingAllowance("the stream's ids")
          const ids = withIds(kind, schema, input.name, made.decode as never, idsMemory, expected)
          idsPlanned = ids ? IdsByRow.plannedBytes(ids.table.kind, expected) : 0
          decode = (ids?.decode ?? made.decode) as typeof decode
          copies = kind === "embeddings" && halfFloats(schema) ? 3 : 2
          firstBody = await reader.peekBodyLength()
          return { ...info, ...made.info, ids: ids?.table } satisfies StreamInfo
        },
        catch: (e) => {
          spool?.remove()
          if (isBrookError(e)) return e
          // a header or batch that contradicts itself, found while planning: bad input, never a JS error
          return new InvalidInput({
            file: input.name,
            offset: reader?.bytes.offset,
            reason: `malformed Arrow IPC stream: ${(e as Error)?.message ?? e}`,
          })
        },
      }),
    minimum: () => need(firstBody) + idsPlanned,
    plan: (share) =>
      Effect.succeed({
        bytes: need(Math.max(firstBody, Math.min(MAX_MESSAGE, Math.floor((share - idsPlanned) / copies)))) +
          idsPlanned,
      }),
    make: (plan) =>
      Effect.gen(function* () {
        const progress = yield* Progress
        if (spool) yield* Effect.addFinalizer(() => Effect.sync(() => spool!.remove()))
        idsMemory!.bind(yield* allowance(name, idsPlanned))
        const r = reader!
        let rows = 0
        // a batch whose buffers contradict its header fails as bad input at the batch, never as a JS error
        const decodeAt = (b: RecordBatch, row0: number): Batches[K] => {
          try {
            return decode!(b, row0)
          } catch (e) {
            if (isBrookError(e)) throw e
            throw new InvalidInput({
              file: input.name,
              offset: b.at,
              row: row0,
              reason: `malformed record batch: ${(e as Error)?.message ?? e}`,
            })
          }
        }
        return new ReadableStream<Batches[K]>({
          async pull(controller) {
            const b = await r.next((plan.bytes - idsPlanned) / copies)
            if (!b) return controller.close()
            if (b.length > 0) controller.enqueue(decodeAt(b, rows))
            rows += b.length
            progress.update(name, {
              done: rows,
              unit: kind === "embeddings" ? "rows" : kind === "clusters" ? "nodes" : "pairs",
            })
          },
          cancel: () => void 0,
        }, { highWaterMark: 0 })
      }),
  }
}

interface Spooled {
  readonly reader: ArrowStreamReader
  readonly rows: number
  readonly dim: number
  readonly remove: () => void
}

/**
 * Copies an embedding stream that does not announce its row count (or, for list<float>, its
 * dimension) into a temp file past its schema, counting rows from the batch headers and taking the
 * dimension from the first batch; returns a reader of the copy. Holds one chunk (and the first batch).
 */
async function spoolEmbeddings(
  first: ArrowStreamReader,
  made: { info: StreamInfo; decode: (b: RecordBatch, row0: number) => EmbeddingRows },
): Promise<Spooled> {
  const file = path.join(tempDir(), `brook-spool-${process.pid}-${Date.now().toString(36)}.arrows`)
  const remove = () => {
    process.off("exit", remove)
    fs.rmSync(file, { force: true })
  }
  process.once("exit", remove) // also when planning fails before the source's scope exists
  const fd = fs.openSync(file, "w")
  try {
    writeAll(fd, encodeSchemaMessage(first.schema))
    first.bytes.tee((bytes) => writeAll(fd, bytes))
    let dim = made.info.dim
    let rows = 0
    if (dim === undefined) {
      const b = await first.next(MAX_MESSAGE)
      if (b) {
        dim = made.decode(b, 0).dim
        rows += b.length
      }
    }
    for (let n = await first.skip(); n !== undefined; n = await first.skip()) rows += n
    fs.closeSync(fd)
    const again = new ArrowStreamReader(new ByteReader(fileInput(file).open()), first.name)
    await again.readSchema()
    return { reader: again, rows, dim: dim ?? 0, remove }
  } catch (e) {
    try {
      fs.closeSync(fd)
    } catch {
      // closed already
    }
    remove()
    throw e
  }
}

/** Row number columns of a decoded batch, in ID_COLUMNS order. */
const ROWS: { [K in StreamKind]: (b: Batches[K]) => ArrayLike<number>[] } = {
  embeddings: (b) => [b.rowIds ?? Array.from({ length: b.count }, (_, k) => b.start + k)],
  scored_pairs: (p) => [p.i, p.j],
  edges: (e) => [e.src, e.dst],
  clusters: (c) => [c.node],
}

/** When the stream has its id columns: a table of ids and a decoder that fills it. */
function withIds<K extends StreamKind>(
  kind: K,
  schema: ArrowSchema,
  file: string,
  decode: (b: RecordBatch, row0: number) => Batches[K],
  memory: PendingAllowance,
  expected: { rows: number; bytes: number },
): { table: IdsByRow; decode: (b: RecordBatch, row0: number) => Batches[K] } | undefined {
  const at = ID_COLUMNS[kind].map((n) => schema.fields.findIndex((f) => f.name === n))
  if (at.some((k) => k < 0)) return undefined
  const types = at.map((k) => schema.fields[k].type.kind)
  const text = types.every((t) => t === "utf8" || t === "largeUtf8")
  if (!text && !types.every((t) => t === "int")) {
    throw new InvalidInput({ file, reason: `id columns ${ID_COLUMNS[kind].join(", ")} must be utf8 or integers` })
  }
  const table = new IdsByRow(text ? "string" : "integer", memory.reserve, memory.release, expected)
  return {
    table,
    decode: (b, row0) => {
      const batch = decode(b, row0)
      const rows = (ROWS[kind] as (x: Batches[K]) => ArrayLike<number>[])(batch)
      at.forEach((k, c) => {
        const col = b.columns[k], row = rows[c]
        if (text) {
          // the UTF-8 bytes go straight into the table: no string per value
          const offsets = utf8Offsets(col, file, row0), data = col.buffers[2]
          for (let x = 0; x < row.length; x++) table.setUtf8(row[x], data, Number(offsets[x]), Number(offsets[x + 1]))
        } else {
          const values = integers(col, file, row0)
          for (let x = 0; x < row.length; x++) table.setInteger(row[x], Number(values[x]))
        }
      })
      return batch
    },
  }
}

/** A utf8 column's values. */
function strings(c: ArrowColumn, file: string, row0: number): string[] {
  const offsets = utf8Offsets(c, file, row0), dec = new TextDecoder()
  return Array.from(
    { length: c.length },
    (_, r) => dec.decode(c.buffers[2].subarray(Number(offsets[r]), Number(offsets[r + 1]))),
  )
}

/** A utf8 column's value offsets into its data buffer (length + 1 of them). */
function utf8Offsets(c: ArrowColumn, file: string, row0: number): ArrayLike<number | bigint> {
  noNulls(c, file, row0)
  return c.field.type.kind === "largeUtf8"
    ? view(BigInt64Array, c.buffers[1], 8, c.length + 1)
    : view(Int32Array, c.buffers[1], 4, c.length + 1)
}

/** An integer column's values (any width). */
function integers(c: ArrowColumn, file: string, row0: number): ArrayLike<number | bigint> {
  noNulls(c, file, row0)
  const t = c.field.type as { bits: number; signed: boolean }
  const d = c.buffers[1]
  return t.bits === 64
    ? (t.signed ? view(BigInt64Array, d, 8, c.length) : view(BigUint64Array, d, 8, c.length))
    : t.bits === 32
    ? (t.signed ? view(Int32Array, d, 4, c.length) : view(Uint32Array, d, 4, c.length))
    : t.bits === 16
    ? (t.signed ? view(Int16Array, d, 2, c.length) : view(Uint16Array, d, 2, c.length))
    : (t.signed ? view(Int8Array, d, 1, c.length) : view(Uint8Array, d, 1, c.length))
}

type Decoder<T> = (schema: ArrowSchema, file: string, info: StreamInfo) => {
  info: StreamInfo
  decode: (b: RecordBatch, row0: number) => T
}

const DECODERS: { [K in StreamKind]: Decoder<Batches[K]> } = {
  embeddings: (schema, file, info) => {
    const vi = schema.fields.findIndex(isVectorField)
    if (vi < 0) {
      throw new InvalidInput({
        file,
        reason: `no list<float> column to read embeddings from (columns: ${describeSchema(schema)})`,
      })
    }
    const fixed = schema.fields[vi].type
    const dim = fixed.kind === "fixedSizeList" ? fixed.size : info.dim
    const ri = schema.fields.findIndex((f) => f.name === "row" && isIntField(f))
    return {
      info: { dim, rows: info.rows },
      decode: (b, row0) => {
        const vs = vectors(b.columns[vi], file, row0, dim), { values, dim: d } = vs
        directions(b, vs, file, row0)
        // row numbers matter only where they are not the running count (rows were dropped upstream)
        let rowIds: Uint32Array | undefined = ri >= 0 ? u32(b.columns[ri], file, row0) : undefined
        if (rowIds?.every((r, k) => r === row0 + k)) rowIds = undefined
        return { start: rowIds && b.length ? rowIds[0] : row0, count: b.length, dim: d, values, rowIds }
      },
    }
  },
  scored_pairs: (schema, file) => {
    const [i, j, s] = columnsNamed(schema, file, ["i", "j", "score"])
    return {
      info: {},
      decode: (b, row0) => {
        const score = f32(b.columns[s], file, row0)
        return { i: u32(b.columns[i], file, row0), j: u32(b.columns[j], file, row0), score, length: b.length }
      },
    }
  },
  edges: (schema, file) => {
    const [s, d, w] = columnsNamed(schema, file, ["src", "dst", "weight"])
    const sim = schema.fields.findIndex((f) => f.name === "similarity" && isFloat(f))
    return {
      info: {},
      decode: (b, row0) => {
        const weight = f32(b.columns[w], file, row0)
        const similarity = sim >= 0 ? f32(b.columns[sim], file, row0) : undefined
        return {
          src: u32(b.columns[s], file, row0),
          dst: u32(b.columns[d], file, row0),
          weight,
          similarity,
          length: b.length,
        }
      },
    }
  },
  clusters: (schema, file) => {
    const wanted: Array<[string, (f: ArrowField) => boolean]> = [
      ["node", isIntField],
      ["path", isTextField],
      ["level", isIntField],
      ["cluster_size", isIntField],
    ]
    const at = wanted.map(([n, ok]) => schema.fields.findIndex((f) => f.name === n && ok(f)))
    const numberAt = schema.fields.findIndex((f) => f.name === "cluster" && isIntField(f))
    if (at.some((k) => k < 0)) {
      throw new InvalidInput({
        file,
        reason: `a cluster stream needs node, path, level, cluster_size (integers; path text) (columns: ${
          describeSchema(schema)
        })`,
      })
    }
    return {
      info: {},
      // each batch carries its own table of the paths it holds
      decode: (b, row0) => {
        const [ni, pi, li, si] = at
        const paths = strings(b.columns[pi], file, row0)
        const level = integers(b.columns[li], file, row0), size = integers(b.columns[si], file, row0)
        const index = new Map<string, number>()
        const cluster = new Uint32Array(b.length)
        const numbers = numberAt >= 0 ? integers(b.columns[numberAt], file, row0) : undefined
        const table = { paths: [] as string[], level: [] as number[], size: [] as number[], number: [] as number[] }
        for (let r = 0; r < b.length; r++) {
          let k = index.get(paths[r])
          if (k === undefined) {
            index.set(paths[r], k = table.paths.length)
            table.paths.push(paths[r])
            table.level.push(Number(level[r]))
            table.size.push(Number(size[r]))
            if (numbers) table.number.push(Number(numbers[r]))
          }
          cluster[r] = k
        }
        return {
          node: u32(b.columns[ni], file, row0),
          cluster,
          length: b.length,
          clusters: {
            paths: table.paths,
            level: Int32Array.from(table.level),
            size: Uint32Array.from(table.size),
            number: numbers ? Uint32Array.from(table.number) : undefined,
          },
        }
      },
    }
  },
}

const isFloat = (f: ArrowField | undefined) => f?.type.kind === "float" && f.type.bits !== 16
const isIntField = (f: ArrowField) => f.type.kind === "int"
const isTextField = (f: ArrowField) => f.type.kind === "utf8" || f.type.kind === "largeUtf8"
/** A list of floats, half precision (HalfFloat) included: widened to float32 as it is read. */
const isVectorField = (f: ArrowField) =>
  (f.type.kind === "fixedSizeList" || f.type.kind === "list" || f.type.kind === "largeList") &&
  f.children[0]?.type.kind === "float"
/** The embeddings' vector column holds half floats. */
const halfFloats = (schema: ArrowSchema) => {
  const v = schema.fields.find(isVectorField)?.children[0].type
  return v?.kind === "float" && v.bits === 16
}

function columnsNamed(schema: ArrowSchema, file: string, names: string[]): number[] {
  return names.map((n, k) => {
    const want = k < 2 ? isIntField : (f: ArrowField) => isFloat(f)
    const at = schema.fields.findIndex((f) => f.name === n && want(f))
    if (at < 0) {
      throw new InvalidInput({
        file,
        reason: `expected columns ${names.join(", ")} (${names.slice(0, 2).join(", ")} integers, ${names[2]} float); ` +
          `the stream has ${describeSchema(schema)}`,
      })
    }
    return at
  })
}

/** Refuses nulls, naming the first null row. */
function noNulls(c: ArrowColumn, file: string, row0: number): void {
  if (c.nullCount === 0 || c.buffers[0].length === 0) return
  for (let r = 0; r < c.length; r++) {
    if (!((c.buffers[0][r >> 3] >> (r & 7)) & 1)) {
      throw new InvalidInput({ file, row: row0 + r, reason: `null in column ${c.field.name}` })
    }
  }
}

/** A typed view of a buffer, copied first when the producer did not align it. */
function view<T>(make: new (b: ArrayBuffer, o: number, n: number) => T, bytes: Uint8Array, size: number, n: number): T {
  const b = bytes.byteOffset % size === 0 ? bytes : bytes.slice()
  if (b.length < n * size) throw new Error(`a buffer of ${b.length} bytes holds fewer than ${n} values`)
  return new make(b.buffer as ArrayBuffer, b.byteOffset, n)
}

/** An integer column as row numbers (uint32): negative or larger values are bad input. */
function u32(c: ArrowColumn, file: string, row0: number): Uint32Array {
  noNulls(c, file, row0)
  const t = c.field.type as { bits: number; signed: boolean }
  if (t.bits === 32 && !t.signed) return view(Uint32Array, c.buffers[1], 4, c.length)
  const out = new Uint32Array(c.length)
  const src = integers(c, file, row0)
  for (let r = 0; r < c.length; r++) {
    const v = Number(src[r])
    if (!(v >= 0 && v <= 0xffffffff)) {
      throw new InvalidInput({ file, row: row0 + r, reason: `${c.field.name} = ${v} is not a row number` })
    }
    out[r] = v
  }
  return out
}

function f32(c: ArrowColumn, file: string, row0: number): Float32Array {
  noNulls(c, file, row0)
  const bits = (c.field.type as { bits: number }).bits
  return bits === 32
    ? view(Float32Array, c.buffers[1], 4, c.length)
    : Float32Array.from(view(Float64Array, c.buffers[1], 8, c.length))
}

/** Row-major float32 rows, every row `dim` long, from `width`-byte floats in `data`. */
interface Vectors {
  readonly values: Float32Array
  readonly dim: number
  readonly data: Uint8Array
  readonly width: number
}

/** A list column of floats as row-major float32 rows, every row `dim` long. */
function vectors(c: ArrowColumn, file: string, row0: number, dim?: number): Vectors {
  noNulls(c, file, row0)
  const child = c.children[0]
  const t = c.field.type
  let d = dim ?? 0
  let first = 0
  if (t.kind === "list" || t.kind === "largeList") {
    const offsets: ArrayLike<number | bigint> = t.kind === "list"
      ? view(Int32Array, c.buffers[1], 4, c.length + 1)
      : view(BigInt64Array, c.buffers[1], 8, c.length + 1)
    first = Number(offsets[0])
    if (dim === undefined && c.length > 0) d = Number(offsets[1]) - first
    for (let r = 0; r < c.length; r++) {
      const len = Number(offsets[r + 1]) - Number(offsets[r])
      if (len !== d) throw new InvalidInput({ file, row: row0 + r, reason: `row has ${len} values, expected ${d}` })
    }
  } else first = 0
  noNulls(child, file, row0)
  const n = c.length * d
  const bits = (child.field.type as { bits: number }).bits
  const data = child.buffers[1].subarray(first * (bits / 8))
  if (data.length < n * (bits / 8)) throw new Error(`a buffer of ${data.length} bytes holds fewer than ${n} values`)
  const values = bits === 32
    ? view(Float32Array, data, 4, n)
    : bits === 64
    ? Float32Array.from(view(Float64Array, data, 8, n))
    : new Float32Array(n)
  if (bits === 16) float16ToFloat32(data, 0, n, values, 0)
  return { values, dim: d, data, width: bits / 8 }
}

/**
 * Refuses a row with a NaN or Inf value, or all zeros: it has no cosine (and tiledCosine cannot
 * normalise it). Names the value's byte offset in the stream when it lies in the batch's body.
 */
function directions(
  b: RecordBatch,
  { values, dim, data, width }: Vectors,
  file: string,
  row0: number,
): void {
  for (let r = 0; r < b.length; r++) {
    let sq = 0
    for (let k = r * dim; k < (r + 1) * dim; k++) sq += values[k] * values[k]
    if (sq > 0 && sq < Infinity) continue
    let k = 0
    while (k < dim && Number.isFinite(values[r * dim + k])) k++
    const at = k < dim ? (r * dim + k) * width : r * dim * width
    throw new InvalidInput({
      file,
      row: row0 + r,
      offset: streamOffset(b, data, at) ?? b.at,
      reason: k < dim
        ? `value ${values[r * dim + k]} at dimension ${k} (NaN and Inf have no cosine)`
        : "zero vector (cosine undefined)",
    })
  }
}
