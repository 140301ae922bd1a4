/**
 * The NetCDF classic header (CDF-1 classic, CDF-2 64-bit offset, CDF-5 64-bit data), parsed from the
 * format specification with positioned reads through a ByteSource: the header is read in small windows,
 * never the file, and every count and size is checked against the bytes the file has before anything is
 * allocated for it. Any inconsistency is an InvalidInput naming the byte offset.
 */
import { FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import type { ByteSource } from "../../core/byte_source.ts"
import { NC_TYPES, type NcType, TYPE_SIZE } from "./types.ts"

export interface NcDim {
  readonly name: string
  readonly length: number
  readonly unlimited: boolean
}

export interface NcAttr {
  readonly name: string
  readonly type: NcType
  /** Text for char attributes, numbers (bigints for 64-bit integers) otherwise. */
  readonly value: string | number[] | bigint[]
}

export interface NcVar {
  readonly name: string
  readonly dimIds: number[]
  /** Dimension lengths; the record dimension counts 1 (one record). */
  readonly shape: number[]
  readonly type: NcType
  readonly attrs: NcAttr[]
  /** A record variable: dimension 0 is the unlimited one, one slab per record. */
  readonly record: boolean
  /** Values in the whole variable (non-record) or in one record's slab. */
  readonly count: number
  /** Byte offset of the data (of record 0 for record variables). */
  readonly begin: number
}

export interface NcHeader {
  readonly file: string
  /** 1, 2, 5: the classic formats; 4: NetCDF-4 (HDF5), read through h5wasm. */
  readonly version: 1 | 2 | 4 | 5
  readonly numrecs: number
  /** Bytes between two records of the same variable. */
  readonly recsize: number
  readonly dims: NcDim[]
  readonly attrs: NcAttr[]
  readonly vars: NcVar[]
  readonly headerBytes: number
  readonly byteLength: number
}

export const FORMAT_NAMES = {
  1: "CDF-1 (classic)",
  2: "CDF-2 (64-bit offset)",
  4: "NetCDF-4 (HDF5)",
  5: "CDF-5 (64-bit data)",
} as const

const NC_DIMENSION = 10
const NC_VARIABLE = 11
const NC_ATTRIBUTE = 12
/** numrecs (CDF-1/2) of a file still being written in streaming mode. */
const STREAMING = 0xffffffff
/** Header bytes read per window: most Exodus headers fit in one. */
const WINDOW = 64 << 10
/** Largest single header item (a name, an attribute's values) read at once; real ones are tiny. */
const MAX_HEADER_ITEM = 16 << 20
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46]

/** A forward reader over the header, through windows of the source. */
class Cursor {
  pos = 0
  /** The window: `buf` holds file bytes [bufStart, bufStart + filled). */
  private buf = new Uint8Array(0)
  private view = new DataView(this.buf.buffer)
  private filled = 0
  private bufStart = 0
  constructor(private readonly src: ByteSource, readonly wide: boolean) {}

  fail(reason: string, offset = this.pos): never {
    throw new InvalidInput({ file: this.src.name, offset, reason })
  }

  get left(): number {
    return this.src.byteLength - this.pos
  }

  /** Makes `n` bytes from pos available; returns their offset in the window. */
  private need(n: number, what: string): number {
    if (n > this.left) this.fail(`header truncated: ${what} needs ${n} bytes, the file has ${this.left} left`)
    if (n > MAX_HEADER_ITEM) this.fail(`${what} of ${n} bytes is larger than any real header item`)
    if (this.pos + n > this.bufStart + this.filled || this.pos < this.bufStart) {
      const size = Math.min(Math.max(n, WINDOW), this.left)
      if (this.buf.byteLength < size) {
        this.buf = new Uint8Array(size)
        this.view = new DataView(this.buf.buffer)
      }
      this.filled = this.src.read(this.pos, this.buf.subarray(0, size))
      this.bufStart = this.pos
      if (this.filled < n) this.fail(`header truncated: ${what} needs ${n} bytes, read ${this.filled}`)
    }
    const at = this.pos - this.bufStart
    this.pos += n
    return at
  }

