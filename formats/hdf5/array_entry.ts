/**
 * An entry of HDF5 1.10's array chunk indexes (fixed array, extensible array): the chunk's address and, for
 * filtered datasets (client 1), its stored size and filter mask; entries run in row-major order of the chunk
 * grid, the first dimension unbounded (an extensible array's unlimited one).
 */
import type { ChunkEntry } from "./btree_v1.ts"
import { type Ctx, type Cursor, UNDEF } from "./io.ts"

/** Whether `client` (0: unfiltered chunks, 1: filtered) and `entrySize` describe entries this reader decodes. */
export function entriesReadable(ctx: Ctx, client: number, entrySize: number): boolean {
  const sizeBytes = entrySize - ctx.offsetSize - 4
  return client === 0 ? entrySize === ctx.offsetSize : client === 1 && sizeBytes >= 1 && sizeBytes <= 8
}

/**
 * Reads entry number `k` at a cursor, for a dataset of `dims` in chunks of `chunk` (elements of `elementSize`
 * bytes): the chunk, or undefined for one never written.
 */
export function entryReader(
  ctx: Ctx,
  client: number,
  entrySize: number,
  dims: readonly number[],
  chunk: readonly number[],
  elementSize: number,
): (c: Cursor, k: number) => ChunkEntry | undefined {
  const filtered = client === 1
  const sizeBytes = entrySize - ctx.offsetSize - 4
  const grid = dims.map((d, k) => Math.ceil(d / chunk[k]))
  const full = chunk.reduce((a, b) => a * b, elementSize)
  return (c, k) => {
    const address = c.addr()
    const size = filtered ? c.uint(sizeBytes) : full
    const filterMask = filtered ? c.u32() : 0
    if (address === UNDEF) return undefined
    const offsets = new Array<number>(grid.length)
    for (let d = grid.length - 1, r = k; d >= 0; d--) {
      offsets[d] = (d === 0 ? r : r % grid[d]) * chunk[d]
      r = Math.floor(r / grid[d])
    }
    return { offsets, size, filterMask, address }
  }
}
