/**
 * NetCDF external types (big-endian on disk) and their decoding, once, in place, into typed arrays.
 */

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

export type NcArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array

const ARRAY = {
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
 * Turns `count` big-endian values of `type` at `bytes` (aligned to 4, and to 8 for 8-byte types) into
 * native (little-endian) order in place, and returns the typed array over them: one pass, no copy.
 */
export function decodeInPlace(type: NcType, bytes: Uint8Array, count: number): NcArray {
  const size = TYPE_SIZE[type]
  if (size === 4) swap32(new Uint32Array(bytes.buffer, bytes.byteOffset, count))
  else if (size === 8) swap64(new Uint32Array(bytes.buffer, bytes.byteOffset, count * 2))
  else if (size === 2) swap16(new Uint16Array(bytes.buffer, bytes.byteOffset, count))
  return arrayOf(type, bytes.buffer, bytes.byteOffset, count)
}

/** Native values to big-endian bytes (the inverse of decodeInPlace), into `out`. */
export function encodeInto(values: NcArray, out: Uint8Array): void {
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
  const size = values.BYTES_PER_ELEMENT
  if (size === 4) swap32(new Uint32Array(out.buffer, out.byteOffset, values.length))
  else if (size === 8) swap64(new Uint32Array(out.buffer, out.byteOffset, values.length * 2))
  else if (size === 2) swap16(new Uint16Array(out.buffer, out.byteOffset, values.length))
}

const bswap = (x: number) => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)

function swap16(a: Uint16Array): void {
  for (let i = 0; i < a.length; i++) a[i] = ((a[i] & 0xff) << 8) | (a[i] >>> 8)
}

function swap32(a: Uint32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = bswap(a[i])
}

function swap64(a: Uint32Array): void {
  for (let i = 0; i < a.length; i += 2) {
    const hi = a[i]
    a[i] = bswap(a[i + 1])
    a[i + 1] = bswap(hi)
  }
}
