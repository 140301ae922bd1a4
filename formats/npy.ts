/**
 * NumPy .npy files: float32 or float64, C order, little-endian, header versions 1.0, 2.0 and 3.0.
 * Only the header is read up front; rows are read with positioned reads.
 */
import { type ByteSource, openFile } from "../core/byte_source.ts"
import { FormatUnsupported, InvalidInput } from "../core/errors.ts"

export interface NpyFile {
  readonly file: string
  readonly rows: number
  readonly dim: number
  readonly dtype: "f4" | "f8"
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
  const dtype = descr === "<f4" ? "f4" : descr === "<f8" ? "f8" : undefined
  if (!dtype) {
    throw new FormatUnsupported({
      file,
      format: `.npy dtype ${descr}`,
      reason: "brook reads little-endian float32 (<f4) or float64 (<f8)",
    })
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number)
  if (shape.length !== 2 || shape.some((x) => !Number.isSafeInteger(x) || x < 0)) {
    throw new InvalidInput({
      file,
      offset: headerStart,
      reason: `expected a 2-d shape (rows, dim), got (${shapeText})`,
    })
  }
  const [rows, dim] = shape
  const itemSize = dtype === "f4" ? 4 : 8
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
  return { file, rows, dim, dtype, dataOffset, source, close: () => source.close() }
}

/** Reads rows [start, start+count) into `out` (float32), converting float64 once. */
export function readNpyRows(npy: NpyFile, start: number, count: number, out: Float32Array, scratch?: Uint8Array): void {
  const itemSize = npy.dtype === "f4" ? 4 : 8
  const bytes = count * npy.dim * itemSize
  const offset = npy.dataOffset + start * npy.dim * itemSize
  if (npy.dtype === "f4") {
    readFully(npy, new Uint8Array(out.buffer, out.byteOffset, bytes), offset)
    return
  }
  const buf = scratch && scratch.byteLength >= bytes ? scratch.subarray(0, bytes) : new Uint8Array(bytes)
  readFully(npy, buf, offset)
  const f64 = new Float64Array(buf.buffer, buf.byteOffset, count * npy.dim)
  for (let k = 0; k < f64.length; k++) out[k] = f64[k]
}

function readFully(npy: NpyFile, into: Uint8Array, offset: number): void {
  const got = npy.source.read(offset, into)
  if (got < into.byteLength) {
    throw new InvalidInput({ file: npy.file, offset: offset + got, reason: "unexpected end of file" })
  }
}
