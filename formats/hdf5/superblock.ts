/**
 * The superblock (versions 0-3): found at byte 0 or past a user block at 512, 1024, 2048, ... bytes; gives the
 * sizes of offsets and lengths and the root group's object header (v0/1 through the root symbol table entry).
 * Versions 2 and 3 end with a lookup3 checksum, verified.
 */
import type { ByteSource } from "../../core/byte_source.ts"
import { checksumOk } from "./checksum.ts"
import { type Ctx, invalid, readAbs, UNDEF, unsupported } from "./io.ts"

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

export interface Superblock extends Ctx {
  readonly version: number
  /** The root group's object header address. */
  readonly root: number
}

/** Finds and reads the superblock. */
export function readSuperblock(src: ByteSource): Superblock {
  let at = -1
  const sig = new Uint8Array(8)
  for (let off = 0; off + 8 <= src.byteLength; off = off === 0 ? 512 : off * 2) {
    if (src.read(off, sig) === 8 && SIGNATURE.every((b, k) => sig[k] === b)) {
      at = off
      break
    }
  }
  if (at < 0) invalid(src, 0, "no HDF5 signature at 0 or any power of two from 512")
  const c = readAbs(src, at, Math.min(src.byteLength - at, 256), "superblock")
  c.skip(8)
  const version = c.u8()
  if (version > 3) unsupported(src, `superblock version ${version}`)
  const sizes = (o: number, l: number) => {
    if (![2, 4, 8].includes(o) || ![2, 4, 8].includes(l)) c.fail(`sizes of offsets ${o} and lengths ${l}`)
    c.offsetSize = o
    c.lengthSize = l
  }
  let base: number
  let root: number
  if (version <= 1) {
    c.skip(4) // free-space, root symbol table and shared header versions, reserved
    sizes(c.u8(), c.u8())
    c.skip(1 + 2 + 2 + 4) // reserved, group leaf and internal K, consistency flags
    if (version === 1) c.skip(4) // indexed storage K, reserved
    base = c.addr()
    c.addr() // free space info
    c.addr() // end of file
    c.addr() // driver info
    c.addr() // root entry: link name offset
    root = c.addr()
  } else {
    sizes(c.u8(), c.u8())
    c.u8() // consistency flags
    base = c.addr()
    c.addr() // superblock extension
    c.addr() // end of file
    root = c.addr()
    if (!checksumOk(c.bytes, c.pos)) c.fail("superblock checksum mismatch", 0)
  }
  if (base === UNDEF) base = 0
  if (root === UNDEF) c.fail("no root group")
  return { src, version, offsetSize: c.offsetSize, lengthSize: c.lengthSize, base: base === 0 ? at : base, root }
}
