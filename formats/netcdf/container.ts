/**
 * A NetCDF container as the Exodus model sees it: the header (dimensions, attributes, variables) and reads of
 * a run of values of one record of a variable. Classic files (CDF-1/2/5) go through positioned reads of a
 * ByteSource; NetCDF-4 files (HDF5) through brook's own HDF5 reader (netcdf4_native.ts), also positioned
 * reads; a NetCDF-4 file that reader refuses as FormatUnsupported (a filter other than deflate, shuffle and
 * fletcher32, a v1.10 chunk index it lacks, ...) goes to h5wasm (netcdf4.ts, loaded only then), and the
 * container's `reader` says which read it and why.
 */
import { FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import { type ByteSource, fileSource } from "../../core/byte_source.ts"
import { openNetcdf4Native } from "./netcdf4_native.ts"
import { type NcHeader, type NcVar, readHeader, valueOffset } from "./classic_header.ts"
import { decodeInPlace, type NcArray, TYPE_SIZE } from "./types.ts"

export interface Container {
  readonly file: string
  readonly header: NcHeader
  /**
   * `count` values of `v` from value `offset` of record `record` (0 for non-record variables), decoded; in
   * `into`'s memory when the reader can (the native NetCDF-4 one), else in a fresh array.
   */
  read(v: NcVar, record: number, offset: number, count: number, into?: Uint8Array): NcArray
  /** The byte source of a classic file: exodusChunks plans its positioned reads over it. */
  readonly classic?: ByteSource
  /** Which reader serves a NetCDF-4 file: "native", or "h5wasm (native reader: <why it refused>)". */
  readonly reader?: string
  close(): void
}

/** A classic (CDF-1/2/5) container over a byte source. */
export function classicContainer(src: ByteSource): Container {
  const header = readHeader(src)
  return {
    file: src.name,
    header,
    classic: src,
    read(v, record, offset, count) {
      const bytes = count * TYPE_SIZE[v.type]
      const at = valueOffset(header, v, record, offset)
      const buf = new Uint8Array((bytes + 7) & ~7)
      const n = src.read(at, buf.subarray(0, bytes))
      if (n < bytes) throw new InvalidInput({ file: src.name, offset: at + n, reason: `${v.name} ends early` })
      return decodeInPlace(v.type, buf.subarray(0, bytes), count)
    },
    close: () => src.close(),
  }
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46]

export interface OpenOptions {
  /** Decoded HDF5 chunks the native NetCDF-4 reader keeps (default DEFAULT_CACHE_BYTES, at least one chunk). */
  readonly cacheBytes?: number
  /** "h5wasm" skips the native NetCDF-4 reader (comparisons, benchmarks). */
  readonly netcdf4?: "native" | "h5wasm"
}

/** Opens `file` as classic NetCDF or, when it starts with the HDF5 signature, as NetCDF-4. */
export async function openContainer(file: string, options: OpenOptions = {}): Promise<Container> {
  const magic = new Uint8Array(4)
  const src = fileSource(file)
  try {
    src.read(0, magic)
    if (!HDF5_MAGIC.every((b, k) => magic[k] === b)) return classicContainer(src)
  } catch (e) {
    src.close()
    throw e
  }
  let refused = "skipped"
  if (options.netcdf4 !== "h5wasm") {
    try {
      return { ...openNetcdf4Native(src, { cacheBytes: options.cacheBytes }), reader: "native" }
    } catch (e) {
      src.close()
      if (!(e instanceof FormatUnsupported)) throw e
      refused = e.reason
    }
  } else src.close()
  const { openNetcdf4 } = await import("./netcdf4.ts")
  try {
    return { ...(await openNetcdf4(file)), reader: `h5wasm (native reader: ${refused})` }
  } catch (e) {
    if (e instanceof InvalidInput && refused !== "skipped") {
      throw new InvalidInput({ file: e.file, offset: e.offset, reason: `${e.reason} (the native reader refused it first: ${refused})` })
    }
    throw e
  }
}
