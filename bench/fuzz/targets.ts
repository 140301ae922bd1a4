/**
 * The fuzzed readers: for each, a small valid input made here with brook's own writers (or a library
 * writer), the numeric fields its format keeps lengths, counts and offsets in, format-aware mutations,
 * and a read through the reader's public entry point that ends in a short summary of what was read.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { parquetMetadata } from "hyparquet"
import { parquetWriteBuffer } from "hyparquet-writer"
import { collect, pipe, run } from "../../mod.ts"
import type { EdgeBatch, EmbeddingRows, FastaEvent, MeshChunk } from "../../core/batches.ts"
import { crc32 } from "../../core/bytes.ts"
import { readEmbeddings } from "../../sources/read_embeddings/read_embeddings.ts"
import { readEdges } from "../../sources/read_edges.ts"
import { readFasta } from "../../sources/read_fasta.ts"
import { exodusChunks } from "../../sources/exodus_chunks.ts"
import { writeExodus } from "../../sinks/exodus_copy.ts"
import { writeArchive } from "../../sinks/brk_archive.ts"
import { segment } from "../../operators/segment_pack/segment.ts"
import { segmentPack } from "../../operators/segment_pack/segment_pack.ts"
import { Archive } from "../../formats/brk/archive.ts"
import { compress, decompress } from "../../formats/brk/codec.ts"
import {
  type Catalog,
  CATALOG_FRAME,
  FOOTER_BYTES,
  MAGIC,
  readCatalog,
  readFooter,
  writeCatalog,
  writeFooter,
  writeFrame,
} from "../../formats/brk/format.ts"
import { concat, type Field, INTERESTING, mutateBlind, mutateField, newValue, type Rnd } from "./mutate.ts"
import { arrow } from "./arrow_target.ts"
import { hdf5 } from "./hdf5_target.ts"

export const MEMORY = "64MB"

export interface Mutant {
  readonly bytes: Uint8Array
  readonly kind: string
  /** The mutation keeps the input valid: the read must succeed with the base's shape. */
  readonly valid?: boolean
}

export interface Base {
  readonly name: string
  readonly bytes: Uint8Array
  readonly fields: readonly Field[]
  /** Format-aware mutations beyond field rewrites; undefined when there are none. */
  readonly special?: (rnd: Rnd) => Mutant
}

export interface Target {
  readonly name: string
  readonly ext: string
  /** Valid inputs (written under `dir`). */
  build(dir: string): Promise<Base[]>
  /** Reads `file` through the reader; returns a summary whose `shape` must survive value-only mutations. */
  read(file: string, signal: AbortSignal): Promise<{ shape: string; detail?: string }>
}

/** One mutant of one of the bases: fields, format-aware, blind (weights 3 : 3 : 4). */
export function mutant(bases: readonly Base[], rnd: Rnd): Mutant & { base: string } {
  const b = rnd.pick(bases)
  const r = rnd.next()
  let m: Mutant
  if (r < 0.3 && b.fields.length) m = mutateField(b.bytes, b.fields, rnd)
  else if (r < 0.6 && b.special) m = b.special(rnd)
  else m = mutateBlind(b.bytes, rnd)
  // sometimes two mutations at once
  if (!m.valid && rnd.chance(0.1)) m = { ...mutateBlind(m.bytes, rnd), kind: `${m.kind} + blind` }
  return { ...m, base: b.name }
}

const opts = (signal: AbortSignal) => ({ memory: MEMORY, signal })

/** Deterministic floats in [-1, 1) without zeros. */
function floats(n: number, seed: number): Float32Array {
  let s = seed
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return (s / 2 ** 32) * 2 - 1 || 0.5
  })
}

// ---------------------------------------------------------------- npy

