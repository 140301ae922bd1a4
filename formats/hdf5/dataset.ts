/**
 * A dataset: its dataspace, datatype, fill value, layout and filters from its object header, and reads of a
 * run of elements (in row-major order) through positioned reads. A chunked read touches only the chunks the
 * run's bounding box meets, decodes each once (through the chunk cache) and copies rows of it straight into
 * the caller's buffer; chunks never written read as the fill value.
 */
import { type ChunkEntry, chunkEntries } from "./btree_v1.ts"
import { btree2ChunkEntries } from "./btree_v2_chunks.ts"
import { extensibleArrayEntries } from "./extensible_array.ts"
import { fixedArrayEntries } from "./fixed_array.ts"
import type { ChunkCache } from "./chunk_cache.ts"
import { type Dataspace, elements, readDataspace } from "./dataspace.ts"
import { type Datatype, readDatatype } from "./datatype.ts"
import { readFillValue } from "./fill_value.ts"
import { type Filter, readFilterPipeline } from "./filter_pipeline.ts"
import { checkFilters, type Unfiltered, unfilter, unshuffleInto } from "./filters.ts"
import { type Ctx, invalid, UNDEF, unsupported } from "./io.ts"
import { type Layout, readLayout } from "./layout.ts"
import { MSG, type ObjectHeader } from "./object_header.ts"

/** Largest chunk read (before or after its filters). */
const MAX_CHUNK_BYTES = 1 << 30

export interface Dataset {
  readonly name: string
  readonly header: ObjectHeader
  readonly space: Dataspace
  readonly type: Datatype
  readonly layout: Layout
  readonly filters: Filter[]
  readonly fill?: Uint8Array
}

export function isDataset(oh: ObjectHeader): boolean {
  return oh.one(MSG.LAYOUT) !== undefined && oh.one(MSG.DATASPACE) !== undefined
}

export function readDataset(ctx: Ctx, oh: ObjectHeader, name: string): Dataset {
  const need = (type: number, what: string) =>
    oh.one(type)?.body ?? invalid(ctx.src, ctx.base + oh.address, `dataset ${name} has no ${what} message`)
  const space = readDataspace(need(MSG.DATASPACE, "dataspace"))
  const type = readDatatype(need(MSG.DATATYPE, "datatype"))
  const layout = readLayout(need(MSG.LAYOUT, "layout"))
  const fm = oh.one(MSG.FILL) ?? oh.one(MSG.FILL_OLD)
  const fill = fm ? readFillValue(fm.body, fm.type === MSG.FILL_OLD) : undefined
  const filters = oh.one(MSG.FILTERS) ? readFilterPipeline(oh.one(MSG.FILTERS)!.body) : []
  checkFilters(ctx.src, name, filters)
  if (layout.class === "chunked") {
    if (layout.chunk.length !== space.dims.length) {
      invalid(ctx.src, ctx.base + oh.address, `${name}: ${layout.chunk.length}-d chunks of ${space.dims.length}-d data`)
    }
    if (layout.index.type === "extensible-array" && space.maxDims.slice(1).includes(UNDEF)) {
      unsupported(ctx.src, `${name}: an extensible array index over an unlimited dimension other than the first`)
    }
    if (layout.chunk.reduce((a, b) => a * b, type.size) > MAX_CHUNK_BYTES) {
      invalid(ctx.src, ctx.base + oh.address, `${name}: chunks over ${MAX_CHUNK_BYTES} bytes`)
    }
  }
  if (layout.class === "contiguous" && layout.address !== UNDEF && layout.size < elements(space) * type.size) {
    invalid(ctx.src, ctx.base + oh.address, `${name}: ${layout.size} bytes hold less than its ${elements(space)} elements`)
  }
  if (type.size < 1 || type.size > 1024) invalid(ctx.src, ctx.base + oh.address, `${name}: elements of ${type.size} bytes`)
  return { name, header: oh, space, type, layout, filters, fill }
}

function fillWith(out: Uint8Array, fill: Uint8Array | undefined): void {
  if (!fill || fill.every((b) => b === 0)) return out.fill(0) as unknown as void
  for (let o = 0; o < out.length; o += fill.length) out.set(fill.subarray(0, Math.min(fill.length, out.length - o)), o)
}

/** A dataset opened for reads: the chunk index is read on first use. */
export class DatasetReader {
  private index?: Map<string, ChunkEntry>
  constructor(private readonly ctx: Ctx, readonly ds: Dataset, private readonly cache: ChunkCache) {}

