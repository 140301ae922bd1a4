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
/**
 * 2: a delta pack's items start with their base (0: the group's reference; j + 1: delta j of the
 * same group). Version 1 archives (no base) are still read; appending to one writes version 2 sessions.
 */
export const CATALOG_VERSION = 2
/** Bases form chains: restoring a segment decodes at most this many deltas (a reader's bound; writers use fewer). */
export const CHAIN_LIMIT = 64

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
  /** The version it was written in (readCatalog); writeCatalog writes CATALOG_VERSION. */
  readonly version?: number
  readonly params?: Params
  readonly groups: GroupEntry[]
  readonly packs: PackEntry[]
  readonly samples: SampleEntry[]
}

/**
 * The catalog's bytes. From version 2 its fields go to three streams, written one after the other
 * as blobs so that zstd sees like next to like: texts (names, files, headers), CRCs (4 bytes, little
 * endian) and numbers (everything else, varints). Version 1 had them all interleaved in one stream.
 */
export function writeCatalog(c: Catalog): Uint8Array {
  const w = new ByteWriter(1 << 16), t = new ByteWriter(1 << 12), crcs = new ByteWriter(1 << 12)
  const crc = (v: number) => crcs.byte(v & 0xff).byte((v >>> 8) & 0xff).byte((v >>> 16) & 0xff).byte(v >>> 24)
  w.uint(c.params ? 1 : 0)
  if (c.params) {
    w.uint(c.params.k).uint(c.params.segmentSize).uint(c.params.splitters.length)
    for (const s of c.params.splitters) w.u64(s)
  }
  w.uint(c.groups.length)
  for (const g of c.groups) w.uint(g.id).u64(g.a).u64(g.b)
  w.uint(c.packs.length)
  for (const p of c.packs) {
    crc(p.crc)
    w.uint(p.id).uint(p.offset).uint(p.length).uint(p.group).uint(p.ref ? 1 : 0).uint(p.first).uint(p.count)
  }
  w.uint(c.samples.length)
  // a segment's ordinal as its difference from its group's next (0 but for the first and references),
  // the last segment's length and the sample's size as their difference from what the contig leaves
  const next = new Map<number, number>()
  for (const s of c.samples) {
    // the file name is most often the sample's name and an extension: then only the extension
    const own = s.file.startsWith(s.name)
    t.text(s.name).text(own ? s.file.slice(s.name.length) : s.file)
    w.uint(own ? 1 : 0)
    crc(s.crc)
    w.uint(s.preamble.length)
    for (const v of s.preamble) w.uint(v)
    w.uint(s.contigs.length)
    let bases = 0
    for (const ct of s.contigs) {
      writeContigSide(w, ct.side, t)
      bases += ct.side.length
      w.uint(ct.segments.length)
      let left = ct.side.length
      ct.segments.forEach((g, k) => {
        w.uint(g.group).int(g.ordinal - (next.get(g.group) ?? 0)).uint(g.rc ? 1 : 0).uint(g.skip)
        if (g.ordinal >= 0) next.set(g.group, g.ordinal + 1)
        if (k === ct.segments.length - 1) w.int(g.length - left)
        else w.uint(g.length)
        left -= g.length
      })
    }
    w.int(s.size - bases)
  }
  return new ByteWriter(w.length + t.length + crcs.length + 16).uint(CATALOG_VERSION).blob(w.view()).blob(t.view())
    .blob(crcs.view()).take()
}

/** Throws ShortRead or RangeError on malformed bytes; the caller names the file. */
export function readCatalog(b: Uint8Array): Catalog {
  const head = new ByteReader(b)
  const version = head.uint()
  if (version < 1 || version > CATALOG_VERSION) {
    throw new RangeError(`catalog version ${version}, this brook reads 1 to ${CATALOG_VERSION}`)
  }
  const r = version === 1 ? head : new ByteReader(head.blob())
  const t = version === 1 ? head : new ByteReader(head.blob())
  const crcs = version === 1 ? head : new ByteReader(head.blob())
  const crc = version === 1
    ? () => r.uint()
    : () => (crcs.byte() | (crcs.byte() << 8) | (crcs.byte() << 16) | (crcs.byte() << 24)) >>> 0
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
    const pc = version === 1 ? undefined : crc()
    const id = r.uint(), offset = r.uint(), length = r.uint()
    packs.push({
      id,
      offset,
      length,
      crc: pc ?? crc(),
      group: r.uint(),
      ref: r.uint() === 1,
      first: r.uint(),
      count: r.uint(),
    })
  }
  const samples: SampleEntry[] = []
  const next = new Map<number, number>()
  for (let n = r.uint(); n > 0; n--) {
    const name = t.text()
    let file = t.text()
    if (version > 1 && r.uint() === 1) file = name + file
    const sc = crc()
    let size = version === 1 ? r.uint() : 0
    const preamble: number[] = []
    for (let m = r.uint(); m > 0; m--) preamble.push(r.uint())
    const contigs: ContigEntry[] = []
    let bases = 0
    for (let m = r.uint(); m > 0; m--) {
      const side = readContigSide(r, t, version)
      bases += side.length
      const segments: SegmentPlace[] = []
      let left = side.length
      for (let q = r.uint(); q > 0; q--) {
        if (version === 1) {
          segments.push({
            group: r.uint(),
            ordinal: r.uint() - 1,
            rc: r.uint() === 1,
            skip: r.uint(),
            length: r.uint(),
          })
          continue
        }
        const group = r.uint(), ordinal = r.int() + (next.get(group) ?? 0), rc = r.uint() === 1, skip = r.uint()
        if (ordinal >= 0) next.set(group, ordinal + 1)
        const length = q === 1 ? r.int() + left : r.uint()
        left -= length
        segments.push({ group, ordinal, rc, skip, length })
      }
      contigs.push({ side, segments })
    }
    if (version > 1) size = r.int() + bases
    samples.push({ name, file, crc: sc, size, preamble, contigs })
  }
  return { version, params, groups, packs, samples }
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
