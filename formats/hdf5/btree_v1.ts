/**
 * Version 1 B-trees ("TREE"): type 0 indexes a v1 group's symbol nodes, type 1 a chunked dataset's chunks
 * (the index NetCDF-4 writes by default). Walked whole once per object, each node read once; a node seen
 * twice, a level that does not descend, or more nodes than the file could hold is an InvalidInput.
 */
import { type Ctx, Cursor, readAt, UNDEF } from "./io.ts"

/** A chunk: its offsets in elements per dimension, its stored bytes and address, its skipped filters. */
export interface ChunkEntry {
  readonly offsets: number[]
  readonly size: number
  readonly filterMask: number
  readonly address: number
}

function walk(ctx: Ctx, root: number, type: 0 | 1, keySize: number, leaf: (c: Cursor, child: number) => void): void {
  const seen = new Set<number>()
  const stack: Array<{ addr: number; level: number }> = [{ addr: root, level: -1 }]
  const headerSize = 8 + 2 * ctx.offsetSize
  while (stack.length) {
    const { addr, level } = stack.pop()!
    if (seen.has(addr)) readAt(ctx, addr, 0, "v1 B-tree").fail("a B-tree node reached twice")
    seen.add(addr)
    if (seen.size * headerSize > ctx.src.byteLength) readAt(ctx, addr, 0, "v1 B-tree").fail("more B-tree nodes than fit")
    const h = readAt(ctx, addr, headerSize, "v1 B-tree node")
    h.signature("TREE")
    if (h.u8() !== type) h.fail(`node type is not ${type}`)
    const lvl = h.u8()
    const entries = h.u16()
    if (level >= 0 && lvl !== level) h.fail(`node at level ${lvl} where level ${level} belongs`)
    const c = readAt(ctx, addr, headerSize + entries * (keySize + ctx.offsetSize) + keySize, "v1 B-tree node")
    c.pos = headerSize
    for (let k = 0; k < entries; k++) {
      const keyAt = c.pos
      c.skip(keySize)
      const child = c.addr()
      if (child === UNDEF) c.fail("undefined child address")
      if (lvl > 0) stack.push({ addr: child, level: lvl - 1 })
      else {
        const key = new Cursor(c.src, c.start + keyAt, c.bytes.subarray(keyAt, keyAt + keySize), c.what)
        key.lengthSize = ctx.lengthSize
        leaf(key, child)
      }
    }
  }
}

/** The symbol node ("SNOD") addresses of a v1 group. */
export function groupNodes(ctx: Ctx, root: number): number[] {
  const out: number[] = []
  walk(ctx, root, 0, ctx.lengthSize, (_, child) => out.push(child))
  return out
}

/** Every chunk of a dataset of `rank` dimensions. */
export function chunkEntries(ctx: Ctx, root: number, rank: number): ChunkEntry[] {
  const out: ChunkEntry[] = []
  walk(ctx, root, 1, 8 + 8 * (rank + 1), (key, address) => {
    const size = key.u32()
    const filterMask = key.u32()
    const offsets = Array.from({ length: rank }, () => key.uint(8))
    out.push({ offsets, size, filterMask, address })
  })
  return out
}
