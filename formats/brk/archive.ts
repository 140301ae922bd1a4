/**
 * Reads a .brk archive: the catalog chain from the last footer back, then only the packs a request
 * needs (one sample, one contig, a range of a contig), each checked against its CRC-32 before use.
 * Every byte read goes through the file's ByteSource in `readAt` here and is counted in `bytesRead`.
 */
import { type ByteSource, openFile } from "../../core/byte_source.ts"
import { ByteReader, crc32 } from "../../core/bytes.ts"
import type { ContigSide } from "../../core/batches.ts"
import { InvalidInput } from "../../core/errors.ts"
import { decompress } from "./codec.ts"
import { decodeDelta } from "./delta.ts"
import { fromColumns } from "./pack_columns.ts"
import { reverseComplement } from "./kmers.ts"
import { unpackRef } from "./ref_codec.ts"
import { FastaWriter } from "../fasta/writer.ts"
import {
  CATALOG_FRAME,
  CHAIN_LIMIT,
  type ContigEntry,
  FOOTER_BYTES,
  FRAME_BYTES,
  type GroupEntry,
  MAGIC,
  type PackEntry,
  type Params,
  readCatalog,
  readFooter,
  readFrame,
  type SampleEntry,
  type SegmentPlace,
} from "./format.ts"
import { contigName } from "../fasta/parser.ts"

/** Decompressed packs kept for reuse while restoring (references are shared by every sample). */
export const DEFAULT_CACHE = 64 << 20

interface GroupInfo extends GroupEntry {
  refPack: number
  /** Delta packs in order of their first delta. */
  deltaPacks: PackEntry[]
  deltas: number
}

export class Archive {
  params!: Params
  readonly groups: GroupInfo[] = []
  readonly packs: PackEntry[] = []
  readonly samples: SampleEntry[] = []
  /** Offset of the last footer, and the file's length. */
  footer = 0
  length = 0
  bytesRead = 0
  /** The longest chain of bases decoded so far (deltas decoded for one segment). */
  deepest = 0
  /** Per pack, the catalog version of its session (version 1 items have no base). */
  private readonly packVersions: number[] = []
  /** Chain depths of the deltas decoded so far, by `group:ordinal` (0: encoded against related groups). */
  private readonly depths = new Map<string, number>()
  private readonly cache = new Map<string, Uint8Array>()
  private cached = 0

  private constructor(readonly file: string, private readonly src: ByteSource, private readonly cacheBytes: number) {}

  static open(file: string, cacheBytes = DEFAULT_CACHE): Archive {
    const src = openFile(file)
    const a = new Archive(file, src, cacheBytes)
    try {
      a.load()
    } catch (e) {
      src.close()
      throw e
    }
    return a
  }

  close(): void {
    this.src.close()
  }

  private fail(offset: number | undefined, reason: string): never {
    throw new InvalidInput({ file: this.file, offset, reason })
  }

  private readAt(offset: number, length: number): Uint8Array {
    const b = new Uint8Array(length)
    const done = this.src.read(offset, b)
    this.bytesRead += done
    if (done < length) this.fail(offset, `file ends after ${done} of ${length} bytes (truncated)`)
    return b
  }

