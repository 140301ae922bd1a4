/**
 * The .brk archive layout (FORMAT.md in operators/segment_pack describes it in full):
 *
 *   "BRKARCH1" | frame, pack bytes ... | frame, catalog (zstd) | footer (40 bytes)
 *
 * Each write session (pack, then every append) adds packs, then one catalog listing what it added
 * (parameters, groups, packs with offset/length/CRC-32, samples with contigs and segment lists),
 * then a footer pointing at that catalog and at the previous footer. Appending never rewrites bytes:
 * a reader starts from the last footer and follows the chain back.
 */
import { ByteReader, ByteWriter } from "../../core/bytes.ts"
import type { ContigSide } from "../../core/batches.ts"
import { readContigSide, writeContigSide } from "./contig_side.ts"

export const MAGIC = new TextEncoder().encode("BRKARCH1")
export const FOOTER_MAGIC = new TextEncoder().encode("BRKFOOT1")
export const FOOTER_BYTES = 40
/** Every pack and catalog is preceded by a frame (u32 id, u32 length), so a truncated file can name where it was cut. */
export const FRAME_BYTES = 8
/** The frame id of a catalog (its footer follows it). */
export const CATALOG_FRAME = 0xffffffff

export function writeFrame(id: number, length: number): Uint8Array {
  const b = new Uint8Array(FRAME_BYTES)
  const v = new DataView(b.buffer)
  v.setUint32(0, id, true)
  v.setUint32(4, length, true)
  return b
}

export function readFrame(b: Uint8Array): { id: number; length: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  return { id: v.getUint32(0, true), length: v.getUint32(4, true) }
}
export const CATALOG_VERSION = 1

export interface PackEntry {
  readonly id: number
  readonly offset: number
  readonly length: number
  readonly crc: number
  readonly group: number
  readonly ref: boolean
  readonly first: number
  readonly count: number
}

export interface GroupEntry {
  readonly id: number
  readonly a: bigint
  readonly b: bigint
}

export interface SegmentPlace {
  readonly group: number
  readonly ordinal: number
  readonly rc: boolean
  readonly skip: number
  readonly length: number
}

export interface ContigEntry {
  readonly side: ContigSide
  readonly segments: SegmentPlace[]
}

export interface SampleEntry {
  readonly name: string
  readonly file: string
  readonly crc: number
  readonly size: number
  readonly preamble: number[]
  readonly contigs: ContigEntry[]
}

export interface Params {
  readonly k: number
  readonly segmentSize: number
  readonly splitters: readonly bigint[]
}

export interface Catalog {
  readonly params?: Params
  readonly groups: GroupEntry[]
  readonly packs: PackEntry[]
  readonly samples: SampleEntry[]
}

export function writeCatalog(c: Catalog): Uint8Array {
  const w = new ByteWriter(1 << 16)
  w.uint(CATALOG_VERSION)
  w.uint(c.params ? 1 : 0)
  if (c.params) {
    w.uint(c.params.k).uint(c.params.segmentSize).uint(c.params.splitters.length)
    for (const s of c.params.splitters) w.u64(s)
  }
  w.uint(c.groups.length)
  for (const g of c.groups) w.uint(g.id).u64(g.a).u64(g.b)
  w.uint(c.packs.length)
  for (const p of c.packs) {
    w.uint(p.id).uint(p.offset).uint(p.length).uint(p.crc).uint(p.group).uint(p.ref ? 1 : 0).uint(p.first).uint(p.count)
  }
  w.uint(c.samples.length)
  for (const s of c.samples) {
    w.text(s.name).text(s.file).uint(s.crc).uint(s.size)
    w.uint(s.preamble.length)
    for (const v of s.preamble) w.uint(v)
    w.uint(s.contigs.length)
    for (const ct of s.contigs) {
      writeContigSide(w, ct.side)
      w.uint(ct.segments.length)
      for (const g of ct.segments) w.uint(g.group).uint(g.ordinal + 1).uint(g.rc ? 1 : 0).uint(g.skip).uint(g.length)
    }
  }
  return w.take()
}

/** Throws ShortRead or RangeError on malformed bytes; the caller names the file. */
export function readCatalog(b: Uint8Array): Catalog {
  const r = new ByteReader(b)
  const version = r.uint()
  if (version !== CATALOG_VERSION) {
    throw new RangeError(`catalog version ${version}, this brook reads ${CATALOG_VERSION}`)
  }
  let params: Params | undefined
  if (r.uint() === 1) {
    const k = r.uint(), segmentSize = r.uint()
    const splitters: bigint[] = []
    for (let n = r.uint(); n > 0; n--) splitters.push(r.u64())
    params = { k, segmentSize, splitters }
  }
  const groups: GroupEntry[] = []
  for (let n = r.uint(); n > 0; n--) groups.push({ id: r.uint(), a: r.u64(), b: r.u64() })
  const packs: PackEntry[] = []
  for (let n = r.uint(); n > 0; n--) {
    packs.push({
      id: r.uint(),
      offset: r.uint(),
      length: r.uint(),
      crc: r.uint(),
      group: r.uint(),
      ref: r.uint() === 1,
      first: r.uint(),
      count: r.uint(),
    })
  }
  const samples: SampleEntry[] = []
  for (let n = r.uint(); n > 0; n--) {
    const name = r.text(), file = r.text(), crc = r.uint(), size = r.uint()
    const preamble: number[] = []
    for (let m = r.uint(); m > 0; m--) preamble.push(r.uint())
    const contigs: ContigEntry[] = []
    for (let m = r.uint(); m > 0; m--) {
      const side = readContigSide(r)
      const segments: SegmentPlace[] = []
      for (let q = r.uint(); q > 0; q--) {
        segments.push({ group: r.uint(), ordinal: r.uint() - 1, rc: r.uint() === 1, skip: r.uint(), length: r.uint() })
      }
      contigs.push({ side, segments })
    }
    samples.push({ name, file, crc, size, preamble, contigs })
  }
  return { params, groups, packs, samples }
}

export interface Footer {
  readonly catalogOffset: number
  readonly catalogLength: number
  readonly catalogCrc: number
  /** Offset of the previous session's footer; 0 for the first. */
  readonly previous: number
}

export function writeFooter(f: Footer, crc32: (b: Uint8Array) => number): Uint8Array {
  const b = new Uint8Array(FOOTER_BYTES)
  const v = new DataView(b.buffer)
  b.set(FOOTER_MAGIC)
  v.setBigUint64(8, BigInt(f.catalogOffset), true)
  v.setBigUint64(16, BigInt(f.catalogLength), true)
  v.setUint32(24, f.catalogCrc, true)
  v.setBigUint64(28, BigInt(f.previous), true)
  v.setUint32(36, crc32(b.subarray(0, 36)), true)
  return b
}

/** The footer, or a reason it is not one. */
export function readFooter(b: Uint8Array, crc32: (b: Uint8Array) => number): Footer | string {
  if (b.length !== FOOTER_BYTES || FOOTER_MAGIC.some((x, i) => b[i] !== x)) {
    return "no footer (truncated, or not a .brk archive)"
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  if (v.getUint32(36, true) !== crc32(b.subarray(0, 36))) return "footer checksum mismatch"
  return {
    catalogOffset: Number(v.getBigUint64(8, true)),
    catalogLength: Number(v.getBigUint64(16, true)),
    catalogCrc: v.getUint32(24, true),
    previous: Number(v.getBigUint64(28, true)),
  }
}
