/**
 * NetCDF-4 (HDF5) Exodus files through h5wasm, whose Node build reads files lazily through node:fs (its
 * NODERAWFS layer works on Bun and Deno too): only the chunks a slice needs are read, never the whole file.
 * The NetCDF-4 conventions map back to the classic header: dimensions are datasets carrying
 * `_Netcdf4Dimid`, a variable's dimensions are its `_Netcdf4Coordinates`, and the unlimited dimension is the
 * one whose scale is empty while variables along it have records.
 */
import h5wasm from "h5wasm/node"
import * as path from "node:path"
import { FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import type { Container } from "./container.ts"
import type { NcAttr, NcDim, NcHeader, NcVar } from "./classic_header.ts"
import { ARRAY, type NcArray, type NcType } from "./types.ts"

/** h5wasm dtype strings (numpy style) to NetCDF types; "S1"/"A1" single characters are NetCDF char. */
const DTYPES: Record<string, NcType> = {
  b: "byte",
  B: "ubyte",
  h: "short",
  H: "ushort",
  i: "int",
  I: "uint",
  q: "int64",
  Q: "uint64",
  f: "float",
  d: "double",
}
const DIMENSION_ONLY = "This is a netCDF dimension but not a netCDF variable"

type H5Dataset = {
  shape: number[] | null
  dtype: unknown
  attrs: Record<string, { value: unknown }>
  slice(ranges: Array<[number, number] | []>): unknown
}

function ncType(dtype: unknown): NcType | undefined {
  const s = String(dtype)
  if (/^[SA|]*1$/.test(s.replace(/^[<>|=]/, "")) || s === "A1" || s === "S1") return "char"
  return DTYPES[s.replace(/^[<>|=]/, "")]
}

function attrValue(name: string, a: { value: unknown }): NcAttr | undefined {
  const v = a.value
  if (typeof v === "string") return { name, type: "char", value: v }
  if (v instanceof Float64Array) return { name, type: "double", value: Array.from(v) }
  if (v instanceof Float32Array) return { name, type: "float", value: Array.from(v) }
  if (v instanceof Int32Array) return { name, type: "int", value: Array.from(v) }
  if (v instanceof Int16Array) return { name, type: "short", value: Array.from(v) }
  if (v instanceof Int8Array) return { name, type: "byte", value: Array.from(v) }
  if (v instanceof BigInt64Array) return { name, type: "int64", value: Array.from(v) }
  return undefined
}

/** Opens a NetCDF-4 file; FormatUnsupported when h5wasm cannot start, InvalidInput when HDF5 cannot read it. */
export async function openNetcdf4(file: string): Promise<Container> {
  try {
    // HDF5 errors become exceptions (with the library's error stack as text) instead of lines on stderr
    ;(await h5wasm.ready).activate_throwing_error_handler()
  } catch (e) {
    throw new FormatUnsupported({ file, format: "NetCDF-4/HDF5", reason: `h5wasm did not start: ${e}` })
  }
  let f: InstanceType<typeof h5wasm.File>
  try {
    f = new h5wasm.File(path.resolve(file), "r")
  } catch (e) {
    throw new InvalidInput({ file, reason: `HDF5 cannot open it: ${hdf5Error(e)}` })
  }
  try {
    return container(file, f)
  } catch (e) {
    f.close()
    throw e instanceof InvalidInput ? e : new InvalidInput({ file, reason: `HDF5: ${hdf5Error(e)}` })
  }
}

/** The innermost entry of an HDF5 error stack ("truncated file: eof = ..."), or the message. */
function hdf5Error(e: unknown): string {
  const text = String((e as Error)?.message ?? e)
  const frames = [...text.matchAll(/#\d+: .*? in [\w]+\(\): (.*)/g)]
  return frames.length ? frames[frames.length - 1][1].trim() : text.split("\n")[0]
}

function container(file: string, f: InstanceType<typeof h5wasm.File>): Container {
  const fail = (reason: string): never => {
    throw new InvalidInput({ file, reason })
  }
  const datasets = new Map<string, H5Dataset>()
  for (const k of f.keys()) {
    const d = f.get(k) as unknown as H5Dataset
    if (d && typeof d.slice === "function") datasets.set(k, d)
  }
  const attrOf = (d: H5Dataset, name: string) => (d.attrs[name] ? d.attrs[name].value : undefined)
  // dimensions, in dimid order
  const dimEntries = [...datasets].filter(([, d]) => attrOf(d, "_Netcdf4Dimid") !== undefined)
    .map(([name, d]) => ({ name, id: Number(attrOf(d, "_Netcdf4Dimid")), length: d.shape?.[0] ?? 0 }))
    .sort((a, b) => a.id - b.id)
  const dimIndex = new Map(dimEntries.map((d, k) => [d.id, k]))
  const dimByPath = new Map(dimEntries.map((d, k) => [`/${d.name}`, k]))
  /** A variable's dimensions: its DIMENSION_LIST references (HDF5 dimension scales), else `_Netcdf4Coordinates`. */
  const dimensionsOf = (name: string, d: H5Dataset): number[] => {
    const list = attrOf(d, "DIMENSION_LIST") as unknown[][] | undefined
    if (Array.isArray(list)) {
      return list.map((refs) => {
        const target = f.dereference(refs[0] as never) as { path?: string } | null
        return dimByPath.get(target?.path ?? "") ?? fail(`${name}: a dimension reference leads to ${target?.path}`)
      })
    }
    const coords = attrOf(d, "_Netcdf4Coordinates")
    return coords
      ? Array.from(coords as ArrayLike<number>, (id) => dimIndex.get(Number(id)) ?? fail(`${name}: no dimension ${id}`))
      : []
  }
  const vars: Array<{ v: NcVar; d: H5Dataset }> = []
  for (const [name, d] of datasets) {
    if (String(attrOf(d, "NAME") ?? "").startsWith(DIMENSION_ONLY)) continue
    const type = ncType(d.dtype) ?? fail(`${name}: HDF5 type ${d.dtype} has no NetCDF equivalent brook reads`)
    const shape = d.shape ?? []
    const dimIds = dimensionsOf(name, d)
    if (dimIds.length !== shape.length) fail(`${name}: ${dimIds.length} dimensions named, ${shape.length} in the data`)
    vars.push({
      v: {
        name,
        dimIds,
        shape,
        type,
        attrs: Object.entries(d.attrs).filter(([n]) => !/^(_Netcdf4|DIMENSION_LIST|REFERENCE_LIST|CLASS|NAME)/.test(n))
          .flatMap(([n, a]) => attrValue(n, a) ?? []),
        record: false,
        count: shape.reduce((a, b) => a * b, 1),
        begin: 0,
      },
      d,
    })
  }
  // the unlimited dimension: its scale is empty, the variables along it have records
  const dims: NcDim[] = dimEntries.map((d) => ({ name: d.name, length: d.length, unlimited: d.length === 0 }))
  const along = vars.filter(({ v }) => v.dimIds.length > 0 && dims[v.dimIds[0]].unlimited)
  const numrecs = Math.max(0, ...along.map(({ v }) => v.shape[0]))
  const byName = new Map<string, { v: NcVar; d: H5Dataset }>()
  for (const e of vars) {
    const record = e.v.dimIds.length > 0 && dims[e.v.dimIds[0]].unlimited
    const shape = record ? [1, ...e.v.shape.slice(1)] : e.v.shape
    const v: NcVar = { ...e.v, record, shape, count: shape.reduce((a, b) => a * b, 1) }
    byName.set(v.name, { v, d: e.d })
  }
  const header: NcHeader = {
    file,
    version: 4,
    numrecs,
    recsize: 0,
    dims,
    attrs: Object.entries(f.attrs).filter(([n]) => n !== "_NCProperties").flatMap(([n, a]) => attrValue(n, a) ?? []),
    vars: [...byName.values()].map((e) => e.v),
    headerBytes: 0,
    byteLength: 0,
  }
  return {
    file,
    header,
    read(v, record, offset, count) {
      const e = byName.get(v.name) ?? fail(`no variable ${v.name}`)
      const shape = e.d.shape ?? []
      const lead = v.record ? 1 : 0
      // whole rows of the first dimension after the record one, then the run inside them
      const inner = shape.slice(lead + 1).reduce((a, b) => a * b, 1)
      const first = Math.floor(offset / inner)
      const last = Math.ceil((offset + count) / inner)
      const ranges: Array<[number, number] | []> = []
      if (v.record) ranges.push([record, record + 1])
      if (shape.length > lead) ranges.push([first, last])
      for (let k = lead + 1; k < shape.length; k++) ranges.push([])
      let data: ArrayLike<unknown>
      try {
        data = e.d.slice(ranges) as ArrayLike<unknown>
      } catch (err) {
        return fail(
          `${v.name}: HDF5 cannot read record ${record}, values ${offset}..${offset + count}: ${hdf5Error(err)}`,
        )
      }
      if (v.type === "char") {
        const s = data as ArrayLike<string>
        data = Uint8Array.from({ length: s.length }, (_, k) => (s[k] ? s[k].charCodeAt(0) : 0))
      }
      // deno-lint-ignore no-explicit-any
      const typed = ArrayBuffer.isView(data) ? data as NcArray : (ARRAY[v.type] as any).from(data) as NcArray
      const from = offset - first * inner
      return typed.subarray(from, from + count) as NcArray
    },
    close: () => void f.close(),
  }
}