  /** Elements [start, start + count) in row-major order, in the file's byte order, into `out`. */
  read(start: number, count: number, out: Uint8Array): void {
    const { ds, ctx } = this
    const size = ds.type.size
    const total = elements(ds.space)
    if (start < 0 || count < 0 || start + count > total) {
      invalid(ctx.src, ctx.base + ds.header.address, `${ds.name}: elements ${start}..${start + count} of ${total}`)
    }
    if (count === 0) return
    const L = ds.layout
    if (L.class === "compact") {
      if ((start + count) * size > L.data.length) invalid(ctx.src, ctx.base + ds.header.address, `${ds.name}: compact data too short`)
      out.set(L.data.subarray(start * size, (start + count) * size))
    } else if (L.class === "contiguous") {
      if (L.address === UNDEF) return fillWith(out.subarray(0, count * size), ds.fill)
      if ((start + count) * size > L.size) invalid(ctx.src, ctx.base + L.address, `${ds.name}: contiguous data too short`)
      this.readRaw(L.address + start * size, out.subarray(0, count * size))
    } else this.readChunked(L.chunk, start, count, out)
  }

  private readRaw(addr: number, into: Uint8Array): void {
    const at = this.ctx.base + addr
    if (at + into.length > this.ctx.src.byteLength) invalid(this.ctx.src, at, `${this.ds.name}: data past the end of the file`)
    const got = this.ctx.src.read(at, into)
    if (got < into.length) invalid(this.ctx.src, at + got, `${this.ds.name}: file ends inside the data`)
  }

  private entry(origin: number[], chunk: number[]): ChunkEntry | undefined {
    const L = this.ds.layout as Extract<Layout, { class: "chunked" }>
    const bytes = chunk.reduce((a, b) => a * b, this.ds.type.size)
    if (L.index.type === "single") {
      // never written: the fill value
      if (L.address === UNDEF) return undefined
      return { offsets: origin, size: L.index.filteredSize ?? bytes, filterMask: L.index.filterMask, address: L.address }
    }
    if (L.index.type === "implicit") {
      const dims = this.ds.space.maxDims.map((m, d) => (m === UNDEF ? this.ds.space.dims[d] : m))
      let k = 0
      for (let d = 0; d < chunk.length; d++) k = k * Math.ceil(dims[d] / chunk[d]) + origin[d] / chunk[d]
      return L.address === UNDEF ? undefined : { offsets: origin, size: bytes, filterMask: 0, address: L.address + k * bytes }
    }
    if (!this.index) {
      this.index = new Map()
      if (L.address !== UNDEF) {
        const { dims } = this.ds.space
        const size = this.ds.type.size
        const entries = L.index.type === "fixed-array"
          ? fixedArrayEntries(this.ctx, L.address, dims, chunk, size)
          : L.index.type === "extensible-array"
          ? extensibleArrayEntries(this.ctx, L.address, dims, chunk, size)
          : L.index.type === "btree2"
          ? btree2ChunkEntries(this.ctx, L.address, chunk, size)
          : chunkEntries(this.ctx, L.address, chunk.length)
        for (const e of entries) this.index.set(e.offsets.join(","), e)
      }
    }
    return this.index.get(origin.join(","))
  }

  /** A stored chunk, its filters undone (cached). */
  private chunkBytes(origin: number[], chunk: number[], e: ChunkEntry): Unfiltered {
    const key = `${this.ds.header.address}:${origin.join(",")}`
    const cache = this.cache
    return cache.get(key, () => {
      const expected = chunk.reduce((a, b) => a * b, this.ds.type.size)
      if (e.size > MAX_CHUNK_BYTES || e.size > this.ctx.src.byteLength) {
        invalid(this.ctx.src, this.ctx.base + e.address, `${this.ds.name}: a chunk of ${e.size} bytes`)
      }
      const raw = cache.raw(e.size)
      this.readRaw(e.address, raw)
      const at = this.ctx.base + e.address
      const d = unfilter(this.ctx.src, at, raw, this.ds.filters, e.filterMask, expected, this.ds.type.size, cache, true)
      // kept past the next chunk's read: not in the read buffer
      if (d.bytes.buffer !== raw.buffer) return d
      const own = cache.buffer(expected)
      own.set(d.bytes.subarray(0, expected))
      return { bytes: own, shuffled: d.shuffled }
    })
  }

