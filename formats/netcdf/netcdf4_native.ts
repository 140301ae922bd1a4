/**
 * NetCDF-4 files read natively: the NetCDF-4 data model over brook's own HDF5 reader (formats/hdf5/), through
 * positioned reads of a ByteSource. Dimensions are the dimension-scale datasets (CLASS = DIMENSION_SCALE),
 * numbered by `_Netcdf4Dimid` (else in creation order); a variable's dimensions come from its DIMENSION_LIST
 * references (else `_Netcdf4Coordinates`, else itself for a coordinate variable); a dimension is unlimited
 * when its maximum size is. Datasets that only carry a dimension (NAME "This is a netCDF dimension but not a
 * netCDF variable") are not variables. Reads go through a chunk cache of `cacheBytes`; a file using what the
 * reader does not know (another filter, paged fixed or extensible arrays, huge heap objects) is a
 * FormatUnsupported, and container.ts hands it to h5wasm instead.
 */
import { FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import { collectGarbageNow } from "../../core/gc.ts"
import type { ByteSource } from "../../core/byte_source.ts"
import type { Attribute } from "../hdf5/attribute.ts"
import { ChunkCache } from "../hdf5/chunk_cache.ts"
import { DatasetReader } from "../hdf5/dataset.ts"
import { ncTypeOf } from "../hdf5/datatype.ts"
import { type Hdf5File, type Member, openHdf5 } from "../hdf5/file.ts"
import { GlobalHeap } from "../hdf5/global_heap.ts"
import { Cursor, UNDEF } from "../hdf5/io.ts"
import type { Container } from "./container.ts"
import type { NcAttr, NcDim, NcHeader, NcVar } from "./classic_header.ts"
import { ARRAY, decodeInPlace, type NcArray, type NcType } from "./types.ts"

const DIMENSION_ONLY = "This is a netCDF dimension but not a netCDF variable"
/** Attributes of the NetCDF-4 conventions themselves, not of the data (ncdump hides them too). */
const HIDDEN = /^(_Netcdf4Coordinates|_Netcdf4Dimid|DIMENSION_LIST|REFERENCE_LIST|CLASS|NAME|_NCProperties|_nc3_strict|_IsNetcdf4|_SuperblockVersion)$/
/**
 * Bytes of fresh arrays handed out (reads without a caller's buffer) between two collections: the engines let
 * such garbage grow by a hundred MB before collecting on their own (Deno, a 2.7 GB file). Forced on Deno (~2 ms),
 * at most once a second on Bun, whose forced collections cost tens of ms.
 */
const GC_EVERY_BYTES = 32 << 20
const IS_BUN = "Bun" in globalThis
/** Decoded chunks kept by default: the three read buffers' worth exodusChunks plans (3 x 4 MiB). */
export const DEFAULT_CACHE_BYTES = 12 << 20

export interface NativeOptions {
  readonly cacheBytes?: number
}

/** Decodes an attribute's value as NetCDF sees it: text for strings, numbers (bigints for 64-bit) otherwise. */
function attrValue(f: Hdf5File, heap: GlobalHeap, a: Attribute): NcAttr | undefined {
  const t = a.type
  const dec = new TextDecoder()
  if (t.kind === "string") {
    const end = a.data.indexOf(0)
    return { name: a.name, type: "char", value: dec.decode(end < 0 ? a.data : a.data.subarray(0, end)) }
  }
  if (t.kind === "vlen" && t.string) {
    const c = new Cursor(f.ctx.src, a.at, a.data, `attribute ${a.name}`)
    c.offsetSize = f.ctx.offsetSize
    const parts: string[] = []
    while (c.left >= 8 + f.ctx.offsetSize) {
      const n = c.u32()
      const coll = c.addr()
      const index = c.u32()
      parts.push(n && coll !== UNDEF ? dec.decode(heap.object(coll, index).subarray(0, n)) : "")
    }
    return { name: a.name, type: "char", value: parts.join("\n") }
  }
  const type = ncTypeOf(t)
  if (!type || type === "char" || (t.kind !== "int" && t.kind !== "float")) return undefined
  const n = Math.floor(a.data.length / t.size)
  const bytes = new Uint8Array(n * t.size)
  bytes.set(a.data.subarray(0, n * t.size))
  const arr = t.bigEndian ? decodeInPlace(type, bytes, n) : new ARRAY[type](bytes.buffer, 0, n)
  const value = Array.from(arr as ArrayLike<number | bigint>)
  return { name: a.name, type, value: value as number[] | bigint[] }
}

/** Opens a NetCDF-4 file natively; FormatUnsupported for what the reader does not know, InvalidInput for bad bytes. */
export function openNetcdf4Native(src: ByteSource, options: NativeOptions = {}): Container {
  const file = src.name
  const f = openHdf5(src)
  const heap = new GlobalHeap(f.ctx)
  const fail = (reason: string, offset?: number): never => {
    throw new InvalidInput({ file, offset, reason })
  }
  const attr = (m: Member, name: string) => m.attrs.find((a) => a.name === name)
  const text = (m: Member, name: string) => {
    const a = attr(m, name)
    const v = a ? attrValue(f, heap, a)?.value : undefined
    return typeof v === "string" ? v : undefined
  }
  const datasets = f.members.filter((m) => m.dataset)
  // dimensions: the dimension scales, by _Netcdf4Dimid
  const scales = datasets.filter((m) => text(m, "CLASS") === "DIMENSION_SCALE").map((m, k) => {
    const id = attr(m, "_Netcdf4Dimid")
    const v = id ? attrValue(f, heap, id)?.value : undefined
    return { m, id: Array.isArray(v) ? Number(v[0]) : k }
  }).sort((a, b) => a.id - b.id)
  const dimOfAddress = new Map(scales.map((s, k) => [s.m.address, k]))
  const dimOfId = new Map(scales.map((s, k) => [s.id, k]))
  const dims: NcDim[] = scales.map(({ m }) => {
    const s = m.dataset!.space
    const unlimited = s.maxDims[0] === UNDEF
    return { name: m.name, length: unlimited ? 0 : s.dims[0] ?? 0, unlimited }
  })
  const dimensionsOf = (m: Member): number[] => {
    const list = attr(m, "DIMENSION_LIST")
    if (list && list.type.kind === "vlen") {
      const c = new Cursor(src, list.at, list.data, `DIMENSION_LIST of ${m.name}`)
      c.offsetSize = f.ctx.offsetSize
      return Array.from({ length: list.space.dims[0] ?? 0 }, () => {
        const n = c.u32()
        const coll = c.addr()
        const index = c.u32()
        if (n < 1) fail(`${m.name}: an empty dimension reference`, list.at)
        const ref = new Cursor(src, list.at, heap.object(coll, index), `DIMENSION_LIST of ${m.name}`)
        const target = ref.uint(f.ctx.offsetSize)
        return dimOfAddress.get(target) ?? fail(`${m.name}: a dimension reference leads to no dimension`, list.at)
      })
    }
    const coords = attr(m, "_Netcdf4Coordinates")
    const ids = coords ? attrValue(f, heap, coords)?.value : undefined
    if (Array.isArray(ids)) return ids.map((id) => dimOfId.get(Number(id)) ?? fail(`${m.name}: no dimension ${id}`))
    const own = dimOfAddress.get(m.address)
    return own !== undefined && m.dataset!.space.dims.length === 1 ? [own] : []
  }
  const entries: Array<{ v: NcVar; reader: DatasetReader; bigEndian: boolean; rows: number }> = []
  const cache = new ChunkCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES)
  for (const m of datasets) {
    if ((text(m, "NAME") ?? "").startsWith(DIMENSION_ONLY)) continue
    const ds = m.dataset!
    const type: NcType = ncTypeOf(ds.type) ??
      (() => {
        throw new FormatUnsupported({
          file,
          format: "NetCDF-4/HDF5 (native reader)",
          reason: `${m.name}: an HDF5 ${ds.type.kind} of ${ds.type.size} bytes has no NetCDF type brook reads`,
        })
      })()
    const dataShape = ds.space.dims
    const dimIds = dimensionsOf(m)
    if (dimIds.length !== dataShape.length) {
      fail(`${m.name}: ${dimIds.length} dimensions named, ${dataShape.length} in the data`)
    }
    const record = dimIds.length > 0 && dims[dimIds[0]].unlimited
    const shape = record ? [1, ...dataShape.slice(1)] : dataShape
    entries.push({
      v: {
        name: m.name,
        dimIds,
        shape,
        type,
        attrs: m.attrs.filter((a) => !HIDDEN.test(a.name)).flatMap((a) => attrValue(f, heap, a) ?? []),
        record,
        count: shape.reduce((a, b) => a * b, 1),
        begin: 0,
      },
      reader: new DatasetReader(f.ctx, ds, cache),
      bigEndian: ds.type.kind !== "string" && "bigEndian" in ds.type && ds.type.bigEndian,
      rows: record ? dataShape[0] : 1,
    })
  }
  const numrecs = Math.max(0, ...entries.filter((e) => e.v.record).map((e) => e.rows))
  const byName = new Map(entries.map((e) => [e.v.name, e]))
  let handedOut = 0
  const header: NcHeader = {
    file,
    version: 4,
    numrecs,
    recsize: 0,
    dims,
    attrs: f.attrs.filter((a) => !HIDDEN.test(a.name)).flatMap((a) => attrValue(f, heap, a) ?? []),
    vars: entries.map((e) => e.v),
    headerBytes: 0,
    byteLength: src.byteLength,
  }
  return {
    file,
    header,
    read(v, record, offset, count, into) {
      const e = byName.get(v.name) ?? fail(`no variable ${v.name}`)
      if (offset < 0 || count < 0 || offset + count > e.v.count) {
        fail(`${v.name}: values ${offset}..${offset + count} of ${e.v.count} per record`)
      }
      const A = ARRAY[e.v.type]
      const fits = into && into.byteLength >= count * A.BYTES_PER_ELEMENT && into.byteOffset % A.BYTES_PER_ELEMENT === 0
      const out = (fits ? new A(into.buffer as ArrayBuffer, into.byteOffset, count) : new A(count)) as NcArray
      if (!fits) {
        handedOut += out.byteLength
        if (handedOut > GC_EVERY_BYTES) {
          handedOut = 0
          collectGarbageNow(!IS_BUN)
        }
      }
      const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
      if (e.v.record && record >= e.rows) {
        // a record this variable never got: its fill value
        const fill = e.reader.ds.fill
        if (fill) for (let o = 0; o < bytes.length; o += fill.length) bytes.set(fill.subarray(0, bytes.length - o), o)
        else bytes.fill(0)
      } else e.reader.read((e.v.record ? record * e.v.count : 0) + offset, count, bytes)
      return e.bigEndian ? decodeInPlace(e.v.type, bytes, count) : out
    },
    close: () => src.close(),
  }
}
