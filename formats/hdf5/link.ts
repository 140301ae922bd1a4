/** The link message: a named hard link to an object header (soft and external links are skipped as unreadable). */
import type { Cursor } from "./io.ts"

export interface Link {
  readonly name: string
  readonly address: number
  /** Creation order when tracked, else the order found. */
  readonly order: number
}

/** A link message's link, or undefined for soft and external links. */
export function readLink(c: Cursor, found: number): Link | undefined {
  if (c.u8() !== 1) c.fail("link message version")
  const flags = c.u8()
  const type = flags & 8 ? c.u8() : 0
  const order = flags & 4 ? c.uint(8) : found
  if (flags & 16) c.u8()
  const nameLength = c.uint(1 << (flags & 3))
  const name = new TextDecoder().decode(c.take(nameLength))
  if (type !== 0) return undefined
  return { name, address: c.addr(), order }
}
