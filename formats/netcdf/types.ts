/**
 * NetCDF external types (big-endian on disk) and their decoding, once, in place, into typed arrays.
 */
import type { NumericArray } from "../../core/batches.ts"

export type NcType =
  | "byte"
  | "char"
  | "short"
  | "int"
  | "float"
  | "double"
  | "ubyte"
  | "ushort"
  | "uint"
  | "int64"
  | "uint64"

/** nc_type codes of the classic format spec (7-11 are CDF-5 only). */
export const NC_TYPES: Record<number, NcType> = {
  1: "byte",
  2: "char",
  3: "short",
  4: "int",
  5: "float",
  6: "double",
  7: "ubyte",
  8: "ushort",
  9: "uint",
  10: "int64",
  11: "uint64",
}

export const NC_TYPE_CODE: Record<NcType, number> = Object.fromEntries(
  Object.entries(NC_TYPES).map(([k, v]) => [v, Number(k)]),
) as Record<NcType, number>

export const TYPE_SIZE: Record<NcType, number> = {
  byte: 1,
  char: 1,
  short: 2,
  int: 4,
  float: 4,
  double: 8,
  ubyte: 1,
  ushort: 2,
  uint: 4,
  int64: 8,
  uint64: 8,
}

/** A NetCDF variable's values, decoded: one of the typed arrays a MeshChunk carries. */
export type NcArray = NumericArray

/** The typed array class of each NetCDF type. */
export const ARRAY = {
  byte: Int8Array,
  char: Uint8Array,
  short: Int16Array,
  int: Int32Array,
  float: Float32Array,
  double: Float64Array,
  ubyte: Uint8Array,
  ushort: Uint16Array,
  uint: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
} as const

/** An array of `count` values of `type` over `buffer` at `byteOffset` (which must be aligned). */
export function arrayOf(type: NcType, buffer: ArrayBufferLike, byteOffset: number, count: number): NcArray {
  return new ARRAY[type](buffer as ArrayBuffer, byteOffset, count)
}

/**
 * Turns `count` big-endian values of `type` at `bytes` (aligned to their size) into native order in place
 * and returns the typed array over them: one pass, no copy. Each value is read through a big-endian
 * DataView load before its slot is written (both engines compile the load to a byte-swap instruction,
 * twice as fast as swapping 32-bit halves by hand); 4-byte types go through their integer bits, exactly.
 */
export function decodeInPlace(type: NcType, bytes: Uint8Array, count: number): NcArray {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const size = TYPE_SIZE[type]
  if (type === "double") {
    const f = new Float64Array(bytes.buffer, bytes.byteOffset, count)
    for (let i = 0, o = 0; i < count; i++, o += 8) f[i] = dv.getFloat64(o)
  } else if (size === 8) {
    const b = new BigUint64Array(bytes.buffer, bytes.byteOffset, count)
    for (let i = 0, o = 0; i < count; i++, o += 8) b[i] = dv.getBigUint64(o)
  } else if (size === 4) {
    const u = new Uint32Array(bytes.buffer, bytes.byteOffset, count)
    for (let i = 0, o = 0; i < count; i++, o += 4) u[i] = dv.getUint32(o)
  } else if (size === 2) {
    const u = new Uint16Array(bytes.buffer, bytes.byteOffset, count)
    for (let i = 0, o = 0; i < count; i++, o += 2) u[i] = dv.getUint16(o)
  }
  return arrayOf(type, bytes.buffer, bytes.byteOffset, count)
}

/** Native values to big-endian bytes (the inverse of decodeInPlace), into `out`. */
export function encodeInto(values: NcArray, out: Uint8Array): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength)
  const n = values.length
  if (values instanceof Float64Array) { for (let i = 0; i < n; i++) dv.setFloat64(8 * i, values[i]) }
  else if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const b = new BigUint64Array(values.buffer, values.byteOffset, n)
    for (let i = 0; i < n; i++) dv.setBigUint64(8 * i, b[i])
  } else if (values.BYTES_PER_ELEMENT === 4) {
    const u = new Uint32Array(values.buffer, values.byteOffset, n)
    for (let i = 0; i < n; i++) dv.setUint32(4 * i, u[i])
  } else if (values.BYTES_PER_ELEMENT === 2) {
    const u = new Uint16Array(values.buffer, values.byteOffset, n)
    for (let i = 0; i < n; i++) dv.setUint16(2 * i, u[i])
  } else out.set(new Uint8Array(values.buffer, values.byteOffset, n))
}
