/**
 * The extensible array chunk index of HDF5 1.10 (datasets with one unlimited dimension, in the newest format): a
 * header ("EAHD"), an index block ("EAIB") holding the first entries, the addresses of the first super blocks'
 * data blocks and of the later super blocks ("EASB"), and data blocks ("EADB") of entries. Super block s holds
 * 2^floor(s/2) data blocks of 2^floor((s+1)/2) x (data block minimum) entries. An entry is a chunk's address
 * (and, filtered, its stored size and filter mask), in row-major order of the chunk grid with the unlimited
 * dimension first. Later super blocks ("EASB") hold the addresses of their data blocks. Checksums are verified;
 * paged data blocks (tens of thousands of chunks along the unlimited dimension) are FormatUnsupported until a
 * test file has them.
 */
import { entriesReadable, entryReader } from "./array_entry.ts"
import type { ChunkEntry } from "./btree_v1.ts"
import { checksumOk } from "./checksum.ts"
import { type Ctx, type Cursor, readAt, UNDEF, unsupported } from "./io.ts"

export function extensibleArrayEntries(
  ctx: Ctx,
  addr: number,
  dims: number[],
  chunk: number[],
  elementSize: number,
): ChunkEntry[] {
  const o = ctx.offsetSize
  const h = readAt(ctx, addr, 12 + 6 * ctx.lengthSize + o + 4, "extensible array header")
  h.signature("EAHD")
  if (h.u8() !== 0) h.fail("extensible array header version")
  const client = h.u8()
  const entrySize = h.u8()
  const maxBits = h.u8()
  const indexEntries = h.u8()
  const dblkMin = h.u8()
  const sblkMinPtrs = h.u8()
  const pageBits = h.u8()
  for (let k = 0; k < 4; k++) h.len()
  const maxIndex = h.len()
  h.len()
  const iblock = h.addr()
  if (!checksumOk(h.bytes, h.pos)) h.fail("extensible array header checksum mismatch", 0)
  const pow2 = (n: number) => n >= 1 && (n & (n - 1)) === 0
  if (
    !entriesReadable(ctx, client, entrySize) || maxBits < 1 || maxBits > 64 ||
    !pow2(dblkMin) || !pow2(sblkMinPtrs) || Math.log2(dblkMin) > maxBits
  ) h.fail(`extensible array geometry (client ${client}, ${entrySize}-byte entries)`)
  if (maxIndex * entrySize > ctx.src.byteLength) h.fail(`extensible array of ${maxIndex} entries larger than the file`)
  if (iblock === UNDEF || maxIndex === 0) return []
  // the super blocks: data blocks each holds, entries per data block, first entry (after the index block's)
  const nsblks = 1 + maxBits - Math.log2(dblkMin)
  const sblks: Array<{ ndblks: number; per: number; start: number; firstDblk: number }> = []
  for (let s = 0, start = 0, firstDblk = 0; s < nsblks && start < maxIndex; s++) {
    const ndblks = 2 ** Math.floor(s / 2)
    const per = 2 ** Math.floor((s + 1) / 2) * dblkMin
    sblks.push({ ndblks, per, start, firstDblk })
    start += ndblks * per
    firstDblk += ndblks
  }
  const inIndex = 2 * Math.log2(sblkMinPtrs)
  const ndblkAddrs = 2 * (sblkMinPtrs - 1)
  const nsblkAddrs = nsblks - inIndex
  const ib = readAt(ctx, iblock, 6 + o + indexEntries * entrySize + (ndblkAddrs + nsblkAddrs) * o + 4, "extensible array index block")
  ib.signature("EAIB")
  if (ib.u8() !== 0 || ib.u8() !== client) ib.fail("extensible array index block version or client")
  if (ib.addr() !== addr) ib.fail("extensible array index block of another header")
  if (!checksumOk(ib.bytes, ib.bytes.length - 4)) ib.fail("extensible array index block checksum mismatch", 0)

  const read = entryReader(ctx, client, entrySize, dims, chunk, elementSize)
  const out: ChunkEntry[] = []
  let index = 0
  const entry = (c: Cursor) => {
    const k = index++
    const e = read(c, k)
    if (e && k < maxIndex) out.push(e)
  }
  for (let k = 0; k < indexEntries; k++) entry(ib)
  const dblkAddrs = Array.from({ length: ndblkAddrs }, () => ib.addr())
  const sblkAddrs = Array.from({ length: nsblkAddrs }, () => ib.addr())
  const blockOffsetBytes = Math.ceil(maxBits / 8)
  const dataBlock = (at: number, per: number) => {
    if (at === UNDEF) return void (index += per)
    if (per > 2 ** pageBits) unsupported(ctx.src, "a paged extensible array data block")
    const prefix = 6 + o + blockOffsetBytes
    const c = readAt(ctx, at, prefix + per * entrySize + 4, "extensible array data block")
    c.signature("EADB")
    if (c.u8() !== 0 || c.u8() !== client) c.fail("extensible array data block version or client")
    if (c.addr() !== addr) c.fail("extensible array data block of another header")
    if (!checksumOk(c.bytes, c.bytes.length - 4)) c.fail("extensible array data block checksum mismatch", 0)
    c.pos = prefix
    for (let k = 0; k < per; k++) entry(c)
  }
  for (let s = 0; s < sblks.length && index < maxIndex; s++) {
    const { ndblks, per, firstDblk } = sblks[s]
    if (s < inIndex) {
      for (let k = 0; k < ndblks; k++) dataBlock(dblkAddrs[firstDblk + k] ?? UNDEF, per)
      continue
    }
    const at = sblkAddrs[s - inIndex]
    if (at === UNDEF) {
      index += ndblks * per
      continue
    }
    // a super block ("EASB"): the addresses of its data blocks (after page bitmaps, when they are paged)
    if (per > 2 ** pageBits) unsupported(ctx.src, "a paged extensible array data block")
    const prefix = 6 + o + blockOffsetBytes
    const c = readAt(ctx, at, prefix + ndblks * o + 4, "extensible array super block")
    c.signature("EASB")
    if (c.u8() !== 0 || c.u8() !== client) c.fail("extensible array super block version or client")
    if (c.addr() !== addr) c.fail("extensible array super block of another header")
    if (!checksumOk(c.bytes, c.bytes.length - 4)) c.fail("extensible array super block checksum mismatch", 0)
    c.pos = prefix
    const blocks = Array.from({ length: ndblks }, () => c.addr())
    for (const b of blocks) dataBlock(b, per)
  }
  return out
}