  private load(): void {
    this.length = this.src.byteLength
    if (this.length < MAGIC.length + FOOTER_BYTES) this.fail(0, "too short for a .brk archive (truncated?)")
    const magic = this.readAt(0, MAGIC.length)
    if (MAGIC.some((x, i) => magic[i] !== x)) this.fail(0, "not a .brk archive (bad magic)")
    const catalogs = []
    let at = this.length - FOOTER_BYTES
    this.footer = at
    for (;;) {
      const f = readFooter(this.readAt(at, FOOTER_BYTES), crc32)
      if (typeof f === "string") {
        if (at === this.length - FOOTER_BYTES) this.truncation(f)
        this.fail(at, f)
      }
      if (f.catalogOffset + f.catalogLength > at) this.fail(at, "footer points past itself")
      const body = this.readAt(f.catalogOffset, f.catalogLength)
      if (crc32(body) !== f.catalogCrc) this.fail(f.catalogOffset, "catalog checksum mismatch (corrupted)")
      try {
        catalogs.unshift(readCatalog(decompress(body)))
      } catch (e) {
        this.fail(f.catalogOffset, `catalog unreadable: ${(e as Error).message}`)
      }
      if (f.previous === 0) break
      if (f.previous >= at) this.fail(at, "footer chain goes forward")
      at = f.previous
    }
    for (const c of catalogs) {
      if (c.params) this.params = c.params
      for (const g of c.groups) {
        if (g.id !== this.groups.length) this.fail(undefined, `catalog: group ${g.id} out of order`)
        this.groups.push({ ...g, refPack: -1, deltaPacks: [], deltas: 0 })
      }
      for (const p of c.packs) {
        if (p.id !== this.packs.length) this.fail(undefined, `catalog: pack ${p.id} out of order`)
        const g = this.groups[p.group]
        if (!g || p.offset + p.length > this.length) this.fail(p.offset, `catalog: pack ${p.id} is out of range`)
        this.packs.push(p)
        this.packVersions.push(c.version ?? 1)
        if (p.ref) g.refPack = p.id
        else {
          g.deltaPacks.push(p)
          g.deltas = Math.max(g.deltas, p.first + p.count)
        }
      }
      this.samples.push(...c.samples)
    }
    if (!this.params) this.fail(undefined, "catalog has no parameters")
  }

  /** No footer at the end: walk the frames from the start to say which pack (or catalog) the file was cut in. */
  private truncation(reason: string): never {
    let pos = MAGIC.length, last = -1
    while (pos + FRAME_BYTES <= this.length) {
      const { id, length } = readFrame(this.readAt(pos, FRAME_BYTES))
      const catalog = id === CATALOG_FRAME
      if (!catalog && id !== last + 1) {
        this.fail(pos, `${reason}; no frame at byte ${pos} after pack ${last} (corrupted)`)
      }
      const end = pos + FRAME_BYTES + length + (catalog ? FOOTER_BYTES : 0)
      if (end > this.length) {
        this.fail(
          pos,
          catalog
            ? `${reason}: the catalog after pack ${last} is cut short (truncated)`
            : `${reason}: pack ${id} is cut short, ${
              this.length - pos - FRAME_BYTES
            } of its ${length} bytes left (truncated)`,
        )
      }
      if (!catalog) last = id
      pos = end
    }
    this.fail(this.length, `${reason}: the file ends after pack ${last} with no catalog (truncated)`)
  }

  private packName(p: PackEntry): string {
    return `pack ${p.id} (group ${p.group}, ${p.ref ? "reference" : `deltas ${p.first}-${p.first + p.count - 1}`})`
  }

  /** A pack's bytes, decompressed after its checksum (a version 2 delta pack's columns back in rows). */
  private pack(id: number): Uint8Array {
    const key = `p${id}`
    const hit = this.cache.get(key)
    if (hit) return this.touch(key, hit)
    const p = this.packs[id]
    const raw = this.readAt(p.offset, p.length)
    if (crc32(raw) !== p.crc) this.fail(p.offset, `${this.packName(p)} is corrupted: checksum mismatch`)
    let body: Uint8Array
    try {
      body = decompress(raw)
      if (!p.ref && this.packVersions[id] >= 2) body = fromColumns(body)
    } catch (e) {
      this.fail(p.offset, `${this.packName(p)}: ${(e as Error).message}`)
    }
    return this.keep(key, body)
  }

  /** A group's reference segment. */
  ref(group: number): Uint8Array {
    const key = `r${group}`
    const hit = this.cache.get(key)
    if (hit) return this.touch(key, hit)
    const g = this.groups[group]
    if (!g) this.fail(undefined, `catalog: a segment refers to group ${group}, the archive has ${this.groups.length}`)
    const p = this.packs[g.refPack]
    if (!p) this.fail(undefined, `group ${group} has no reference pack`)
    try {
      return this.keep(key, unpackRef(this.pack(p.id)))
    } catch (e) {
      if (e instanceof InvalidInput) throw e
      this.fail(p.offset, `${this.packName(p)}: ${(e as Error).message}`)
    }
  }

