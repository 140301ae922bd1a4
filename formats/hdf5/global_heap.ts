/**
 * Global heap collections ("GCOL"): the data of variable-length values (strings, the reference lists of
 * dimension scales), found by collection address and object index. Collections are read once each.
 */
import { type Ctx, type Cursor, readAt } from "./io.ts"

export class GlobalHeap {
  private readonly collections = new Map<number, Map<number, Uint8Array>>()
  constructor(private readonly ctx: Ctx) {}

  object(collection: number, index: number): Uint8Array {
    let objs = this.collections.get(collection)
    if (!objs) {
      const h = readAt(this.ctx, collection, 8 + this.ctx.lengthSize, "global heap collection")
      h.signature("GCOL")
      if (h.u8() !== 1) h.fail("global heap version")
      h.skip(3)
      const size = h.len()
      const c = readAt(this.ctx, collection, size, "global heap collection")
      c.pos = h.pos
      objs = parse(c)
      this.collections.set(collection, objs)
    }
    const o = objs.get(index)
    if (!o) return readAt(this.ctx, collection, 0, "global heap").fail(`no object ${index} in the collection`)
    return o
  }
}

function parse(c: Cursor): Map<number, Uint8Array> {
  const objs = new Map<number, Uint8Array>()
  while (c.left >= 8 + c.lengthSize) {
    const index = c.u16()
    c.u16()
    c.skip(4)
    const size = c.len()
    if (index === 0) break
    objs.set(index, c.take(size))
    c.skip(Math.min(c.left, ((size + 7) & ~7) - size))
  }
  return objs
}
