/**
 * The fractal heap ("FRHP" header, "FHIB" indirect and "FHDB" direct blocks): objects of dense link and
 * attribute storage, found by heap ID (managed objects through the doubly indexed table of blocks; tiny
 * objects inside the ID). Huge objects and filtered heaps are FormatUnsupported. Header and indirect block
 * checksums are verified.
 */
import { checksumOk } from "./checksum.ts"
import { type Ctx, Cursor, readAt, UNDEF, unsupported } from "./io.ts"

export interface FractalHeap {
  /** The object a heap ID names. */
  object(id: Uint8Array): Uint8Array
}

export function readFractalHeap(ctx: Ctx, addr: number): FractalHeap {
  const o = ctx.offsetSize
  const l = ctx.lengthSize
  const h = readAt(ctx, addr, 22 + 4 * o + 12 * l + 32, "fractal heap header")
  h.signature("FRHP")
  if (h.u8() !== 0) h.fail("fractal heap version")
  h.u16() // heap ID length
  const filterLength = h.u16()
  const flags = h.u8()
  const maxManaged = h.u32()
  h.len() // next huge ID
  h.addr() // huge object B-tree
  h.len() // free space
  h.addr() // free space manager
  h.len() // managed space
  h.len() // allocated managed space
  h.len() // direct block allocation iterator
  h.len() // managed objects
  h.len() // huge objects size
  h.len() // huge objects
  h.len() // tiny objects size
  h.len() // tiny objects
  const width = h.u16()
  const startSize = h.len()
  const maxDirect = h.len()
  const maxHeapBits = h.u16()
  h.u16() // starting rows of the root indirect block
  const root = h.addr()
  const rootRows = h.u16()
  if (filterLength) unsupported(ctx.src, "a filtered fractal heap")
  if (!checksumOk(h.bytes, h.pos)) h.fail("fractal heap header checksum mismatch", 0)
  if (width < 1 || width > 65536 || startSize < 1 || maxDirect < startSize || maxHeapBits < 1 || maxHeapBits > 64) {
    h.fail(`fractal heap geometry (width ${width}, blocks ${startSize}..${maxDirect}, ${maxHeapBits} bits)`)
  }
  const offsetBytes = Math.ceil(maxHeapBits / 8)
  const lengthBytes = Math.ceil(Math.log2(Math.min(maxDirect, maxManaged) + 1) / 8)
  const checksummed = (flags & 2) !== 0
  const maxDirectRows = Math.log2(maxDirect) - Math.log2(startSize) + 2
  const rowSize = (r: number) => (r === 0 ? startSize : startSize * 2 ** (r - 1))
  const direct = new Map<number, Cursor>()

  /** The direct block holding heap offset `off`, and that block's heap offset. */
  const find = (off: number): { block: number; start: number; size: number } => {
    if (root === UNDEF) h.fail("an object in an empty heap")
    if (rootRows === 0) return { block: root, start: 0, size: startSize }
    let block = root
    let rows = rootRows
    let start = 0
    for (let depth = 0; depth < 64; depth++) {
      const ib = readAt(ctx, block, 5 + o + offsetBytes, "fractal heap indirect block")
      ib.signature("FHIB")
      if (ib.u8() !== 0) ib.fail("indirect block version")
      const directRows = Math.min(rows, maxDirectRows)
      const entries = directRows * width + (rows - directRows) * width
      const c = readAt(ctx, block, 5 + o + offsetBytes + entries * o + 4, "fractal heap indirect block")
      if (!checksumOk(c.bytes, c.bytes.length - 4)) c.fail("indirect block checksum mismatch", 0)
      c.pos = 5 + o + offsetBytes
      let at = start
      let next = undefined as { addr: number; rows: number; start: number } | undefined
      for (let r = 0; r < rows && !next; r++) {
        const size = rowSize(r)
        for (let k = 0; k < width; k++) {
          const child = c.addr()
          if (off >= at && off < at + size) {
            if (child === UNDEF) c.fail(`heap offset ${off} falls in an unallocated block`)
            if (r < maxDirectRows) return { block: child, start: at, size }
            next = { addr: child, rows: Math.log2(size) - Math.log2(startSize * width) + 1, start: at }
            break
          }
          at += size
        }
      }
      if (!next) return c.fail(`heap offset ${off} beyond the heap`)
      block = next.addr
      rows = next.rows
      start = next.start
    }
    return h.fail("fractal heap deeper than 64 levels")
  }

  return {
    object(id) {
      const kind = (id[0] >> 4) & 3
      if (kind === 2) return id.slice(1, 1 + (id[0] & 15) + 1)
      if (kind !== 0) unsupported(ctx.src, "a huge object in a fractal heap")
      const idc = new Cursor(ctx.src, h.start, id, "fractal heap ID")
      idc.skip(1)
      const off = idc.uint(offsetBytes)
      const len = idc.uint(lengthBytes)
      const { block, start, size } = find(off)
      let b = direct.get(block)
      if (!b) {
        b = readAt(ctx, block, size, "fractal heap direct block")
        b.signature("FHDB")
        if (b.u8() !== 0) b.fail("direct block version")
        void checksummed
        direct.set(block, b)
      }
      const from = off - start
      if (from < 5 + o + offsetBytes || from + len > size) b.fail(`object at heap offset ${off} (${len} bytes) outside its block`)
      return b.bytes.subarray(from, from + len)
    },
  }
}