  /** The bytes of one segment as the contig has them (oriented, overlap dropped). */
  segment(s: SegmentPlace): Uint8Array {
    let bytes = s.ordinal < 0 ? this.ref(s.group) : this.delta(s.group, s.ordinal).bytes
    if (s.rc) bytes = reverseComplement(bytes)
    if (bytes.length - s.skip !== s.length) {
      this.fail(
        undefined,
        `segment of group ${s.group} restores ${bytes.length - s.skip} bases, catalog says ${s.length}`,
      )
    }
    return bytes.subarray(s.skip)
  }

  /**
   * Delta `ordinal` of a group as stored (before orientation and overlap), decoded against the group's
   * reference (and related groups'), or against its base, an earlier delta decoded the same way; and
   * its chain depth, the deltas decoded to restore it (0: it is encoded against related groups).
   */
  delta(group: number, ordinal: number, chain = 1): { bytes: Uint8Array; depth: number } {
    const key = `${group}:${ordinal}`
    const hit = this.cache.get(`d${key}`)
    if (hit) return { bytes: this.touch(`d${key}`, hit), depth: this.depths.get(key)! }
    const g = this.groups[group]
    if (!g) this.fail(undefined, `catalog: a segment refers to group ${group}, the archive has ${this.groups.length}`)
    const p = g.deltaPacks.find((q) => q.first <= ordinal && ordinal < q.first + q.count)
    if (!p) this.fail(undefined, `catalog: delta ${ordinal} of group ${group} is in no pack`)
    if (chain > CHAIN_LIMIT) this.fail(p.offset, `${this.packName(p)}: a chain of bases longer than ${CHAIN_LIMIT}`)
    try {
      const r = new ByteReader(this.pack(p.id))
      const count = r.uint()
      if (count !== p.count) throw new RangeError(`holds ${count} deltas, catalog says ${p.count}`)
      for (let k = p.first; k < ordinal; k++) r.bytes(r.uint())
      const end = r.uint() + r.pos
      const base = this.packVersions[p.id] >= 2 ? r.uint() - 1 : -1
      const groups = [group]
      for (let extras = r.uint(); extras > 0; extras--) groups.push(r.uint())
      if (groups.some((g) => !this.groups[g])) throw new RangeError(`item refers to a group the archive lacks`)
      if (base >= ordinal || (base >= 0 && groups.length > 1)) {
        throw new RangeError(`delta ${ordinal}'s base ${base} is not an earlier delta of its group`)
      }
      const v1 = this.packVersions[p.id] < 2
      const length = v1 ? r.uint() : 0
      let ref: Uint8Array, depth: number
      if (base >= 0) {
        const b = this.delta(group, base, chain + 1)
        ;[ref, depth] = [b.bytes, b.depth + 1]
      } else if (groups.length > 1) {
        const refs = groups.map((g) => this.ref(g))
        ref = new Uint8Array(refs.reduce((t, x) => t + x.length, 0))
        refs.reduce((at, x) => (ref.set(x, at), at + x.length), 0)
        depth = 0
      } else [ref, depth] = [this.ref(group), 1]
      // version 2: the length as its difference from the reference's (or base's)
      const bytes = new Uint8Array(v1 ? length : r.int() + ref.length)
      decodeDelta(r, end, ref, bytes)
      this.depths.set(key, depth)
      this.deepest = Math.max(this.deepest, depth)
      // a base is likely wanted again (by the other members encoded against it): kept
      if (chain > 1) this.keep(`d${key}`, bytes)
      return { bytes, depth }
    } catch (e) {
      if (e instanceof InvalidInput) throw e
      this.fail(p.offset, `${this.packName(p)}: ${(e as Error).message}`)
    }
  }

  sample(name: string): SampleEntry {
    const s = this.samples.find((x) => x.name === name)
    if (!s) this.fail(undefined, `no sample '${name}' (list shows the names)`)
    return s
  }