  u8(what: string): number {
    const at = this.need(1, what)
    return this.buf[at]
  }
  int32(what: string): number {
    const at = this.need(4, what)
    return this.view.getInt32(at)
  }
  uint32(what: string): number {
    const at = this.need(4, what)
    return this.view.getUint32(at)
  }
  int64(what: string): number {
    const start = this.pos
    const at = this.need(8, what)
    const v = this.view.getBigInt64(at)
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} is absurdly large`, start)
    return Number(v)
  }
  /** A non-negative count or length: 4 bytes, or 8 in CDF-5. */
  nonNeg(what: string): number {
    const at = this.pos
    const v = this.wide ? this.int64(what) : this.int32(what)
    if (v < 0) this.fail(`negative ${what} ${v}`, at)
    return v
  }
  bytes(n: number, what: string): Uint8Array {
    const at = this.need(n, what)
    return this.buf.subarray(at, at + n)
  }
  view8(n: number, what: string): DataView {
    const at = this.need(n, what)
    return new DataView(this.buf.buffer, at, n)
  }
  skipPad(n: number): void {
    const pad = (4 - (n % 4)) % 4
    if (pad) this.need(pad, "padding")
  }
  name(what: string): string {
    const at = this.pos
    const n = this.nonNeg(`length of ${what}`)
    const text = new TextDecoder("utf-8", { fatal: false }).decode(this.bytes(n, what))
    this.skipPad(n)
    if (n === 0) this.fail(`empty ${what}`, at)
    return text
  }
  /** The tag and count of a list; ABSENT is two zeros. `min` bytes each bound the count by the file. */
  list(tag: number, what: string, min: number): number {
    const at = this.pos
    const t = this.uint32(`${what} list tag`)
    const n = this.nonNeg(`${what} count`)
    if (t === 0 && n === 0) return 0
    if (t !== tag) this.fail(`expected the ${what} list tag ${tag}, found ${t}`, at)
    if (n * min > this.left) this.fail(`${n} ${what}s cannot fit in the ${this.left} bytes left`, at)
    return n
  }
}

/** Parses and checks the header of a classic NetCDF file. */
export function readHeader(src: ByteSource): NcHeader {
  if (src.byteLength < 4) {
    throw new InvalidInput({
      file: src.name,
      offset: 0,
      reason: `${src.byteLength} bytes: too short for a NetCDF file`,
    })
  }
  const magic = new Uint8Array(4)
  src.read(0, magic)
  if (HDF5_MAGIC.every((b, k) => magic[k] === b)) {
    throw new FormatUnsupported({ file: src.name, format: "NetCDF-4/HDF5", reason: hdf5Reason })
  }
  if (magic[0] !== 0x43 || magic[1] !== 0x44 || magic[2] !== 0x46 || ![1, 2, 5].includes(magic[3])) {
    throw new InvalidInput({
      file: src.name,
      offset: 0,
      reason: `not a NetCDF classic file (magic ${[...magic].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`,
    })
  }
  const version = magic[3] as 1 | 2 | 5
  const c = new Cursor(src, version === 5)
  c.pos = 4
  const numrecsAt = c.pos
  const rawRecs = version === 5 ? c.int64("numrecs") : c.uint32("numrecs")
  // all bits set: written in streaming mode, count the records from the file size (-1 as CDF-5's signed int64)
  const streaming = version === 5 ? rawRecs === -1 : rawRecs === STREAMING
  if (!streaming && (rawRecs < 0 || (version !== 5 && rawRecs > 0x7fffffff))) c.fail(`numrecs ${rawRecs}`, numrecsAt)

  const dims: NcDim[] = []
  const nDims = c.list(NC_DIMENSION, "dimension", 8)
  for (let k = 0; k < nDims; k++) {
    const name = c.name("dimension name")
    const length = c.nonNeg(`length of dimension ${name}`)
    dims.push({ name, length, unlimited: length === 0 })
  }
  if (dims.filter((d) => d.unlimited).length > 1) c.fail("more than one unlimited dimension")
  const attrs = readAttrs(c, "global")
  const raw: Array<Omit<NcVar, "count" | "shape" | "record"> & { at: number }> = []
  const nVars = c.list(NC_VARIABLE, "variable", version === 1 ? 24 : 28)
  for (let k = 0; k < nVars; k++) {
    const at = c.pos
    const name = c.name("variable name")
    const rank = c.nonNeg(`rank of ${name}`)
    if (rank * (version === 5 ? 8 : 4) > c.left) c.fail(`rank ${rank} of ${name} cannot fit in the file`, at)
    const dimIds: number[] = []
    for (let d = 0; d < rank; d++) {
      const id = c.nonNeg(`dimension id of ${name}`)
      if (id >= dims.length) c.fail(`${name} uses dimension id ${id}; there are ${dims.length}`, c.pos - 4)
      dimIds.push(id)
    }
    const vattrs = readAttrs(c, name)
    const type = ncType(c, name, version)
    if (version === 5) c.int64(`vsize of ${name}`) // recomputed from the shape: vsize saturates for variables over 4 GiB
    else c.uint32(`vsize of ${name}`)
    const begin = version === 1 ? c.uint32(`begin of ${name}`) : c.int64(`begin of ${name}`)
    raw.push({ name, dimIds, attrs: vattrs, type, begin, at })
  }
  const headerBytes = c.pos

  const vars: NcVar[] = raw.map((v) => {
    const record = v.dimIds.length > 0 && dims[v.dimIds[0]].unlimited
    v.dimIds.forEach((id, d) => {
      if (d > 0 && dims[id].unlimited) c.fail(`${v.name}: the unlimited dimension must come first`, v.at)
    })
    const shape = v.dimIds.map((id) => (dims[id].unlimited ? 1 : dims[id].length))
    const count = shape.reduce((a, b) => a * b, 1)
    if (!Number.isSafeInteger(count * TYPE_SIZE[v.type])) c.fail(`${v.name}: absurd size ${shape.join(" x ")}`, v.at)
    return { name: v.name, dimIds: v.dimIds, shape, type: v.type, attrs: v.attrs, record, count, begin: v.begin }
  })
  const recVars = vars.filter((v) => v.record)
  // the spec's special case: a lone record variable of a small type is not padded to 4 bytes per record
  const recsize = recVars.length === 1
    ? recVars[0].count * TYPE_SIZE[recVars[0].type]
    : recVars.reduce((a, v) => a + pad4(v.count * TYPE_SIZE[v.type]), 0)
  let numrecs = rawRecs
  if (streaming) {
    const first = Math.min(...recVars.map((v) => v.begin))
    numrecs = recVars.length && recsize ? Math.max(0, Math.floor((src.byteLength - first) / recsize)) : 0
  }
  for (const v of vars) {
    const at = raw.find((r) => r.name === v.name)!.at
    if (v.begin < headerBytes) c.fail(`${v.name} begins at ${v.begin}, inside the header (${headerBytes} bytes)`, at)
    const bytes = v.count * TYPE_SIZE[v.type]
    const end = v.record ? (numrecs > 0 ? v.begin + (numrecs - 1) * recsize + bytes : v.begin) : v.begin + bytes
    if (end > src.byteLength) {
      c.fail(`${v.name} ends at byte ${end}, past the end of the file (${src.byteLength} bytes)`, v.begin)
    }
  }
  return { file: src.name, version, numrecs, recsize, dims, attrs, vars, headerBytes, byteLength: src.byteLength }
}

const pad4 = (n: number) => n + ((4 - (n % 4)) % 4)

function ncType(c: Cursor, what: string, version: number): NcType {
  const at = c.pos
  const code = c.uint32(`type of ${what}`)
  const type = NC_TYPES[code]
  if (!type || (code > 6 && version !== 5)) c.fail(`${what}: unknown nc_type ${code}`, at)
  return type
}

function readAttrs(c: Cursor, owner: string): NcAttr[] {
  const n = c.list(NC_ATTRIBUTE, `attribute of ${owner}`, 12)
  const out: NcAttr[] = []
  for (let k = 0; k < n; k++) {
    const name = c.name(`attribute name of ${owner}`)
    const type = ncType(c, `${owner}:${name}`, c.wide ? 5 : 1)
    const count = c.nonNeg(`value count of ${owner}:${name}`)
    const bytes = count * TYPE_SIZE[type]
    const dv = c.view8(bytes, `${owner}:${name}`)
    c.skipPad(bytes)
    out.push({ name, type, value: attrValue(type, dv, count) })
  }
  return out
}

function attrValue(type: NcType, dv: DataView, n: number): NcAttr["value"] {
  if (type === "char") {
    const text = new TextDecoder().decode(new Uint8Array(dv.buffer, dv.byteOffset, n))
    return text.replace(/\0+$/, "")
  }
  if (type === "int64" || type === "uint64") {
    return Array.from({ length: n }, (_, k) => type === "int64" ? dv.getBigInt64(8 * k) : dv.getBigUint64(8 * k))
  }
  const get: (k: number) => number = {
    byte: (k: number) => dv.getInt8(k),
    ubyte: (k: number) => dv.getUint8(k),
    short: (k: number) => dv.getInt16(2 * k),
    ushort: (k: number) => dv.getUint16(2 * k),
    int: (k: number) => dv.getInt32(4 * k),
    uint: (k: number) => dv.getUint32(4 * k),
    float: (k: number) => dv.getFloat32(4 * k),
    double: (k: number) => dv.getFloat64(8 * k),
  }[type]
  return Array.from({ length: n }, (_, k) => get(k))
}

/** Byte offset of `start` values into record `rec` (0 for non-record variables) of `v`. */
export function valueOffset(h: NcHeader, v: NcVar, rec: number, start: number): number {
  return v.begin + (v.record ? rec * h.recsize : 0) + start * TYPE_SIZE[v.type]
}

export const hdf5Reason = "NetCDF-4 files are HDF5 containers; brook reads the classic formats " +
  "(CDF-1, CDF-2, CDF-5): convert with `nccopy -k 64-bit-offset IN OUT`"
