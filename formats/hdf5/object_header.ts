/**
 * Object headers, version 1 (8-byte aligned messages, continuation blocks without signature) and version 2
 * ("OHDR" and "OCHK" chunks, each ending in a lookup3 checksum, verified): the list of header messages of
 * one object, following continuation messages. The chunks visited are bounded by the file's size and a
 * count, so a continuation loop in a corrupted file ends in an InvalidInput.
 */
import { checksumOk } from "./checksum.ts"
import { type Ctx, Cursor, readAt, unsupported } from "./io.ts"

export const MSG = {
  NIL: 0,
  DATASPACE: 1,
  LINK_INFO: 2,
  DATATYPE: 3,
  FILL_OLD: 4,
  FILL: 5,
  LINK: 6,
  LAYOUT: 8,
  GROUP_INFO: 10,
  FILTERS: 11,
  ATTRIBUTE: 12,
  CONTINUATION: 16,
  SYMBOL_TABLE: 17,
  ATTRIBUTE_INFO: 21,
} as const

export interface Message {
  readonly type: number
  readonly flags: number
  /** A cursor over the message's bytes alone. */
  readonly body: Cursor
}

export interface ObjectHeader {
  readonly address: number
  readonly version: 1 | 2
  readonly messages: Message[]
  /** Messages of a type. */
  all(type: number): Message[]
  one(type: number): Message | undefined
}

/** Most chunks one header may have: far above any real file's. */
const MAX_CHUNKS = 4096

/** Reads the object header at `addr`. */
export function readObjectHeader(ctx: Ctx, addr: number): ObjectHeader {
  const head = readAt(ctx, addr, Math.min(16, ctx.src.byteLength - ctx.base - addr), "object header")
  const messages: Message[] = []
  const pending: Array<{ addr: number; len: number }> = []
  let version: 1 | 2
  const sub = (c: Cursor, len: number, type: number, flags: number) => {
    const body = new Cursor(c.src, c.at, c.take(len), `message ${type} of the object header at ${addr}`)
    body.offsetSize = ctx.offsetSize
    body.lengthSize = ctx.lengthSize
    if (flags & 2 && type !== MSG.CONTINUATION) {
      unsupported(ctx.src, `shared header message (type ${type}) in the object header at ${addr}`)
    }
    if (type === MSG.CONTINUATION) pending.push({ addr: body.addr(), len: body.len() })
    else messages.push({ type, flags, body })
  }
  let creationOrder = false
  const v2Messages = (c: Cursor, end: number) => {
    while (c.pos + (creationOrder ? 6 : 4) <= end) {
      const type = c.u8()
      const size = c.u16()
      const flags = c.u8()
      if (creationOrder) c.u16()
      if (c.pos + size > end) c.fail(`message of ${size} bytes runs past its chunk`)
      sub(c, size, type, flags)
    }
  }
  if (head.bytes[0] === 1) {
    version = 1
    head.skip(2)
    const count = head.u16()
    head.u32() // reference count
    const size = head.u32()
    const c = readAt(ctx, addr + 16, size, "object header (v1)")
    const v1Messages = (c: Cursor) => {
      while (c.left >= 8) {
        const type = c.u16()
        const len = c.u16()
        const flags = c.u8()
        c.skip(3)
        if (len > c.left) c.fail(`message of ${len} bytes runs past its block`)
        sub(c, len, type, flags)
      }
    }
    v1Messages(c)
    for (let n = 0; pending.length; n++) {
      if (n > MAX_CHUNKS || messages.length > count + MAX_CHUNKS) c.fail("too many continuation blocks")
      const p = pending.shift()!
      v1Messages(readAt(ctx, p.addr, p.len, "object header continuation"))
    }
  } else {
    version = 2
    head.signature("OHDR")
    if (head.u8() !== 2) head.fail("object header version is neither 1 nor 2", 4)
    const flags = head.u8()
    creationOrder = (flags & 4) !== 0
    let prefix = 6 + (flags & 32 ? 16 : 0) + (flags & 16 ? 4 : 0)
    const first = readAt(ctx, addr, prefix + (1 << (flags & 3)), "object header (v2)")
    first.pos = prefix
    const size = first.uint(1 << (flags & 3))
    prefix = first.pos
    const c = readAt(ctx, addr, prefix + size + 4, "object header (v2)")
    if (!checksumOk(c.bytes, prefix + size)) c.fail("object header checksum mismatch", 0)
    c.pos = prefix
    v2Messages(c, prefix + size)
    for (let n = 0; pending.length; n++) {
      if (n > MAX_CHUNKS) c.fail("too many continuation chunks")
      const p = pending.shift()!
      const k = readAt(ctx, p.addr, p.len, "object header continuation (v2)")
      k.signature("OCHK")
      if (p.len < 8 || !checksumOk(k.bytes, p.len - 4)) k.fail("continuation chunk checksum mismatch", 0)
      v2Messages(k, p.len - 4)
    }
  }
  return {
    address: addr,
    version,
    messages,
    all: (type) => messages.filter((m) => m.type === type),
    one: (type) => messages.find((m) => m.type === type),
  }
}