  /** Writes a whole sample, byte for byte, and checks it against the sample's CRC-32. */
  restoreSample(s: SampleEntry, out: (b: Uint8Array) => void): void {
    let crc = 0, size = 0
    const w = new FastaWriter((b) => {
      crc = crc32(b, crc)
      size += b.length
      out(b)
    })
    w.preamble(s.preamble)
    for (const c of s.contigs) this.writeContig(w, c.side, c)
    w.close()
    if (crc !== s.crc || size !== s.size) {
      this.fail(undefined, `sample '${s.name}' restored wrong (checksum mismatch): the archive is corrupted`)
    }
  }

  /** Contigs named `contig` (header up to white space), in every sample or in `sample`. */
  findContigs(contig: string, sample?: string): Array<{ sample: SampleEntry; contig: ContigEntry }> {
    const found = []
    for (const s of sample ? [this.sample(sample)] : this.samples) {
      for (const c of s.contigs) if (contigName(c.side.header) === contig) found.push({ sample: s, contig: c })
    }
    if (!found.length) this.fail(undefined, `no contig '${contig}'${sample ? ` in sample '${sample}'` : ""}`)
    return found
  }

  /** Writes one contig as it was, or bases [from, to) (0-based) under a header "name:from+1-to". */
  restoreContig(c: ContigEntry, out: (b: Uint8Array) => void, range?: [number, number]): void {
    const w = new FastaWriter(out)
    if (!range) this.writeContig(w, c.side, c)
    else {
      const [from, to] = [Math.max(0, range[0]), Math.min(c.side.length, range[1])]
      const width = c.side.lines[0] || 60
      const n = Math.max(0, to - from)
      const lines = [width, 0, Math.floor(n / width), n % width, 0, 1].slice(n >= width ? 0 : 3, n % width ? 6 : 3)
      const side: ContigSide = {
        header: new TextEncoder().encode(`${contigName(c.side.header)}:${from + 1}-${to}`),
        headerEol: 0,
        lines,
        caseRuns: sliceRuns(c.side.caseRuns, from, to),
        length: n,
      }
      this.writeContig(w, side, c, from, to)
    }
    w.close()
  }

  private writeContig(w: FastaWriter, side: ContigSide, c: ContigEntry, from = 0, to = Infinity): void {
    // the writer's RangeErrors (a line layout that does not fit the bases) are the catalog's fault
    const layout = (f: () => void) => {
      try {
        f()
      } catch (e) {
        if (!(e instanceof RangeError)) throw e
        this.fail(undefined, `contig '${contigName(side.header)}': ${e.message}`)
      }
    }
    layout(() => w.begin(side))
    let at = 0
    for (const s of c.segments) {
      const end = at + s.length
      if (end > from && at < to) {
        const bytes = this.segment(s)
        layout(() => w.sequence(bytes.subarray(Math.max(0, from - at), Math.min(s.length, to - at))))
      }
      at = end
      if (at >= to) break
    }
    try {
      w.end()
    } catch (e) {
      this.fail(undefined, `contig '${contigName(side.header)}': ${(e as Error).message}`)
    }
  }

  private touch(key: string, v: Uint8Array): Uint8Array {
    this.cache.delete(key)
    this.cache.set(key, v)
    return v
  }

  private keep(key: string, v: Uint8Array): Uint8Array {
    this.cache.set(key, v)
    this.cached += v.length
    for (const [k, x] of this.cache) {
      if (this.cached <= this.cacheBytes) break
      if (k === key) continue
      this.cache.delete(k)
      this.cached -= x.length
    }
    return v
  }
}

/** Case runs (alternating, non-lowercase first) restricted to [from, to). */
function sliceRuns(runs: number[], from: number, to: number): number[] {
  const out = [0]
  let at = 0
  for (let k = 0; k < runs.length; k++) {
    const len = Math.max(0, Math.min(at + runs[k], to) - Math.max(at, from))
    at += runs[k]
    if (len === 0) continue
    if ((out.length - 1) % 2 === k % 2) out[out.length - 1] += len
    else out.push(len)
  }
  return out
}
