/**
 * NumPy .npy files: float16, float32 or float64, little- or big-endian, C order, header versions 1.0,
 * 2.0 and 3.0. Only the header is read up front; rows are read with positioned reads, straight into
 * float32 (float32 little-endian in place; others through a staging buffer of the file's bytes).
 */
import { type ByteSource, openFile } from "../core/byte_source.ts"
import { FormatUnsupported, InvalidInput } from "../core/errors.ts"
import { float16ToFloat32 } from "./float16.ts"

export interface NpyFile {
  readonly file: string
  readonly rows: number
  readonly dim: number
  readonly dtype: "f2" | "f4" | "f8"
  /** Bytes per value: 2, 4 or 8. */
  readonly itemSize: number
  readonly littleEndian: boolean
  readonly dataOffset: number
  readonly source: ByteSource
  close(): void
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

/** Opens a .npy file and checks its header against the file size. */
export function openNpy(file: string): NpyFile {
  const source = openFile(file)
  try {
    return parseHeader(source)
  } catch (e) {
    source.close()
    throw e
  }
}

function parseHeader(source: ByteSource): NpyFile {
  const file = source.name, size = source.byteLength
  const pre = new Uint8Array(12)
  const got = source.read(0, pre)
  if (got < 10) throw new InvalidInput({ file, offset: got, reason: "truncated .npy header" })
  for (let k = 0; k < MAGIC.length; k++) {
    if (pre[k] !== MAGIC[k]) throw new InvalidInput({ file, offset: k, reason: "not a .npy file (bad magic)" })
  }
  const major = pre[6]
  if (major < 1 || major > 3) {
    throw new FormatUnsupported({
      file,
      format: `npy version ${major}.${pre[7]}`,
      reason: "known versions are 1, 2, 3",
    })
  }
  const view = new DataView(pre.buffer)
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  const headerStart = major === 1 ? 10 : 12
  const dataOffset = headerStart + headerLen
  if (dataOffset > size) {
    throw new InvalidInput({
      file,
      offset: headerStart - 2,
      reason: `header length ${headerLen} runs past the end of file (${size} bytes)`,
    })
  }
  const headerBytes = new Uint8Array(headerLen)
  source.read(headerStart, headerBytes)
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(headerBytes)
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1]
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InvalidInput({ file, offset: headerStart, reason: `cannot read header dict: ${header.trim()}` })
  }
  if (fortran === "True") {
    throw new FormatUnsupported({ file, format: "Fortran-order .npy", reason: "save with np.ascontiguousarray first" })
  }
  const typed = /^([<>])f([248])$/.exec(descr)
  if (!typed) {
    throw new FormatUnsupported({
      file,
      format: `.npy dtype ${descr}`,
      reason: "brook reads float16, float32 or float64, little- or big-endian (<f2 <f4 <f8 >f2 >f4 >f8)",
    })
  }
  const dtype = `f${typed[2]}` as NpyFile["dtype"]
  const itemSize = Number(typed[2])
  const littleEndian = typed[1] === "<"
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number)
  if (shape.length !== 2 || shape.some((x) => !Number.isSafeInteger(x) || x < 0)) {
    throw new InvalidInput({
      file,
      offset: headerStart,
      reason: `expected a 2-d shape (rows, dim), got (${shapeText})`,
    })
  }
  const [rows, dim] = shape
  const expected = dataOffset + rows * dim * itemSize
  if (size < expected) {
    const row = Math.floor((size - dataOffset) / (dim * itemSize || 1))
    throw new InvalidInput({
      file,
      offset: size,
      row,
      reason: `truncated: shape (${rows}, ${dim}) needs ${expected} bytes, file has ${size}`,
    })
  }
  return { file, rows, dim, dtype, itemSize, littleEndian, dataOffset, source, close: () => source.close() }
}

/** Bytes of the staging buffer readNpyRows needs for `count` rows (0: read in place). */
export const npyScratchBytes = (npy: NpyFile, count: number): number =>
  npy.dtype === "f4" ? 0 : count * npy.dim * npy.itemSize

/**
 * Reads rows [start, start+count) into `out` (float32): float32 straight into `out` (big-endian swapped
 * there), float16 and float64 through `scratch` (npyScratchBytes; allocated when missing or short).
 */
export function readNpyRows(npy: NpyFile, start: number, count: number, out: Float32Array, scratch?: Uint8Array): void {
  const n = count * npy.dim
  const bytes = n * npy.itemSize
  const offset = npy.dataOffset + start * npy.dim * npy.itemSize
  if (npy.dtype === "f4") {
    const into = new Uint8Array(out.buffer, out.byteOffset, bytes)
    readFully(npy, into, offset)
    if (!npy.littleEndian) swap4(into)
    return
  }
  const buf = scratch && scratch.byteLength >= bytes ? scratch.subarray(0, bytes) : new Uint8Array(bytes)
  readFully(npy, buf, offset)
  if (npy.dtype === "f2") return float16ToFloat32(buf, 0, n, out, 0, npy.littleEndian)
  if (npy.littleEndian && buf.byteOffset % 8 === 0) {
    const f64 = new Float64Array(buf.buffer, buf.byteOffset, n)
    for (let k = 0; k < n; k++) out[k] = f64[k]
    return
  }
  const view = new DataView(buf.buffer, buf.byteOffset, bytes)
  for (let k = 0; k < n; k++) out[k] = view.getFloat64(k * 8, npy.littleEndian)
}

/** Reverses the bytes of every 4-byte value in place. */
function swap4(b: Uint8Array): void {
  for (let p = 0; p + 3 < b.length; p += 4) {
    const a = b[p], c = b[p + 1]
    b[p] = b[p + 3]
    b[p + 1] = b[p + 2]
    b[p + 2] = c
    b[p + 3] = a
  }
}

function readFully(npy: NpyFile, into: Uint8Array, offset: number): void {
  const got = npy.source.read(offset, into)
  if (got < into.byteLength) {
    throw new InvalidInput({ file: npy.file, offset: offset + got, reason: "unexpected end of file" })
  }
}
