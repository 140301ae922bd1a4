/**
 * The Arrow IPC stream target: brook's own embeddings, edges and clusters streams (writeArrow, with their
 * brook.* metadata) and apache-arrow's streams (a list<float32> embedding column; ZSTD-compressed bodies),
 * read through readArrow as `brook tiled-cosine < FILE` and the other pipe stages read them. Fields: every
 * message's metadata length and body length, the record batch's row count, field nodes (length, null
 * count), buffers (offset, length) and body compression (codec), the schema's type fields (list size,
 * bit width, precision) and vector counts. Format-aware: brook.* metadata values rewritten, values in a
 * body (finite ones keep the stream valid), the 8-byte uncompressed-length prefix of compressed buffers,
 * bytes inside a zstd frame, and whole messages dropped, repeated or swapped.
 */
import { Effect } from "effect"
import {
  compressionRegistry,
  CompressionType,
  Field as ArrowFieldClass,
  Float32,
  Int32,
  List,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Uint32,
} from "apache-arrow"
import { collect, pipe, run } from "../../mod.ts"
import type { ClusterBatch, EdgeBatch, EmbeddingRows, StreamInfo } from "../../core/batches.ts"
import type { Source } from "../../core/operator.ts"
import { FbTable } from "../../formats/arrow/flatbuffers.ts"
import { compress, decompress } from "../../formats/brk/codec.ts"
import type { StreamKind } from "../../formats/arrow/streams.ts"
import { fileInput, readArrow } from "../../sources/read_arrow.ts"
import { writeArrow } from "../../sinks/write_arrow.ts"
import { concat, type Field, mutateBlind, type Rnd } from "./mutate.ts"
import type { Base, Mutant, Target } from "./targets.ts"

const ROWS = 40
const DIM = 8

/** Deterministic floats in [-1, 1) without zeros. */
function floats(n: number, seed: number): Float32Array {
  let s = seed
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return (s / 2 ** 32) * 2 - 1 || 0.5
  })
}

/** A source that hands out `batches` (already built) under `info`. */
function batchesSource<T>(info: StreamInfo, batches: T[]): Source<T> {
  return {
    kind: "source",
    name: "batches",
    weight: 0,
    describe: () => Effect.succeed(info),
    minimum: () => 0,
    plan: () => Effect.succeed({ bytes: 0 }),
    make: () =>
      Effect.succeed(
        new ReadableStream<T>({
          start: (c) => {
            batches.forEach((b) => c.enqueue(b))
            c.close()
          },
        }),
      ),
  }
}

/** brook's own stream of `kind`, as `brook <stage> | ...` writes it to a pipe. */
async function brookStream<T>(kind: StreamKind, info: StreamInfo, batches: T[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  await run(
    pipe(
      batchesSource(info, batches),
      writeArrow({
        write: (bytes) => (parts.push(bytes.slice()), Promise.resolve()),
        close: () => Promise.resolve(),
        abort: () => {},
      }, kind) as never,
    ),
    { memory: "64MB" },
  )
  return concat(parts)
}

function embeddingBatches(): EmbeddingRows[] {
  const values = floats(ROWS * DIM, 7)
  const cuts = [0, 16, 32, ROWS]
  return cuts.slice(1).map((b, k) => ({
    start: cuts[k],
    count: b - cuts[k],
    dim: DIM,
    values: values.slice(cuts[k] * DIM, b * DIM),
  }))
}

function edgeBatches(): EdgeBatch[] {
  return [0, 1].map((k) => {
    const n = 25
    const src = Uint32Array.from({ length: n }, (_, i) => i + 25 * k)
    return {
      src,
      dst: src.map((s) => s + 1 + (s % 7)),
      weight: floats(n, 3 + k).map((v) => 1 + Math.abs(v)),
      similarity: floats(n, 5 + k).map((v) => 0.5 + Math.abs(v) / 2),
      length: n,
    }
  })
}

function clusterBatch(): ClusterBatch {
  const n = 30
  return {
    node: Uint32Array.from({ length: n }, (_, i) => i),
    cluster: Uint32Array.from({ length: n }, (_, i) => i % 3),
    length: n,
    clusters: {
      paths: ["0", "1", "2.0"],
      level: Int32Array.from([0, 0, 1]),
      size: Uint32Array.from([10, 10, 10]),
    },
  }
}

/** apache-arrow's list<float32> embedding stream marked as brook's (rows and dim unknown: readArrow spools it). */
function foreignEmbeddings(compressed: boolean): Uint8Array {
  const type = new List(new ArrowFieldClass("item", new Float32(), false))
  const schema = new Schema([new ArrowFieldClass("vec", type, false)], new Map([["brook.stream", "embeddings"]]))
  const batches = [0, 1].map((k) => {
    const n = ROWS / 2
    const child = makeData({ type: new Float32(), length: n * DIM, data: floats(n * DIM, 11 + k) })
    const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i * DIM)
    const vectors = makeData({ type, length: n, nullCount: 0, valueOffsets: offsets, child })
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children: [vectors] }))
  })
  return ipcStream(batches, compressed)
}