  /**
   * Copies `pieces` of one chunk into `out`. An unfiltered chunk that is stored is read straight from the file:
   * the pieces into `out` when they are one run, else the span they cover, once; others are decoded (cached),
   * and unshuffled as they are copied when shuffle was their first filter.
   */
  private copyChunk(origin: number[], chunk: number[], pieces: number[], out: Uint8Array): void {
    if (!pieces.length) return
    const e = this.entry(origin, chunk)
    if (!e) {
      // never written: its fill value, straight into the output (no chunk decoded)
      for (let k = 0; k < pieces.length; k += 3) {
        fillWith(out.subarray(pieces[k + 1], pieces[k + 1] + pieces[k + 2]), this.ds.fill)
      }
      return
    }
    if (this.ds.filters.length === 0) {
      const expected = chunk.reduce((a, b) => a * b, this.ds.type.size)
      const last = pieces.length - 3
      const span = pieces[last] + pieces[last + 2] - pieces[0]
      if (pieces[last] + pieces[last + 2] > expected) {
        invalid(this.ctx.src, this.ctx.base + e.address, `${this.ds.name}: a piece past its chunk`)
      }
      if (pieces.length === 3) return this.readRaw(e.address + pieces[0], out.subarray(pieces[1], pieces[1] + pieces[2]))
      const buf = this.cache.raw(span)
      this.readRaw(e.address + pieces[0], buf)
      for (let k = 0; k < pieces.length; k += 3) {
        const c0 = pieces[k] - pieces[0]
        out.set(buf.subarray(c0, c0 + pieces[k + 2]), pieces[k + 1])
      }
      return
    }
    const { bytes, shuffled } = this.chunkBytes(origin, chunk, e)
    if (shuffled) {
      const n = Math.floor(chunk.reduce((a, b) => a * b, this.ds.type.size) / shuffled)
      for (let k = 0; k < pieces.length; k += 3) {
        if (pieces[k] % shuffled || pieces[k + 2] % shuffled) {
          invalid(this.ctx.src, this.ctx.base + this.ds.header.address, `${this.ds.name}: shuffled in ${shuffled}-byte elements`)
        }
        unshuffleInto(bytes, shuffled, n, pieces[k] / shuffled, pieces[k + 2] / shuffled, out, pieces[k + 1])
      }
      return
    }
    for (let k = 0; k < pieces.length; k += 3) {
      out.set(bytes.subarray(pieces[k], pieces[k] + pieces[k + 2]), pieces[k + 1])
    }
  }

  private readChunked(chunk: number[], start: number, count: number, out: Uint8Array): void {
    const dims = this.ds.space.dims
    const r = dims.length
    const size = this.ds.type.size
    const st = new Array<number>(r)
    const cst = new Array<number>(r)
    for (let d = r - 1, s = 1, c = 1; d >= 0; d--) st[d] = s, s *= dims[d], cst[d] = c, c *= chunk[d]
    const unravel = (x: number) => dims.map((_, d) => Math.floor(x / st[d]) % dims[d])
    const f = unravel(start)
    const l = unravel(start + count - 1)
    const lo = new Array<number>(r)
    const hi = new Array<number>(r)
    let same = true
    for (let d = 0; d < r; d++) {
      lo[d] = same ? f[d] : 0
      hi[d] = same ? l[d] : dims[d] - 1
      if (f[d] !== l[d]) same = false
    }
    const end = start + count
    const cg = lo.map((x, d) => Math.floor(x / chunk[d]))
    const cgHi = hi.map((x, d) => Math.floor(x / chunk[d]))
    for (;;) {
      const origin = cg.map((g, d) => g * chunk[d])
      // the pieces of this chunk's rows (along the last dimension) inside the run: [chunk byte, out byte, bytes]
      const pieces: number[] = []
      const a = origin.map((o, d) => Math.max(lo[d], o) - o)
      const b = origin.map((o, d) => Math.min(hi[d], o + chunk[d] - 1, dims[d] - 1) - o)
      const i = a.slice()
      for (;;) {
        let L = 0
        let C = 0
        for (let d = 0; d < r - 1; d++) L += (origin[d] + i[d]) * st[d], C += i[d] * cst[d]
        const rowFrom = L + origin[r - 1] + a[r - 1]
        const rowTo = L + origin[r - 1] + b[r - 1] + 1
        const from = Math.max(rowFrom, start)
        const to = Math.min(rowTo, end)
        if (from < to) {
          const c0 = (C + a[r - 1] + from - rowFrom) * size
          const o0 = (from - start) * size
          const n = (to - from) * size
          const k = pieces.length
          // a piece that continues the last one in both the chunk and the output joins it
          if (k && pieces[k - 3] + pieces[k - 1] === c0 && pieces[k - 2] + pieces[k - 1] === o0) pieces[k - 1] += n
          else pieces.push(c0, o0, n)
        }
        let d = r - 2
        while (d >= 0 && ++i[d] > b[d]) i[d] = a[d], d--
        if (d < 0) break
      }
      this.copyChunk(origin, chunk, pieces, out)
      let d = r - 1
      while (d >= 0 && ++cg[d] > cgHi[d]) cg[d] = Math.floor(lo[d] / chunk[d]), d--
      if (d < 0) break
    }
  }
}
