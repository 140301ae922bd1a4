/**
 * writeNetcdf: a streaming NetCDF classic writer, CDF-2 (64-bit offset, the SEACAS library's default for Exodus)
 * or CDF-5 (64-bit data, for int64 ids).
 * The layout is fixed by the header, written first with numrecs 0; each chunk of values is encoded
 * big-endian and written at its place as it arrives (so records stream out step by step); at the end
 * every array is checked to be complete, numrecs is patched and the temp file renamed over the target.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { InvalidInput } from "../../core/errors.ts"
import { fixedShare, type Sink } from "../../core/operator.ts"
import { atomicOutput } from "../../core/tempfile.ts"
import type { NcAttr, NcDim } from "./classic_header.ts"
import { encodeInto, NC_TYPE_CODE, type NcArray, type NcType, TYPE_SIZE } from "./types.ts"

export interface NcVarSpec {
  readonly name: string
  readonly dimIds: readonly number[]
  readonly type: NcType
  readonly attrs: readonly NcAttr[]
}

/** What the file will hold: dimensions (at most one unlimited, length 0), attributes, variables. */
export interface NcSchema {
  readonly dims: readonly NcDim[]
  readonly attrs: readonly NcAttr[]
  readonly vars: readonly NcVarSpec[]
}

/** Values for one variable: `values` go to record `record` (0 for non-record variables) from value `ncStart`. */
export interface NcChunk {
  readonly ncVar: string
  readonly record: number
  readonly ncStart: number
  readonly values: NcArray
  readonly recycle?: () => void
}

interface Placed extends NcVarSpec {
  readonly record: boolean
  readonly count: number
  begin: number
}

/** Bytes encoded per write: big enough to amortise the syscall, small enough to stay out of the budget's way. */
const ENCODE_BYTES = 1 << 20
const pad4 = (n: number) => n + ((4 - (n % 4)) % 4)
/** vsize of a variable too large for 32 bits, as the spec says. */
const VSIZE_MAX = 0xffffffff

export interface Layout {
  readonly header: Uint8Array
  readonly vars: ReadonlyMap<string, Placed>
  readonly recsize: number
  readonly beginRecords: number
}

/** Places every variable (non-record ones first, in order, then the records) and encodes the header. */
export function layout(schema: NcSchema, version: 2 | 5 = 2): Layout {
  const vars: Placed[] = schema.vars.map((v) => {
    const record = v.dimIds.length > 0 && schema.dims[v.dimIds[0]].length === 0
    const count = v.dimIds.reduce((a, id, d) => a * (d === 0 && record ? 1 : schema.dims[id].length), 1)
    return { ...v, record, count, begin: 0 }
  })
  const header = encodeHeader(schema, vars, version)
  let at = header.byteLength
  for (const v of vars.filter((v) => !v.record)) {
    v.begin = at
    at += pad4(v.count * TYPE_SIZE[v.type])
  }
  const beginRecords = at
  const recVars = vars.filter((v) => v.record)
  for (const v of recVars) {
    v.begin = at
    at += recVars.length === 1 ? v.count * TYPE_SIZE[v.type] : pad4(v.count * TYPE_SIZE[v.type])
  }
  return {
    header: encodeHeader(schema, vars, version),
    vars: new Map(vars.map((v) => [v.name, v])),
    recsize: at - beginRecords,
    beginRecords,
  }
}

/** Types each format holds: CDF-5 adds the unsigned and 64-bit integers. */
const CDF2_TYPES = new Set<NcType>(["byte", "char", "short", "int", "float", "double"])