/** apache-arrow's edges stream (brook's columns and metadata), its bodies ZSTD-compressed. */
function foreignEdges(): Uint8Array {
  const fields = [
    new ArrowFieldClass("src", new Uint32(), false),
    new ArrowFieldClass("dst", new Uint32(), false),
    new ArrowFieldClass("weight", new Float32(), false),
    new ArrowFieldClass("similarity", new Float32(), false),
    new ArrowFieldClass("extra", new Int32(), false),
  ]
  const schema = new Schema(fields, new Map([["brook.stream", "edges"]]))
  const batches = edgeBatches().map((e) => {
    const cols = [e.src, e.dst, e.weight, e.similarity!, Int32Array.from(e.src)]
    const children = cols.map((data, c) => makeData({ type: fields[c].type, length: e.length, data } as never))
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: e.length, children }))
  })
  return ipcStream(batches, true)
}

function ipcStream(batches: RecordBatch[], compressed: boolean): Uint8Array {
  if (compressed) {
    compressionRegistry.set(CompressionType.ZSTD, {
      encode: (b: Uint8Array) => compress(b, 3),
      decode: (b: Uint8Array) => decompress(b),
    })
  }
  const w = new RecordBatchStreamWriter(compressed ? { compressionType: CompressionType.ZSTD } : {})
  for (const b of batches) w.write(b)
  w.finish()
  return w.toUint8Array(true)
}

// ---------------------------------------------------------------- the stream's structure

/** One message: where it starts, its metadata and its body. */
interface Message {
  readonly at: number
  readonly meta: number
  readonly metaLength: number
  readonly body: number
  readonly bodyLength: number
  readonly end: number
  readonly msg: FbTable
}

function messages(bytes: Uint8Array): Message[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const out: Message[] = []
  for (let at = 0; at + 8 <= bytes.length;) {
    const len = dv.getInt32(at + 4, true)
    if (len === 0) break
    const meta = at + 8
    const msg = FbTable.root(new DataView(bytes.buffer, bytes.byteOffset + meta, len))
    const bodyLength = msg.i64(3)
    out.push({ at, meta, metaLength: len, body: meta + len, bodyLength, end: meta + len + bodyLength, msg })
    at = meta + len + bodyLength
  }
  return out
}

/** The position of field `id` of table `t` in its buffer, or undefined when absent. */
function fieldPos(t: FbTable, id: number): number | undefined {
  const vt = t.pos - t.dv.getInt32(t.pos, true)
  const size = t.dv.getUint16(vt, true)
  const o = 4 + 2 * id < size ? t.dv.getUint16(vt + 4 + 2 * id, true) : 0
  return o ? t.pos + o : undefined
}

