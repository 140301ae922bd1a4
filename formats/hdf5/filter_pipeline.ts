/** The filter pipeline message (versions 1 and 2): the filters of a chunked dataset, in the order applied on write. */
import type { Cursor } from "./io.ts"

export interface Filter {
  readonly id: number
  readonly name: string
  readonly optional: boolean
  readonly values: number[]
}

export const FILTER_NAMES: Record<number, string> = {
  1: "deflate",
  2: "shuffle",
  3: "fletcher32",
  4: "szip",
  5: "nbit",
  6: "scaleoffset",
  307: "bzip2",
  32001: "blosc",
  32004: "lz4",
  32015: "zstd",
}

export function readFilterPipeline(c: Cursor): Filter[] {
  const version = c.u8()
  const n = c.u8()
  if (version === 1) c.skip(6)
  else if (version !== 2) c.fail(`filter pipeline version ${version}`)
  if (n > 32) c.fail(`${n} filters`)
  return Array.from({ length: n }, () => {
    const id = c.u16()
    const nameLength = version === 1 || id >= 256 ? c.u16() : 0
    const flags = c.u16()
    const nValues = c.u16()
    let name = ""
    if (nameLength) {
      const raw = c.take(version === 1 ? (nameLength + 7) & ~7 : nameLength)
      const end = raw.indexOf(0)
      name = new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end))
    }
    const values = Array.from({ length: nValues }, () => c.u32())
    if (version === 1 && nValues & 1) c.skip(4)
    return { id, name: name || FILTER_NAMES[id] || `filter ${id}`, optional: (flags & 1) !== 0, values }
  })
}
