/** The local heap ("HEAP") of a v1 group: the names of its links, NUL-terminated at offsets in one data segment. */
import { type Ctx, readAt } from "./io.ts"

export interface LocalHeap {
  name(offset: number): string
}

export function readLocalHeap(ctx: Ctx, addr: number): LocalHeap {
  const h = readAt(ctx, addr, 8 + 2 * ctx.lengthSize + ctx.offsetSize, "local heap")
  h.signature("HEAP")
  if (h.u8() !== 0) h.fail("local heap version")
  h.skip(3)
  const size = h.len()
  h.len() // free list head
  const data = readAt(ctx, h.addr(), size, "local heap data segment")
  return {
    name(offset) {
      if (!(offset >= 0 && offset < size)) data.fail(`name offset ${offset} outside the heap`)
      data.pos = offset
      return data.cstring()
    },
  }
}