/** The stream's numeric fields, at their places in the whole stream. */
function arrowFields(
  bytes: Uint8Array,
): { fields: Field[]; buffers: Array<{ at: number; length: number; k: number }> } {
  const fields: Field[] = []
  const buffers: Array<{ at: number; length: number; k: number }> = []
  const add = (m: Message, t: FbTable, id: number, width: 1 | 2 | 4 | 8, label: string) => {
    const p = fieldPos(t, id)
    if (p !== undefined) fields.push({ at: m.meta + p, width, label })
  }
  const vectorCount = (m: Message, t: FbTable, id: number, label: string) => {
    const v = t.vector(id, 1)
    if (v.length || v.start) fields.push({ at: m.meta + v.start - 4, width: 4, label: `${label} count` })
  }
  for (const m of messages(bytes)) {
    fields.push({ at: m.at + 4, width: 4, label: "metadata length" })
    add(m, m.msg, 1, 1, "header type")
    add(m, m.msg, 3, 8, "body length")
    const header = m.msg.table(2)
    if (!header) continue
    if (m.msg.u8(1) === 1) {
      // Schema: its fields, their types and children
      vectorCount(m, header, 1, "fields")
      const walk = (f: FbTable, depth: number): void => {
        add(m, f, 2, 1, "type type")
        const type = f.table(3)
        if (type) add(m, type, 0, f.u8(2) === 3 ? 2 : 4, "type param")
        vectorCount(m, f, 5, "children")
        if (depth < 3) f.tables(5).forEach((c) => walk(c, depth + 1))
      }
      header.tables(1).forEach((f) => walk(f, 0))
    } else if (m.msg.u8(1) === 3) {
      // RecordBatch: rows, field nodes, buffers, body compression
      add(m, header, 0, 8, "rows")
      const nodes = header.vector(1, 16), bufs = header.vector(2, 16)
      fields.push({ at: m.meta + nodes.start - 4, width: 4, label: "nodes count" })
      fields.push({ at: m.meta + bufs.start - 4, width: 4, label: "buffers count" })
      for (let k = 0; k < nodes.length; k++) {
        fields.push({ at: m.meta + nodes.start + 16 * k, width: 8, label: `node ${k} length` })
        fields.push({ at: m.meta + nodes.start + 16 * k + 8, width: 8, label: `node ${k} nulls` })
      }
      for (let k = 0; k < bufs.length; k++) {
        fields.push({ at: m.meta + bufs.start + 16 * k, width: 8, label: `buffer ${k} offset` })
        fields.push({ at: m.meta + bufs.start + 16 * k + 8, width: 8, label: `buffer ${k} length` })
        const off = Number(header.dv.getBigInt64(bufs.start + 16 * k, true))
        const len = Number(header.dv.getBigInt64(bufs.start + 16 * k + 8, true))
        if (len > 0) buffers.push({ at: m.body + off, length: len, k })
      }
      const c = header.table(3)
      if (c) add(m, c, 0, 1, "compression codec")
    }
  }
  return { fields, buffers }
}

