/**
 * Version 2 B-trees ("BTHD" header, "BTIN" internal and "BTLF" leaf nodes, each checksummed): every record,
 * in order. Dense link and attribute storage index their fractal-heap objects with them (records of types 5
 * and 8); the records are handed back raw, `recordSize` bytes each.
 */
import { checksumOk } from "./checksum.ts"
import { type Ctx, encSize, readAt, UNDEF } from "./io.ts"

/** Every record of the v2 B-tree whose header is at `addr`. */
export function btree2Records(ctx: Ctx, addr: number): { type: number; records: Uint8Array[] } {
  const h = readAt(ctx, addr, 16 + ctx.offsetSize + ctx.lengthSize + 2 + 4, "v2 B-tree header")
  h.signature("BTHD")
  if (h.u8() !== 0) h.fail("v2 B-tree header version")
  const type = h.u8()
  const nodeSize = h.u32()
  const recordSize = h.u16()
  const depth = h.u16()
  h.skip(2)
  const root = h.addr()
  const rootRecords = h.u16()
  const total = h.len()
  if (!checksumOk(h.bytes, h.pos)) h.fail("v2 B-tree header checksum mismatch", 0)
  if (root === UNDEF || total === 0) return { type, records: [] }
  if (recordSize === 0 || nodeSize < 16 || depth > 16 || total * recordSize > ctx.src.byteLength) {
    h.fail(`v2 B-tree of ${total} records of ${recordSize} bytes in ${nodeSize}-byte nodes, depth ${depth}`)
  }
  // the widths of child pointers' record counts, per depth, as the library sizes them
  const PREFIX = 10
  const maxRecs = [Math.floor((nodeSize - PREFIX) / recordSize)]
  const cumMax = [maxRecs[0]]
  for (let d = 1; d <= depth; d++) {
    const ptr = ctx.offsetSize + encSize(maxRecs[d - 1]) + (d > 1 ? encSize(cumMax[d - 1]) : 0)
    maxRecs[d] = Math.floor((nodeSize - PREFIX - ptr) / (recordSize + ptr))
    cumMax[d] = (maxRecs[d] + 1) * cumMax[d - 1] + maxRecs[d]
  }
  const records: Uint8Array[] = []
  let visited = 0
  const visit = (node: number, count: number, d: number) => {
    if (++visited * 16 > ctx.src.byteLength) h.fail("more v2 B-tree nodes than fit in the file")
    const c = readAt(ctx, node, nodeSize, "v2 B-tree node")
    c.signature(d > 0 ? "BTIN" : "BTLF")
    if (c.u8() !== 0 || c.u8() !== type) c.fail("v2 B-tree node version or type")
    if (count > maxRecs[d]) c.fail(`${count} records in a node that holds ${maxRecs[d]}`)
    const recs = Array.from({ length: count }, () => c.take(recordSize).slice())
    const children: Array<{ addr: number; n: number }> = []
    if (d > 0) {
      for (let k = 0; k <= count; k++) {
        const a = c.addr()
        const n = c.uint(encSize(maxRecs[d - 1]))
        if (d > 1) c.uint(encSize(cumMax[d - 1]))
        children.push({ addr: a, n })
      }
    }
    if (!checksumOk(c.bytes, c.pos)) c.fail("v2 B-tree node checksum mismatch", 0)
    if (d === 0) records.push(...recs)
    else {
      for (let k = 0; k <= count; k++) {
        visit(children[k].addr, children[k].n, d - 1)
        if (k < count) records.push(recs[k])
      }
    }
    if (records.length > total) c.fail("more records than the header counts")
  }
  visit(root, rootRecords, depth)
  return { type, records }
}
