/**
 * The group store of segmentPack: each group's reference segment, its seed index, its delta count
 * and its members (members.ts: signatures, chain depths, and each member's ops against the reference,
 * from which it is decoded when a later segment is encoded against it), under a byte cap. Per group it holds the reference (1 byte a base) and, while the group is
 * in use, its index (2-4 bytes a base, `indexBytes`): about 5 bytes a base, 300 KB for a 60 kbp
 * segment. When the cap is reached, indexes are dropped least recently used first (and rebuilt when
 * their group comes back); then references are spilled to a temp file (where members' ops always
 * go) and read back on use. So a
 * collection with more groups than fit still packs, more slowly, with the same archive.
 */
import * as fs from "node:fs"
import { readAt, writeAll } from "../../core/files.ts"
import { ByteReader } from "../../core/bytes.ts"
import { buildIndex, decodeDelta, indexBytes } from "../../formats/brk/delta.ts"
import { NONE } from "../../formats/brk/kmers.ts"
import { GroupMembers } from "./members.ts"

const keyOf = (a: bigint, b: bigint) => `${a}:${b}`

/** Groups a segment with a new key is encoded against at most: a lost middle splitter's two, and two more. */
export const MAX_RELATED = 4

export class GroupStore {
  readonly keys: Array<{ a: bigint; b: bigint }> = []
  /** Deltas written per group so far. */
  readonly deltas: number[] = []
  private readonly byKey = new Map<string, number>()
  private readonly neighbors = new Map<bigint, bigint[]>()
  private readonly touching = new Map<bigint, number[]>()
  private readonly refs: Array<Uint8Array | undefined> = []
  private readonly spilled: Array<{ offset: number; length: number } | undefined> = []
  private readonly indexes = new Map<number, Int32Array>()
  private readonly dropped = new Set<number>()
  private readonly memberSets: Array<GroupMembers | undefined> = []
  /** Per group, where each member's ops against the reference (bases are decoded from them) are in the temp file. */
  private readonly memberOps: Array<Array<{ offset: number; length: number }>> = []
  private readonly memberLengths: number[][] = []
  private spillFd: number | undefined
  private spillEnd = 0
  /** Bytes held: references and indexes in memory. */
  used = 0
  /** Spills and index rebuilds, for the report. */
  spills = 0
  rebuilds = 0

  constructor(
    readonly capacity: number,
    private readonly spillPath: () => string,
    /** Loads the reference of a group that came from an existing archive. */
    private readonly load: (id: number) => Uint8Array = () => {
      throw new RangeError("no reference loader")
    },
  ) {}

  get size(): number {
    return this.keys.length
  }

  find(a: bigint, b: bigint): number | undefined {
    return this.byKey.get(keyOf(a, b))
  }

  /** A new group; `ref` in memory, or undefined for one whose reference `load` reads. */
  add(a: bigint, b: bigint, ref: Uint8Array | undefined, deltas = 0): number {
    const id = this.keys.length
    this.keys.push({ a, b })
    this.deltas.push(deltas)
    this.byKey.set(keyOf(a, b), id)
    this.refs.push(ref)
    this.spilled.push(undefined)
    this.memberSets.push(undefined)
    this.memberOps.push([])
    this.memberLengths.push([])
    if (ref) this.used += ref.length
    for (const [x, y] of [[a, b], [b, a]]) {
      if (x === NONE) continue
      const groups = this.touching.get(x)
      if (groups) groups.push(id)
      else this.touching.set(x, [id])
      if (y === NONE) continue
      const list = this.neighbors.get(x)
      if (list) list.push(y)
      else this.neighbors.set(x, [y])
    }
    return id
  }