function encodeHeader(schema: NcSchema, vars: readonly Placed[], version: 2 | 5): Uint8Array {
  const parts: number[] = []
  const u32 = (n: number) => parts.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255)
  const u64 = (n: number) => {
    u32(Math.floor(n / 2 ** 32))
    u32(n >>> 0)
  }
  // counts, lengths and dimension ids (NON_NEG) are 8 bytes in CDF-5, 4 in CDF-2
  const count = version === 5 ? u64 : u32
  const bytes = (b: Uint8Array) => {
    for (const x of b) parts.push(x)
    while (parts.length % 4) parts.push(0)
  }
  const name = (s: string) => {
    const b = new TextEncoder().encode(s)
    count(b.length)
    bytes(b)
  }
  const absent = () => (u32(0), count(0))
  const typed = (what: string, type: NcType) => {
    if (version === 2 && !CDF2_TYPES.has(type)) throw new TypeError(`${what}: ${type} cannot be stored in CDF-2`)
    u32(NC_TYPE_CODE[type])
  }
  const attrs = (list: readonly NcAttr[]) => {
    if (!list.length) return absent()
    u32(12)
    count(list.length)
    for (const a of list) {
      name(a.name)
      typed(`attribute ${a.name}`, a.type)
      if (typeof a.value === "string") {
        const b = new TextEncoder().encode(a.value)
        count(b.length)
        bytes(b)
        continue
      }
      const out = new Uint8Array(a.value.length * TYPE_SIZE[a.type])
      const dv = new DataView(out.buffer)
      a.value.forEach((x, k) => {
        const at = k * TYPE_SIZE[a.type]
        const v = Number(x)
        if (a.type === "double") dv.setFloat64(at, v)
        else if (a.type === "float") dv.setFloat32(at, v)
        else if (a.type === "int") dv.setInt32(at, v)
        else if (a.type === "uint") dv.setUint32(at, v)
        else if (a.type === "short") dv.setInt16(at, v)
        else if (a.type === "ushort") dv.setUint16(at, v)
        else if (a.type === "byte") dv.setInt8(at, v)
        else if (a.type === "ubyte") dv.setUint8(at, v)
        else if (a.type === "int64") dv.setBigInt64(at, BigInt(x))
        else if (a.type === "uint64") dv.setBigUint64(at, BigInt(x))
      })
      count(a.value.length)
      bytes(out)
    }
  }
  parts.push(0x43, 0x44, 0x46, version)
  count(0) // numrecs, patched at the end
  if (schema.dims.length) {
    u32(10)
    count(schema.dims.length)
    for (const d of schema.dims) {
      name(d.name)
      count(d.length)
    }
  } else absent()
  attrs(schema.attrs)
  if (vars.length) {
    u32(11)
    count(vars.length)
    for (const v of vars) {
      name(v.name)
      count(v.dimIds.length)
      v.dimIds.forEach((id) => count(id))
      attrs(v.attrs)
      typed(v.name, v.type)
      const vsize = pad4(v.count * TYPE_SIZE[v.type])
      if (version === 5) u64(vsize)
      else u32(Math.min(VSIZE_MAX, vsize))
      u64(v.begin)
    }
  } else absent()
  return new Uint8Array(parts)
}

/**
 * The NetCDF classic sink: `schema` fixed up front, `prelude` chunks (values made by the caller) written first,
 * as CDF-2 (default) or CDF-5.
 */
export function writeNetcdf(
  target: string,
  schema: NcSchema,
  prelude: readonly NcChunk[] = [],
  version: 2 | 5 = 2,
): Sink<NcChunk> {
  const name = "writeNetcdf"
  return {
    kind: "sink",
    name,
    ...fixedShare(ENCODE_BYTES),
    make: (plan) =>
      Effect.gen(function* () {
        const lay = layout(schema, version)
        const out = yield* atomicOutput(target)
        const fd = fs.openSync(out.tempPath, "w")
        fs.writeSync(fd, lay.header, 0, lay.header.byteLength, 0)
        const scratch = new Uint8Array(ENCODE_BYTES)
        const written = new Map<string, number>()
        let numrecs = 0
        const fail = (reason: string): never => {
          throw new InvalidInput({ file: target, reason })
        }
        const write = (c: NcChunk) => {
          const v = lay.vars.get(c.ncVar) ?? fail(`no variable ${c.ncVar} in the output's header`)
          if (c.ncStart + c.values.length > v.count || (!v.record && c.record !== 0) || c.record < 0) {
            fail(`${c.ncVar}: values ${c.ncStart}..${c.ncStart + c.values.length} of record ${c.record} do not fit`)
          }
          const size = TYPE_SIZE[v.type]
          if (c.values.BYTES_PER_ELEMENT !== size) fail(`${c.ncVar}: ${size}-byte values expected`)
          const per = ENCODE_BYTES / size
          const at = v.begin + (v.record ? c.record * lay.recsize : 0) + c.ncStart * size
          for (let k = 0; k < c.values.length; k += per) {
            const part = c.values.subarray(k, Math.min(c.values.length, k + per)) as NcArray
            encodeInto(part, scratch)
            let done = 0
            while (done < part.byteLength) {
              done += fs.writeSync(fd, scratch, done, part.byteLength - done, at + k * size + done)
            }
          }
          written.set(c.ncVar, (written.get(c.ncVar) ?? 0) + c.values.length)
          if (v.record) numrecs = Math.max(numrecs, c.record + 1)
          c.recycle?.()
        }
        return new WritableStream<NcChunk>({
          start() {
            prelude.forEach(write)
          },
          write,
          close() {
            try {
              for (const v of lay.vars.values()) {
                const want = v.count * (v.record ? numrecs : 1)
                const got = written.get(v.name) ?? 0
                if (got !== want) fail(`${v.name}: ${got} of ${want} values arrived; the output would be incomplete`)
              }
              const n = new Uint8Array(version === 5 ? 8 : 4)
              if (version === 5) new DataView(n.buffer).setBigUint64(0, BigInt(numrecs))
              else new DataView(n.buffer).setUint32(0, numrecs)
              fs.writeSync(fd, n, 0, n.byteLength, 4)
              fs.ftruncateSync(fd, lay.beginRecords + numrecs * lay.recsize)
            } finally {
              fs.closeSync(fd)
            }
            out.commit()
          },
          abort() {
            fs.closeSync(fd)
            out.discard()
          },
        })
      }),
  }
}
