/** The fill value message (versions 1-3, and the old one): the bytes of elements never written, if defined. */
import type { Cursor } from "./io.ts"

export function readFillValue(c: Cursor, old: boolean): Uint8Array | undefined {
  if (old) {
    const size = c.u32()
    return size ? c.take(size).slice() : undefined
  }
  const version = c.u8()
  if (version === 1 || version === 2) {
    c.skip(2) // space allocation time, fill value write time
    const defined = c.u8()
    if (!defined) return undefined
    const size = c.u32()
    return size ? c.take(size).slice() : undefined
  }
  if (version === 3) {
    const flags = c.u8()
    if (!(flags & 0x20)) return undefined
    const size = c.u32()
    return size ? c.take(size).slice() : undefined
  }
  return c.fail(`fill value version ${version}`)
}
