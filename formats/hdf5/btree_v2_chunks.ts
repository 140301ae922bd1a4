/**
 * The v2 B-tree chunk index of HDF5 1.10 (datasets with more than one unlimited dimension, in the newest
 * format): a v2 B-tree whose records are chunks, type 10 for unfiltered datasets (the chunk's address and its
 * scaled offsets: offset / chunk size, 8 bytes per dimension) and type 11 for filtered ones (the address, the
 * stored size in as many bytes as the record leaves, the filter mask, the scaled offsets).
 */
import type { ChunkEntry } from "./btree_v1.ts"
import { btree2Records } from "./btree_v2.ts"
import { type Ctx, Cursor, invalid, UNDEF } from "./io.ts"

/** Every chunk of a dataset in chunks of `chunk` (elements of `elementSize` bytes) whose index is at `addr`. */
export function btree2ChunkEntries(
  ctx: Ctx,
  addr: number,
  chunk: readonly number[],
  elementSize: number,
): ChunkEntry[] {
  const { type, records } = btree2Records(ctx, addr)
  const rank = chunk.length
  const full = chunk.reduce((a, b) => a * b, elementSize)
  const out: ChunkEntry[] = []
  if (!records.length) return out
  const sizeBytes = records[0].length - ctx.offsetSize - 4 - 8 * rank
  if (type === 10 ? records[0].length !== ctx.offsetSize + 8 * rank : type !== 11 || sizeBytes < 1 || sizeBytes > 8) {
    invalid(
      ctx.src,
      ctx.base + addr,
      `v2 B-tree chunk index: records of type ${type}, ${records[0].length} bytes, for ${rank}-d chunks`,
    )
  }
  for (const r of records) {
    const c = new Cursor(ctx.src, ctx.base + addr, r, "v2 B-tree chunk record")
    c.offsetSize = ctx.offsetSize
    c.lengthSize = ctx.lengthSize
    const address = c.addr()
    const size = type === 11 ? c.uint(sizeBytes) : full
    const filterMask = type === 11 ? c.u32() : 0
    const offsets = new Array<number>(rank)
    for (let d = 0; d < rank; d++) {
      const scaled = c.uint(8)
      if (!(scaled * chunk[d] < 2 ** 53)) c.fail(`a chunk at scaled offset ${scaled}`)
      offsets[d] = scaled * chunk[d]
    }
    if (address !== UNDEF) out.push({ offsets, size, filterMask, address })
  }
  return out
}