function npyBytes(rows: number, dim: number, descr = "<f4", version = 1): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`
  return npyWith(
    dict,
    descr === "<f8"
      ? new Uint8Array(new Float64Array(floats(rows * dim, 5)).buffer)
      : new Uint8Array(floats(rows * dim, 5).buffer),
    version,
  )
}

function npyWith(dict: string, body: Uint8Array, version = 1, headerLen?: number): Uint8Array {
  const pre = version === 1 ? 10 : 12
  let text = dict
  while ((pre + text.length + 1) % 64) text += " "
  text += "\n"
  const head = new Uint8Array(pre + text.length)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
  const dv = new DataView(head.buffer)
  if (version === 1) dv.setUint16(8, headerLen ?? text.length, true)
  else dv.setUint32(8, headerLen ?? text.length, true)
  head.set(new TextEncoder().encode(text), pre)
  return concat([head, body])
}

export const npy: Target = {
  name: "npy",
  ext: "npy",
  build() {
    const make = (name: string, rows: number, dim: number, descr: string, version: number): Base => {
      const bytes = npyBytes(rows, dim, descr, version)
      const pre = version === 1 ? 10 : 12
      const dataStart = pre +
        (version === 1 ? new DataView(bytes.buffer).getUint16(8, true) : new DataView(bytes.buffer).getUint32(8, true))
      const item = descr === "<f8" ? 8 : 4
      const body = bytes.subarray(dataStart)
      return {
        name,
        bytes,
        fields: [{ at: 8, width: version === 1 ? 2 : 4, label: "header length" }, {
          at: 6,
          width: 1,
          label: "version",
        }],
        special: (rnd) => {
          const k = rnd.int(4)
          if (k === 0) {
            // a value in the body: another finite non-zero value keeps the file valid
            const out = bytes.slice()
            const dv = new DataView(out.buffer)
            const at = dataStart + item * rnd.int(rows * dim)
            const valid = rnd.chance(0.6)
            const v = valid ? rnd.pick([0.25, -3, 1e30, -1e-30, 7]) : rnd.pick([NaN, Infinity, -Infinity, 0])
            if (item === 4) dv.setFloat32(at, v, true)
            else dv.setFloat64(at, v, true)
            // a zero value alone still leaves a non-zero row unless the row was all that value
            return { bytes: out, kind: `value@${at}=${v}`, valid }
          }
          // the header dictionary rewritten: shape values, dtype, order, the length field
          const num = () =>
            String(
              rnd.chance(0.7)
                ? newValue(rnd.pick([rows, dim]), rnd)
                : rnd.pick(["1e3", "0x10", "", "-0", "2.5", "9".repeat(25), "None"]),
            )
          const shape = rnd.pick([
            `(${num()}, ${dim})`,
            `(${rows}, ${num()})`,
            `(${num()}, ${num()})`,
            `(${num()},)`,
            "()",
            `(${rows}, ${dim}, ${num()})`,
            `(${rows} ${dim})`,
            `[${rows}, ${dim}]`,
            `(${rows}, ${dim}`,
          ])
          const d = rnd.chance(0.7)
            ? descr
            : rnd.pick(["<f8", "<f4", ">f4", "<i4", "|u1", "<f2", "<c8", "O", "<f16", ""])
          const order = rnd.chance(0.85) ? "False" : rnd.pick(["True", "0", "false"])
          let dict = `{'descr': '${d}', 'fortran_order': ${order}, 'shape': ${shape}, }`
          if (rnd.chance(0.15)) {
            dict = rnd.pick([
              dict.replace("'descr'", "'desc'"),
              dict.replace("{", ""),
              dict + "}",
              dict.replace(/'/g, '"'),
              dict.replace(/, }$/, ""),
            ])
          }
          const len = rnd.chance(0.2) ? newValue(dict.length, rnd) & (version === 1 ? 0xffff : 0xffffffff) : undefined
          const b = rnd.chance(0.2) ? body.subarray(0, rnd.int(body.length)) : body
          return {
            bytes: npyWith(dict, b, version, len),
            kind: `header ${dict}${len !== undefined ? ` len ${len}` : ""}`,
          }
        },
      }
    }
    return Promise.resolve([
      make("f4 v1", 40, 8, "<f4", 1),
      make("f8 v2", 24, 6, "<f8", 2),
      make("f4 v3 one row", 1, 16, "<f4", 3),
    ])
  },
  async read(file, signal) {
    const got = { batches: [] as EmbeddingRows[] }
    await run(pipe(readEmbeddings(file), collect(got)), opts(signal))
    const rows = got.batches.reduce((n, b) => n + b.count, 0)
    return { shape: `${rows} rows x ${got.batches[0]?.dim ?? 0}` }
  },
}

// ---------------------------------------------------------------- Parquet

interface ThriftInt {
  at: number
  length: number
  id: number
  depth: number
  value: number
}

function varint(b: Uint8Array, pos: number): [number, number] {
  let v = 0, mul = 1
  for (let i = 0; i < 10; i++) {
    const x = b[pos++]
    if (x === undefined) throw new RangeError("varint past end")
    v += (x & 0x7f) * mul
    mul *= 128
    if (!(x & 0x80)) break
  }
  return [v, pos]
}

/** Walks a Thrift compact struct at `pos`, recording every integer field; returns the end. */
export function thriftWalk(b: Uint8Array, pos: number, out: ThriftInt[], depth = 0): number {
  let last = 0
  for (;;) {
    const h = b[pos++]
    if (h === undefined) throw new RangeError("struct past end")
    if (h === 0) return pos
    const type = h & 0x0f, delta = h >> 4
    if (delta === 0) {
      const [v, p] = varint(b, pos)
      pos = p
      last = v % 2 ? -(v + 1) / 2 : v / 2
    } else last += delta
    pos = thriftValue(b, pos, type, out, last, depth)
  }
}

function thriftValue(b: Uint8Array, pos: number, type: number, out: ThriftInt[], id: number, depth: number): number {
  switch (type) {
    case 1:
    case 2:
      return pos
    case 3:
      return pos + 1
    case 4:
    case 5:
    case 6: {
      const [v, p] = varint(b, pos)
      out.push({ at: pos, length: p - pos, id, depth, value: v % 2 ? -(v + 1) / 2 : v / 2 })
      return p
    }
    case 7:
      return pos + 8
    case 8: {
      const [n, p] = varint(b, pos)
      return p + n
    }
    case 9:
    case 10: {
      const h = b[pos++]
      let size = h >> 4
      const et = h & 0x0f
      if (size === 15) [size, pos] = varint(b, pos)
      for (let i = 0; i < size; i++) pos = et === 1 || et === 2 ? pos + 1 : thriftValue(b, pos, et, out, id, depth + 1)
      return pos
    }
    case 12:
      return thriftWalk(b, pos, out, depth + 1)
    default:
      throw new RangeError(`thrift type ${type}`)
  }
}

function parquetBase(name: string, rows: number, dim: number, options: Record<string, unknown>): Base {
  const schema = [
    { name: "root", num_children: 2 },
    { name: "id", type: "INT32", repetition_type: "REQUIRED" },
    { name: "embedding", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", type: "FLOAT", repetition_type: "OPTIONAL" },
  ]
  const values = floats(rows * dim, 3)
  // "repeat": few distinct rows, so the writer dictionary-encodes them
  const row = (i: number) => (options.repeat ? i % 3 : i)
  const vectors = Array.from({ length: rows }, (_, i) => Array.from(values.subarray(row(i) * dim, (row(i) + 1) * dim)))
  const buf = parquetWriteBuffer({
    schema: schema as never,
    columnData: [{ name: "id", data: Array.from({ length: rows }, (_, i) => i) }, {
      name: "embedding",
      data: vectors,
      ...(options.bss ? { encoding: "BYTE_STREAM_SPLIT" } : {}),
    }],
    ...options,
  } as never)
  return parquetFields(name, new Uint8Array(buf))
}

/** A Parquet file's page headers and footer as fields (their Thrift integers), and blind changes page by page. */
export function parquetFields(name: string, bytes: Uint8Array): Base {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer
  const fields: Field[] = []
  const pageBodies: Array<[number, number]> = []
  const meta = parquetMetadata(buf)
  for (const rg of meta.row_groups) {
    for (const col of rg.columns) {
      const m = col.meta_data!
      const start = Number(m.dictionary_page_offset ?? m.data_page_offset)
      const end = start + Number(m.total_compressed_size)
      for (let pos = start; pos < end;) {
        const ints: ThriftInt[] = []
        const bodyAt = thriftWalk(bytes, pos, ints)
        for (const t of ints) {
          fields.push({
            at: t.at,
            width: 4,
            varint: { length: t.length, zigzag: true },
            label: `page header field ${t.id}`,
          })
        }
        const size = ints.find((t) => t.depth === 0 && t.id === 3)!.value
        pageBodies.push([bodyAt, bodyAt + size])
        pos = bodyAt + size
      }
    }
  }
  const footerLen = new DataView(bytes.buffer).getUint32(bytes.length - 8, true)
  const ints: ThriftInt[] = []
  thriftWalk(bytes, bytes.length - 8 - footerLen, ints)
  for (const t of ints) {
    fields.push({ at: t.at, width: 4, varint: { length: t.length, zigzag: true }, label: `footer field ${t.id}` })
  }
  fields.push({ at: bytes.length - 8, width: 4, label: "footer length" })
  return {
    name,
    bytes,
    fields,
    // blind changes inside one page (header or body)
    special: (rnd) => {
      const [a, b] = rnd.pick(pageBodies)
      const m = mutateBlind(bytes, rnd, rnd.chance(0.5) ? [a, b] : [Math.max(0, a - 24), a])
      return { bytes: m.bytes, kind: `page ${m.kind}` }
    },
  }
}

export const parquet: Target = {
  name: "parquet",
  ext: "parquet",
  build: () =>
    Promise.resolve([
      parquetBase("snappy pages", 30, 6, { rowGroupSize: 10, pageSize: 64 }),
      parquetBase("uncompressed", 20, 4, { rowGroupSize: 20, codec: "UNCOMPRESSED", bss: true }),
      parquetBase("dictionary", 24, 4, { rowGroupSize: 12, repeat: true }),
      parquetBase("gzip pages", 12, 5, {
        rowGroupSize: 6,
        pageSize: 32,
        codec: "GZIP",
        compressors: { GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)) },
      }),
    ]),
  async read(file, signal) {
    const got = { batches: [] as EmbeddingRows[] }
    await run(pipe(readEmbeddings(file), collect(got)), opts(signal))
    const rows = got.batches.reduce((n, b) => n + b.count, 0)
    return { shape: `${rows} rows x ${got.batches[0]?.dim ?? 0}` }
  },
}

// ---------------------------------------------------------------- NetCDF classic (Exodus)

/** The numeric fields of a classic (CDF-1/2/5) header: counts, name lengths, dimension lengths, types, sizes, begins. */
export function classicFields(b: Uint8Array): Field[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.length)
  const version = b[3]
  const w: 4 | 8 = version === 5 ? 8 : 4
  const out: Field[] = []
  let pos = 4
  const num = (label: string, width: 4 | 8 = w) => {
    out.push({ at: pos, width, bigEndian: true, label })
    const v = width === 8 ? Number(dv.getBigInt64(pos)) : dv.getInt32(pos)
    pos += width
    return v
  }
  const name = () => {
    const n = num("name length")
    pos += Math.ceil(n / 4) * 4
  }
  const size: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 1, 8: 2, 9: 4, 10: 8, 11: 8 }
  const attrs = () => {
    num("attr list tag", 4)
    for (let n = num("attr count"); n > 0; n--) {
      name()
      const t = num("attr type", 4)
      const k = num("attr length")
      pos += Math.ceil((k * (size[t] ?? 1)) / 4) * 4
    }
  }
  num("numrecs")
  num("dim list tag", 4)
  for (let n = num("dim count"); n > 0; n--) name(), num("dim length")
  attrs()
  num("var list tag", 4)
  for (let n = num("var count"); n > 0; n--) {
    name()
    for (let d = num("ndims"); d > 0; d--) num("dim id")
    attrs()
    num("var type", 4)
    num("vsize", 4)
    num("begin", version === 1 ? 4 : 8)
  }
  return out
}

export const exodus: Target = {
  name: "exodus",
  ext: "exo",
  async build(dir) {
    const shared = new URL("../../../shared/data/exodus", import.meta.url).pathname
    const out: Base[] = []
    for (const f of ["cube.g", "two-block.g"]) {
      const src = path.join(shared, f)
      if (!fs.existsSync(src)) continue
      // the base: the shared file rewritten by brook's own classic writer (writeExodus)
      const copy = path.join(dir, `${f}.copy.exo`)
      await run(pipe(exodusChunks({ file: src, parts: ["static", "variables"] }), writeExodus(copy)))
      const bytes = new Uint8Array(fs.readFileSync(copy))
      const fields = classicFields(bytes)
      const headerEnd = Math.max(...fields.map((x) => x.at + x.width))
      out.push({
        name: f,
        bytes,
        fields,
        special: (rnd) => {
          // blind changes in the header only, or in the data only
          const m = mutateBlind(bytes, rnd, rnd.chance(0.6) ? [0, headerEnd] : [headerEnd, bytes.length])
          return { bytes: m.bytes, kind: `region ${m.kind}` }
        },
      })
    }
    if (!out.length) throw new Error(`no Exodus files in ${shared}`)
    return out
  },
  async read(file, signal) {
    const got = { batches: [] as MeshChunk[] }
    await run(
      pipe(exodusChunks({ file, parts: ["static", "variables"], chunkBytes: 4096 }), collect(got)),
      opts(signal),
    )
    return { shape: `${got.batches.length} chunks` }
  },
}

// ---------------------------------------------------------------- FASTA / gzip

function bases(n: number, seed: number): string {
  let s = seed, out = ""
  for (let i = 0; i < n; i++) s = (Math.imul(s, 1103515245) + 12345) >>> 0, out += "ACGT"[s >>> 30]
  return out
}

function fastaText(contigs: Array<[string, string]>, width = 60): string {
  return contigs.map(([name, s]) => `>${name}\n${s.replace(new RegExp(`(.{${width}})`, "g"), "$1\n")}\n`).join("")
    .replace(/\n\n/g, "\n")
}

async function gzip(b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(new Blob([b as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  )
}

export const fasta: Target = {
  name: "fasta",
  ext: "fa",
  async build() {
    const text = fastaText([["chr1 first", bases(900, 1)], ["chr2", bases(300, 2)], ["x", "ACGTNNNNRYKM"]])
    const plain = new TextEncoder().encode(text)
    const gz = await gzip(plain)
    const twoMembers = concat([await gzip(plain.subarray(0, 500)), await gzip(plain.subarray(500))])
    const seqAt: number[] = []
    for (let i = 0; i < plain.length; i++) {
      if ("ACGT".includes(text[i]) && !text.slice(text.lastIndexOf("\n", i), i).includes(">")) seqAt.push(i)
    }
    const gzFields = (b: Uint8Array): Field[] => [
      { at: 3, width: 1, label: "gzip flags" },
      { at: 8, width: 1, label: "gzip xfl" },
      { at: b.length - 8, width: 4, label: "gzip crc" },
      { at: b.length - 4, width: 4, label: "gzip isize" },
    ]
    const gzSpecial = (b: Uint8Array) => (rnd: Rnd): Mutant => {
      const k = rnd.int(3)
      if (k === 0) {
        // FEXTRA / FNAME / FCOMMENT / FHCRC with fields of arbitrary lengths after the fixed header
        const flags = 1 << rnd.int(5)
        const extra = flags === 4
          ? concat([
            Uint8Array.of(...[rnd.pick(INTERESTING), 0].map((x) => x & 0xff)),
            Uint8Array.from({ length: rnd.int(20) }, () => rnd.int(256)),
          ])
          : Uint8Array.from({ length: rnd.int(30) }, () => (rnd.chance(0.8) ? 65 + rnd.int(26) : 0))
        const head = b.slice(0, 10)
        head[3] = flags
        return { bytes: concat([head, extra, b.subarray(10)]), kind: `gzip flags ${flags} + ${extra.length} bytes` }
      }
      const m = mutateBlind(b, rnd, k === 1 ? [10, b.length - 8] : [b.length - 8, b.length])
      return { bytes: m.bytes, kind: `${k === 1 ? "deflate" : "trailer"} ${m.kind}` }
    }
    return [
      {
        name: "plain",
        bytes: plain,
        fields: [],
        special: (rnd) => {
          if (rnd.chance(0.4)) {
            // a base changed to another base: still valid, the same contigs and lengths
            const out = plain.slice()
            const at = rnd.pick(seqAt)
            out[at] = "ACGTacgtN".charCodeAt(rnd.int(9))
            return { bytes: out, kind: `base@${at}`, valid: true }
          }
          const out = plain.slice()
          const at = rnd.int(out.length)
          out[at] = rnd.pick([">", "\n", "\r", " ", "\0", "\xff", ";", "-", "*", "\t"]).charCodeAt(0)
          return { bytes: out, kind: `char@${at}` }
        },
      },
      { name: "gzip", bytes: gz, fields: gzFields(gz), special: gzSpecial(gz) },
      { name: "gzip 2 members", bytes: twoMembers, fields: gzFields(twoMembers), special: gzSpecial(twoMembers) },
    ]
  },
  async read(file, signal) {
    const got = { batches: [] as FastaEvent[] }
    await run(pipe(readFasta([file]), collect(got)), opts(signal))
    let contigs = 0, seq = 0
    for (const e of got.batches) {
      if (e.kind === "contig") contigs++
      else if (e.kind === "seq") seq += e.bytes.length
    }
    return { shape: `${contigs} contigs, ${seq} bases` }
  },
}

// ---------------------------------------------------------------- edge TSV

export const edges: Target = {
  name: "edges",
  ext: "tsv",
  build() {
    const lines: string[] = ["# src dst weight"]
    for (let i = 0; i < 300; i++) lines.push(`${i % 57}\t${(i * 7 + 3) % 61}\t${((i % 9) + 1) / 10}`)
    const numeric = lines.join("\n") + "\n"
    const named = numeric.replace(/^(\d+)\t/gm, "n$1\t").replace(/^# .*\n/, "")
    const make = (name: string, text: string): Base => {
      const bytes = new TextEncoder().encode(text)
      const tokens: Array<[number, number, number]> = [] // start, end, column
      for (const m of text.matchAll(/^([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)$/gm)) {
        if (m[0].startsWith("#")) continue
        let at = m.index!
        for (let c = 1; c <= 3; c++) tokens.push([at, at + m[c].length, c]), at += m[c].length + 1
      }
      return {
        name,
        bytes,
        fields: [],
        special: (rnd) => {
          const [a, b, col] = rnd.pick(tokens)
          const valid = col === 3 && rnd.chance(0.4)
          const v = valid ? rnd.pick(["0.75", "2", "1e-3", "123.5", "0.0001"]) : rnd.pick([
            "",
            "-1",
            "4294967295",
            "4294967294",
            "4294967296",
            "1e309",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "0x10",
            "1.5",
            "abc",
            "9".repeat(40),
            "\t",
            "\t\t",
            "#",
            "\r",
            "é",
            "0",
            "-0",
            "1 2 3 4 5",
            "\n",
            "\n\n",
            " ",
            "+5",
            "1e5",
            "00012",
            "\0",
          ])
          const enc = new TextEncoder().encode(v)
          return {
            bytes: concat([bytes.subarray(0, a), enc, bytes.subarray(b)]),
            kind: `token@${a}=${JSON.stringify(v)}`,
            valid,
          }
        },
      }
    }
    // the Parquet edge list `brook edges` writes: src, dst, weight
    const n = 120
    const pq = new Uint8Array(parquetWriteBuffer({
      columnData: [
        {
          name: "src",
          data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 37)),
          type: "INT64",
          nullable: false,
        },
        {
          name: "dst",
          data: BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 5 + 1) % 41)),
          type: "INT64",
          nullable: false,
        },
        {
          name: "weight",
          data: Float32Array.from({ length: n }, (_, i) => 1 + (i % 7)),
          type: "FLOAT",
          nullable: false,
        },
      ],
      rowGroupSize: 50,
      pageSize: 128,
    } as never))
    return Promise.resolve([
      make("numeric", numeric),
      make("named", named),
      make("crlf", numeric.replace(/\n/g, "\r\n")),
      parquetFields("parquet", pq),
    ])
  },
  async read(file, signal) {
    const got = { batches: [] as EdgeBatch[] }
    await run(pipe(readEdges(file), collect(got)), opts(signal))
    return { shape: `${got.batches.reduce((n, b) => n + b.length, 0)} edges` }
  },
}

// ---------------------------------------------------------------- .brk archive

interface BrkParts {
  catalog: Catalog
  packs: Uint8Array[]
}

export function brkParts(bytes: Uint8Array): BrkParts {
  const f = readFooter(bytes.subarray(bytes.length - FOOTER_BYTES), crc32)
  if (typeof f === "string") throw new Error(f)
  const catalog = readCatalog(decompress(bytes.subarray(f.catalogOffset, f.catalogOffset + f.catalogLength)))
  return { catalog, packs: catalog.packs.map((p) => bytes.slice(p.offset, p.offset + p.length)) }
}

/** An archive laid out again from a catalog and raw packs, offsets, lengths and checksums recomputed. */
export function brkBuild({ catalog, packs }: BrkParts, fix = true): Uint8Array {
  const parts: Uint8Array[] = [MAGIC]
  let at = MAGIC.length
  const entries = catalog.packs.map((p, k) => {
    const raw = packs[k] ?? new Uint8Array(0)
    parts.push(writeFrame(p.id >>> 0, raw.length), raw)
    const e = fix ? { ...p, offset: at + 8, length: raw.length, crc: crc32(raw) } : p
    at += 8 + raw.length
    return e
  })
  const body = compress(writeCatalog({ ...catalog, packs: entries }), 3)
  parts.push(writeFrame(CATALOG_FRAME, body.length), body)
  const catalogOffset = at + 8
  parts.push(writeFooter({ catalogOffset, catalogLength: body.length, catalogCrc: crc32(body), previous: 0 }, crc32))
  return concat(parts)
}

/** Every numeric leaf of a catalog, as a setter. */
function numericLeaves(
  o: unknown,
  out: Array<{ path: string; get: () => number; set: (v: number) => void; big: boolean }>,
  p = "",
): void {
  if (Array.isArray(o)) {
    o.forEach((x, i) => {
      if (typeof x === "number" || typeof x === "bigint") {
        out.push({
          path: `${p}[${i}]`,
          get: () => Number(o[i]),
          set: (v) => (o[i] = typeof x === "bigint" ? BigInt.asUintN(64, BigInt(Math.trunc(v))) : v),
          big: typeof x === "bigint",
        })
      } else numericLeaves(x, out, `${p}[${i}]`)
    })
  } else if (o && typeof o === "object") {
    const r = o as Record<string, unknown>
    for (const k of Object.keys(r)) {
      const x = r[k]
      if (typeof x === "number" || typeof x === "bigint") {
        out.push({
          path: `${p}.${k}`,
          get: () => Number(r[k]),
          set: (v) => (r[k] = typeof x === "bigint" ? BigInt.asUintN(64, BigInt(Math.trunc(v))) : v),
          big: typeof x === "bigint",
        })
      } else if (typeof x === "boolean") {
        out.push({ path: `${p}.${k}`, get: () => Number(r[k]), set: (v) => (r[k] = !!(v & 1)), big: false })
      } else numericLeaves(x, out, `${p}.${k}`)
    }
  }
}

export const brk: Target = {
  name: "brk",
  ext: "brk",
  async build(dir) {
    const ref = fastaText([["ref#1", bases(5000, 11)], ["ref#2", bases(2500, 12)]])
    const s1 = bases(5000, 11).split("")
    for (let i = 50; i < s1.length; i += 173) s1[i] = "ACGT"[(i >> 3) & 3]
    const sample = fastaText([["s#1", s1.join("").slice(0, 3000) + bases(40, 13) + s1.join("").slice(3100)], [
      "s#2",
      bases(2500, 12),
    ]])
    const files = [path.join(dir, "ref.fa"), path.join(dir, "s.fa")]
    fs.writeFileSync(files[0], ref)
    fs.writeFileSync(files[1], sample)
    const out = path.join(dir, "base.brk")
    await run(
      pipe(
        readFasta(files),
        segment({ reference: files[0], k: 21, segmentSize: 400 }),
        segmentPack(),
        writeArchive(out),
      ),
      { memory: "256MB" },
    )
    const bytes = new Uint8Array(fs.readFileSync(out))
    const fields: Field[] = []
    const foot = bytes.length - FOOTER_BYTES
    for (const [o, label] of [[8, "catalog offset"], [16, "catalog length"], [28, "previous footer"]] as const) {
      fields.push({ at: foot + o, width: 8, label })
    }
    const parts0 = brkParts(bytes)
    for (const p of parts0.catalog.packs) {
      fields.push({ at: p.offset - 8, width: 4, label: `frame id ${p.id}` }, {
        at: p.offset - 4,
        width: 4,
        label: `frame length ${p.id}`,
      })
    }
    return [{
      name: "pack pipeline",
      bytes,
      fields,
      special: (rnd) => {
        const parts = brkParts(bytes)
        const k = rnd.int(5)
        if (k <= 1) {
          // a catalog number (counts, offsets, lengths, ids, group ids, ordinals, skips), checksums redone
          const leaves: Parameters<typeof numericLeaves>[1] = []
          numericLeaves(parts.catalog, leaves)
          const leaf = rnd.pick(leaves)
          const v = Math.max(0, newValue(leaf.get(), rnd))
          leaf.set(v)
          return {
            bytes: brkBuild(parts, !/^\.packs\[\d+\]\.(offset|length|crc)$/.test(leaf.path)),
            kind: `catalog ${leaf.path}=${v}`,
          }
        }
        if (k === 2) {
          // catalog lists cut or repeated
          const c = parts.catalog as {
            groups: unknown[]
            packs: unknown[]
            samples: Array<{ contigs: Array<{ segments: unknown[] }> }>
          }
          const list = rnd.pick([
            c.groups,
            c.packs,
            c.samples,
            c.samples[0].contigs,
            c.samples[rnd.int(c.samples.length)].contigs[0].segments,
          ])
          if (rnd.chance(0.5)) list.splice(rnd.int(list.length), 1)
          else list.splice(rnd.int(list.length), 0, structuredClone(list[rnd.int(list.length)]))
          return { bytes: brkBuild({ catalog: c as unknown as Catalog, packs: parts.packs }), kind: "catalog list" }
        }
        // a pack's contents (reference or deltas) changed blindly, recompressed, checksums redone
        const id = rnd.int(parts.packs.length)
        const m = mutateBlind(decompress(parts.packs[id]), rnd)
        parts.packs[id] = compress(m.bytes, 3)
        return { bytes: brkBuild(parts), kind: `pack ${id} ${m.kind}` }
      },
    }]
  },
  read(file) {
    const a = Archive.open(file)
    try {
      let n = 0
      for (const s of a.samples) a.restoreSample(s, (b) => void (n += b.length))
      return Promise.resolve({ shape: `${a.samples.length} samples, ${n} bytes` })
    } finally {
      a.close()
    }
  },
}

export const TARGETS: Record<string, Target> = { npy, parquet, exodus, fasta, edges, brk, arrow, hdf5 }