/** Format-aware mutations of one base. */
function special(
  bytes: Uint8Array,
  compressed: boolean,
  values?: { at: number; length: number }[],
): (rnd: Rnd) => Mutant {
  const msgs = messages(bytes)
  const { buffers } = arrowFields(bytes)
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, msgs[0].end))
  return (rnd) => {
    const k = rnd.int(compressed ? 5 : 4)
    if (k === 0) {
      // whole messages: drop the end marker, drop / repeat / swap record batches, repeat the schema
      const [schema, ...rest] = msgs
      const batches = rest.map((m) => bytes.subarray(m.at, m.end))
      const last = msgs[msgs.length - 1].end
      const eos = bytes.subarray(last)
      const op = rnd.pick(["no end", "drop", "repeat", "swap", "schema twice"] as const)
      const head = bytes.subarray(0, schema.end)
      const pick = () => rnd.int(Math.max(1, batches.length))
      let body = batches.slice()
      if (op === "drop" && body.length) body.splice(pick(), 1)
      if (op === "repeat" && body.length) body.splice(pick(), 0, body[pick()])
      if (op === "swap" && body.length > 1) body = [body[body.length - 1], ...body.slice(1, -1), body[0]]
      if (op === "schema twice") body = [head, ...body]
      return { bytes: concat([head, ...body, op === "no end" ? new Uint8Array(0) : eos]), kind: `messages ${op}` }
    }
    if (k === 1) {
      // a brook.* metadata value rewritten in place (digits for digits, or a word)
      const keys = [...text.matchAll(/brook\.(rows|dim|threshold|stream|id_type)/g)]
      if (!keys.length) return { ...mutateBlind(bytes, rnd, [0, msgs[0].end]), kind: "schema blind" }
      const key = rnd.pick(keys)
      // the value is the next string in the metadata table: find its digits or letters after the key
      const after = text.indexOf("\0", key.index!) + 1
      const m = /[0-9a-z_.]+/.exec(text.slice(after, after + 64))
      if (!m) return { ...mutateBlind(bytes, rnd, [0, msgs[0].end]), kind: "schema blind" }
      const at = after + m.index
      const out = bytes.slice()
      const put = rnd.pick(["0", "9", "x", "-", " ", "e"]).repeat(m[0].length)
      out.set(new TextEncoder().encode(put.slice(0, m[0].length)), at)
      return { bytes: out, kind: `metadata ${key[0]}=${put}` }
    }
    if (k === 2 && values?.length) {
      // a float in the values buffer: a finite non-zero value keeps the stream valid
      const b = rnd.pick(values)
      const out = bytes.slice()
      const at = b.at + 4 * rnd.int(b.length >> 2)
      const valid = rnd.chance(0.6)
      const v = valid ? rnd.pick([0.25, -3, 1e30, -1e-30, 7]) : rnd.pick([NaN, Infinity, -Infinity, 0])
      new DataView(out.buffer).setFloat32(at, v, true)
      return { bytes: out, kind: `value@${at}=${v}`, valid }
    }
    if (k === 3 || !buffers.length) {
      return { ...mutateBlind(bytes, rnd, [msgs[0].end, bytes.length]), kind: "body blind" }
    }
    const b = rnd.pick(buffers)
    if (k === 4 && rnd.chance(0.5)) {
      // the uncompressed length in front of a compressed buffer
      const out = bytes.slice()
      const v = rnd.pick([-1, 0, 1, 7, b.length, 2 ** 31, 2 ** 40, -2, 16 * b.length])
      new DataView(out.buffer).setBigInt64(b.at, BigInt(v), true)
      return { bytes: out, kind: `buffer prefix@${b.at}=${v}` }
    }
    // bytes inside one buffer (a zstd frame when compressed)
    const m = mutateBlind(bytes, rnd, [b.at + (compressed ? 8 : 0), b.at + b.length])
    return { ...m, kind: `buffer@${b.at} ${m.kind}` }
  }
}

function base(name: string, bytes: Uint8Array, compressed: boolean, valuesBuffer?: number): Base {
  const { fields, buffers } = arrowFields(bytes)
  const values = valuesBuffer === undefined ? undefined : buffers.filter((b) => b.k === valuesBuffer)
  return { name, bytes, fields, special: special(bytes, compressed, values) }
}

export const arrow: Target = {
  name: "arrow",
  ext: "arrows",
  async build() {
    const emb = await brookStream("embeddings", { rows: ROWS, dim: DIM, file: "mem" }, embeddingBatches())
    const edg = await brookStream("edges", { threshold: 0.5 }, edgeBatches())
    const clu = await brookStream("clusters", {}, [clusterBatch()])
    return [
      // brook's embedding batch: embedding validity, item validity, item values, row validity, rows
      base("brook embeddings", emb, false, 2),
      base("brook edges", edg, false),
      base("brook clusters", clu, false),
      base("apache-arrow list<float32>", foreignEmbeddings(false), false),
      base("apache-arrow list<float32> zstd", foreignEmbeddings(true), true),
      base("apache-arrow edges zstd", foreignEdges(), true),
    ]
  },
  async read(file, signal) {
    const got = { batches: [] as Array<{ count?: number; length?: number }> }
    const r = await run(pipe(readArrow(fileInput(file), "any"), collect(got)), { memory: "64MB", signal })
    const rows = got.batches.reduce((n, b) => n + (b.count ?? b.length ?? 0), 0)
    return { shape: `${r.info.stream} ${rows} rows` }
  },
}