  /**
   * Groups related to a new key (a, b), at most MAX_RELATED: first a pair (a, m), (m, b) when the
   * middle splitter m was lost (a SNP in it, a deletion around it; AGC splits such a segment in two,
   * we encode it against both at once), then other groups with a or b as a boundary.
   */
  related(a: bigint, b: bigint): number[] {
    const out: number[] = []
    const put = (g: number | undefined) =>
      g !== undefined && out.length < MAX_RELATED && !out.includes(g) && out.push(g)
    if (a !== NONE && b !== NONE) {
      for (const m of this.neighbors.get(a) ?? []) {
        const g1 = this.find(a < m ? a : m, a < m ? m : a)
        const g2 = this.find(m < b ? m : b, m < b ? b : m)
        if (g1 !== undefined && g2 !== undefined) {
          put(g1)
          put(g2)
          break
        }
      }
    }
    for (const x of [a, b]) if (x !== NONE) { for (const g of this.touching.get(x) ?? []) put(g) }
    return out
  }

  /** A group's members so far; undefined while those of an archive being appended to are not loaded. */
  members(id: number): GroupMembers | undefined {
    return this.memberSets[id]
  }

  /** Starts a group's member list (before its first member, or after loading an archive's). */
  startMembers(id: number): GroupMembers {
    return this.memberSets[id] ??= new GroupMembers()
  }

  /**
   * Adds group `id`'s next member: its signature and depth (held), its ops against the reference
   * (written to the temp file at once: a member is read back only when it becomes a base, and on
   * bench/genomes.sh's collection holding them all cost 40 MB of peak RSS), and its length.
   */
  addMember(id: number, sig: Int32Array, depth: number, ops: Uint8Array, length: number): void {
    this.used += this.startMembers(id).add(sig, depth)
    this.spillFd ??= fs.openSync(this.spillPath(), "w+")
    writeAll(this.spillFd, ops)
    this.memberOps[id].push({ offset: this.spillEnd, length: ops.length })
    this.spillEnd += ops.length
    this.memberLengths[id].push(length)
  }

  memberLength(id: number, m: number): number {
    return this.memberLengths[id][m]
  }

  /** Member m of group id, decoded from its ops against the reference. */
  member(id: number, m: number): Uint8Array {
    const at = this.memberOps[id][m]
    const ops = new Uint8Array(at.length)
    readAt(this.spillFd!, ops, at.offset)
    const out = new Uint8Array(this.memberLengths[id][m])
    decodeDelta(new ByteReader(ops), ops.length, this.ref(id), out)
    return out
  }

  hasIndex(id: number): boolean {
    return this.indexes.has(id)
  }

  /** Bases in a group's reference, without loading it. */
  refLength(id: number): number {
    return this.refs[id]?.length ?? this.spilled[id]?.length ?? this.ref(id).length
  }

  ref(id: number): Uint8Array {
    const r = this.refs[id]
    if (r) return r
    const s = this.spilled[id]
    if (!s) {
      // a group from the archive being appended to: kept from now on, like the others
      const loaded = this.load(id)
      this.refs[id] = loaded
      this.used += loaded.length
      return loaded
    }
    const back = new Uint8Array(s.length)
    readAt(this.spillFd!, back, s.offset)
    return back
  }

  index(id: number): Int32Array {
    let ix = this.indexes.get(id)
    if (ix) {
      this.indexes.delete(id)
    } else {
      const ref = this.ref(id)
      ix = buildIndex(ref)
      this.used += indexBytes(ref.length)
      if (this.dropped.delete(id)) this.rebuilds++
    }
    this.indexes.set(id, ix) // most recently used last
    return ix
  }

  /** Drops indexes (oldest first), then spills references, until `used + extra` fits; keeps group `keep`. */
  shrink(extra: number, keep: number): void {
    for (const [id, ix] of this.indexes) {
      if (this.used + extra <= this.capacity) return
      if (id === keep) continue
      this.indexes.delete(id)
      this.dropped.add(id)
      this.used -= ix.byteLength
    }
    for (let id = 0; id < this.refs.length && this.used + extra > this.capacity; id++) {
      const r = this.refs[id]
      if (!r || id === keep) continue
      this.spillFd ??= fs.openSync(this.spillPath(), "w+")
      writeAll(this.spillFd, r)
      this.spilled[id] = { offset: this.spillEnd, length: r.length }
      this.spillEnd += r.length
      this.refs[id] = undefined
      this.used -= r.length
      this.spills++
    }
  }

  close(): void {
    if (this.spillFd !== undefined) fs.closeSync(this.spillFd)
    this.spillFd = undefined
  }
}
