/**
 * A group's links, however stored: a symbol table (v1 groups), link messages in the header (compact), or
 * dense storage (the link info message names a fractal heap of link messages and a v2 B-tree of names).
 * Links come back in creation order when it is tracked, else in the order stored.
 */
import { btree2Records } from "./btree_v2.ts"
import { readFractalHeap } from "./fractal_heap.ts"
import { type Ctx, Cursor, UNDEF } from "./io.ts"
import { type Link, readLink } from "./link.ts"
import { MSG, type ObjectHeader } from "./object_header.ts"
import { symbolTableLinks } from "./symbol_table.ts"

export function links(ctx: Ctx, oh: ObjectHeader): Link[] {
  const st = oh.one(MSG.SYMBOL_TABLE)
  if (st) return symbolTableLinks(ctx, st.body.addr(), st.body.addr())
  const out: Link[] = []
  for (const m of oh.all(MSG.LINK)) {
    const l = readLink(m.body, out.length)
    if (l) out.push(l)
  }
  const info = oh.one(MSG.LINK_INFO)
  if (info) {
    const c = info.body
    if (c.u8() !== 0) c.fail("link info version")
    const flags = c.u8()
    if (flags & 1) c.uint(8)
    const heap = c.addr()
    const names = c.addr()
    if (heap !== UNDEF && names !== UNDEF) {
      const h = readFractalHeap(ctx, heap)
      const { type, records } = btree2Records(ctx, names)
      if (type !== 5) c.fail(`link name index of B-tree type ${type}`)
      for (const rec of records) {
        const m = new Cursor(ctx.src, c.at, h.object(rec.subarray(4)), `dense link of the group at ${oh.address}`)
        m.offsetSize = ctx.offsetSize
        m.lengthSize = ctx.lengthSize
        const l = readLink(m, out.length)
        if (l) out.push(l)
      }
    }
  }
  return out.sort((a, b) => a.order - b.order)
}
