/**
 * The fixed array chunk index of HDF5 1.10 (datasets with no unlimited dimension, in the newest format): a header
 * ("FAHD") and one data block ("FADB") of entries, one per chunk in row-major order of the chunk grid: the chunk's
 * address and, for filtered datasets, its stored size and filter mask. Both structures' checksums are verified.
 * A data block split in pages (more chunks than 2^page bits) is FormatUnsupported until a test file has one.
 */
import { entriesReadable, entryReader } from "./array_entry.ts"
import type { ChunkEntry } from "./btree_v1.ts"
import { checksumOk } from "./checksum.ts"
import { type Ctx, readAt, UNDEF, unsupported } from "./io.ts"

/** Every allocated chunk of a dataset of `dims` in chunks of `chunk` (elements of `elementSize` bytes). */
export function fixedArrayEntries(
  ctx: Ctx,
  addr: number,
  dims: number[],
  chunk: number[],
  elementSize: number,
): ChunkEntry[] {
  const h = readAt(ctx, addr, 8 + ctx.lengthSize + ctx.offsetSize + 4, "fixed array header")
  h.signature("FAHD")
  if (h.u8() !== 0) h.fail("fixed array header version")
  const client = h.u8()
  const entrySize = h.u8()
  const pageBits = h.u8()
  const count = h.len()
  const block = h.addr()
  if (!checksumOk(h.bytes, h.pos)) h.fail("fixed array header checksum mismatch", 0)
  const chunks = dims.reduce((a, d, k) => a * Math.ceil(d / chunk[k]), 1)
  if (!entriesReadable(ctx, client, entrySize)) h.fail(`fixed array of client ${client} with ${entrySize}-byte entries`)
  if (count !== chunks) h.fail(`fixed array of ${count} entries for ${chunks} chunks`)
  if (block === UNDEF || count === 0) return []
  if (pageBits < 31 && count > 2 ** pageBits) unsupported(ctx.src, "a paged fixed array chunk index")
  const prefix = 6 + ctx.offsetSize
  if (count * entrySize > ctx.src.byteLength) h.fail(`fixed array of ${count} entries larger than the file`)
  const c = readAt(ctx, block, prefix + count * entrySize + 4, "fixed array data block")
  c.signature("FADB")
  if (c.u8() !== 0 || c.u8() !== client) c.fail("fixed array data block version or client")
  if (c.addr() !== addr) c.fail("fixed array data block of another header")
  if (!checksumOk(c.bytes, prefix + count * entrySize)) c.fail("fixed array data block checksum mismatch", 0)
  const entry = entryReader(ctx, client, entrySize, dims, chunk, elementSize)
  const out: ChunkEntry[] = []
  for (let k = 0; k < count; k++) {
    const e = entry(c, k)
    if (e) out.push(e)
  }
  return out
}
