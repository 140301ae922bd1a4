/**
 * A v1 group's members: the symbol table message names a v1 B-tree of symbol nodes ("SNOD") and a local
 * heap of names; each entry gives a member's name and object header address.
 */
import { groupNodes } from "./btree_v1.ts"
import { type Ctx, readAt } from "./io.ts"
import { readLocalHeap } from "./local_heap.ts"
import type { Link } from "./link.ts"

export function symbolTableLinks(ctx: Ctx, btree: number, heapAddr: number): Link[] {
  const heap = readLocalHeap(ctx, heapAddr)
  const entrySize = 2 * ctx.offsetSize + 24
  const out: Link[] = []
  for (const node of groupNodes(ctx, btree)) {
    const h = readAt(ctx, node, 8, "symbol table node")
    h.signature("SNOD")
    if (h.u8() !== 1) h.fail("symbol table node version")
    h.u8()
    const n = h.u16()
    const c = readAt(ctx, node + 8, n * entrySize, "symbol table node")
    for (let k = 0; k < n; k++) {
      const nameOffset = c.uint(ctx.offsetSize)
      const address = c.addr()
      c.skip(24)
      out.push({ name: heap.name(nameOffset), address, order: out.length })
    }
  }
  return out
}
