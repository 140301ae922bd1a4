/**
 * The node table: external ids (strings or integers) interned to dense u32 node ids (the id index, here),
 * and columnar attributes (attribute_columns.ts). No per-node objects: string ids live in one character arena (1 B per character while
 * every id is Latin-1, 2 B after the first wider one) with u32 offsets; integer ids in a Float64Array;
 * the lookup is an open-addressing Uint32Array hash table at most half full, each entry the node id + 1
 * in its low bits and the hash's bits above the slot index in the rest (a fingerprint: a probe that
 * meets another id rarely has to look at its characters). Per node: 12 B for string ids plus their
 * characters, 16 B for integer ids, plus attribute payload.
 */

import { fitted, fromCharCodes, grown, type Metered } from "../core/bytes.ts"
import { AttributeColumns, type AttributeType, type Storage } from "./attribute_columns.ts"

export type { AttributeColumn, AttributeType } from "./attribute_columns.ts"

const EMPTY = 0
/** Ids per internStrings pass: its home slots stay in cache between the touching loop and the probes. */
const WINDOW = 4096

export class NodeTable {
  private count = 0
  private slots = new Int32Array(16)
  /** The hash of the id lookupOrSlot last looked for. */
  private lastHash = 0
  // string ids
  private chars: Uint8Array | Uint16Array = new Uint8Array(256)
  /** internStrings' scratch: the hashes and arena positions of one window of ids. */
  private readonly windowHashes = new Int32Array(WINDOW)
  private readonly windowStarts = new Uint32Array(WINDOW + 1)
  /** Keeps the slot-touching loop of probeWindow from being optimised away. */
  private touched = 0
  private charEnd = 0
  private starts: Uint32Array = new Uint32Array(16)
  // integer ids
  private keys: Float64Array = new Float64Array(16)
  private readonly attributes: AttributeColumns

  /**
   * `expected`: nodes to size the table for up front (it still grows past them). `memory`: told of every
   * allocation before it is made (it may refuse by throwing) and of every array dropped.
   */
  constructor(
    readonly kind: "string" | "integer",
    expected = 0,
    private readonly memory: Metered = UNMETERED,
  ) {
    this.attributes = new AttributeColumns(expected > 8 ? expected : 16, memory)
    if (expected > 8) {
      this.slots = new Int32Array(1 << Math.ceil(Math.log2(2 * expected + 1)))
      if (kind === "string") {
        this.starts = new Uint32Array(expected)
        this.chars = new Uint8Array(expected * 8)
      } else this.keys = new Float64Array(expected)
    }
    memory.reserve(this.bytes + this.windowHashes.byteLength + this.windowStarts.byteLength)
  }

  /** Nodes interned so far. */
  get size(): number {
    return this.count
  }

  /** Bytes held by ids, the hash table and attributes (capacity, not just what is used). */
  get bytes(): number {
    return this.slots.byteLength +
      (this.kind === "string" ? this.chars.byteLength + this.starts.byteLength : this.keys.byteLength) +
      this.attributes.bytes
  }

  /**
   * Gives back the spare capacity of the id arrays and columns (after the last batch, say). An array
   * with less than an eighth to spare is kept as it is: copying it would cost more than it frees.
   */
  trim(): void {
    if (this.kind === "string") {
      this.chars = this.fitted(this.chars, this.charEnd)
      this.starts = this.fitted(this.starts, this.count)
    } else this.keys = this.fitted(this.keys, this.count)
    this.attributes.trim(this.count)
  }

  /** The node id of `id`, adding it when new. */
  intern(id: string | number): number {
    const found = this.lookupOrSlot(id)
    if (found >= 0) return found
    const slot = -found - 1
    const u = this.count++
    if (this.kind === "string") this.storeString(String(id), u)
    else {
      if (u >= this.keys.length) this.keys = this.grown(this.keys, u + 1)
      this.keys[u] = Number(id)
    }
    this.slots[slot] = entry(this.lastHash, this.slots.length - 1, u)
    if (2 * this.count > this.slots.length) this.rehash()
    if (this.count > this.attributes.capacity) this.attributes.grow(this.count)
    return u
  }

  /** Interns a batch; returns the node ids. */
  internAll(ids: ArrayLike<string | number>): Uint32Array {
    const out = new Uint32Array(ids.length)
    if (this.kind === "string") this.internStrings(ids, out)
    else for (let k = 0; k < ids.length; k++) out[k] = this.intern(ids[k])
    return out
  }

  /**
   * internAll for string ids, WINDOW ids at a time in two passes. The first copies each id's characters
   * to the end of the arena (where a new id would go) and hashes them, one pass over the strings. The
   * second touches every window id's home slot (independent loads the CPU overlaps) and then probes:
   * a new id keeps the characters already copied (moved down over any duplicate's), a known id drops
   * them. A probe that meets an equal fingerprint compares arena bytes with arena bytes.
   */
  private internStrings(ids: ArrayLike<string | number>, out: Uint32Array): void {
    const need = this.count + ids.length
    while (2 * need > this.slots.length) this.rehash()
    if (need > this.attributes.capacity) this.attributes.grow(need)
    if (need > this.starts.length) this.starts = this.grown(this.starts, need)
    const hashes = this.windowHashes, at = this.windowStarts
    for (let k0 = 0; k0 < ids.length; k0 += WINDOW) {
      const k1 = Math.min(ids.length, k0 + WINDOW)
      let chars = 0
      for (let k = k0; k < k1; k++) {
        const id = ids[k]
        chars += typeof id === "string" ? id.length : String(id).length
      }
      if (this.charEnd + chars > this.chars.length) this.chars = this.grown(this.chars, this.charEnd + chars)
      if (copyAndHash(ids, k0, k1, this.chars, this.charEnd, hashes, at) > 0xff && this.chars instanceof Uint8Array) {
        // the first character past Latin-1: every id moves to 2 B per character
        const wider = this.widened(this.chars)
        copyAndHash(ids, k0, k1, wider, this.charEnd, hashes, at)
      }
      this.probeWindow(k1 - k0, out, k0)
    }
  }

  /** The second pass of internStrings over one window: ids k0 + k (k < len), copied and hashed. */
  private probeWindow(len: number, out: Uint32Array, k0: number): void {
    const slots = this.slots, mask = slots.length - 1, starts = this.starts, chars = this.chars
    const hashes = this.windowHashes, at = this.windowStarts
    let touched = 0
    for (let k = 0; k < len; k++) touched |= slots[hashes[k] & mask]
    this.touched = touched
    let charEnd = this.charEnd, count = this.count
    for (let k = 0; k < len; k++) {
      const h = hashes[k], fingerprint = h & ~mask
      const p = at[k], n = at[k + 1] - p
      let slot = h & mask
      let u = -1
      for (;;) {
        const stored = slots[slot]
        if (stored === EMPTY) break
        if ((stored & ~mask) === fingerprint) {
          const e = stored & mask
          const a = starts[e - 1], b = e < count ? starts[e] : charEnd
          if (b - a === n) {
            let x = 0
            while (x < n && chars[a + x] === chars[p + x]) x++
            if (x === n) {
              u = e - 1
              break
            }
          }
        }
        slot = (slot + 1) & mask
      }
      if (u < 0) {
        if (p !== charEnd) chars.copyWithin(charEnd, p, p + n)
        u = count++
        starts[u] = charEnd
        charEnd += n
        slots[slot] = fingerprint | (u + 1)
      }
      out[k0 + k] = u
    }
    this.charEnd = charEnd
    this.count = count
  }

  /** The node id of `id`, or -1. */
  lookup(id: string | number): number {
    const r = this.lookupOrSlot(id)
    return r >= 0 ? r : -1
  }

  /** The external id of node u. */
  id(u: number): string | number {
    if (this.kind === "integer") return this.keys[u]
    const a = this.starts[u], b = u + 1 < this.count ? this.starts[u + 1] : this.charEnd
    return fromCharCodes(this.chars.subarray(a, b))
  }

  /** Adds an attribute column (values default to 0, false or ""). */
  addAttribute(name: string, type: AttributeType): void {
    this.attributes.add(name, type)
  }

  attributeNames(): string[] {
    return this.attributes.names()
  }

  /** Sets `name` of nodes[k] to values[k] for every k: one batch, one column. */
  setAttributes(name: string, nodes: ArrayLike<number>, values: ArrayLike<number | boolean | string>): void {
    this.attributes.setAll(name, nodes, values, this.count)
  }

  setAttribute(name: string, u: number, value: number | boolean | string): void {
    this.attributes.set(name, u, value, this.count)
  }

  getAttribute(name: string, u: number): number | boolean | string {
    return this.attributes.get(name, u, this.count)
  }

  /** The column's typed array over the nodes (a view; strings give their dictionary codes). */
  attributeColumn(name: string): { type: AttributeType; values: Storage; dictionary?: readonly string[] } {
    return this.attributes.view(name, this.count)
  }

  /** Node id when present; otherwise -(free slot) - 1. Leaves the id's hash in lastHash. */
  private lookupOrSlot(id: string | number): number {
    const mask = this.slots.length - 1
    if (this.kind === "string") {
      const s = typeof id === "string" ? id : String(id)
      const h = this.lastHash = hashString(s)
      for (let slot = h & mask;; slot = (slot + 1) & mask) {
        const stored = this.slots[slot]
        if (stored === EMPTY) return -slot - 1
        const e = stored & mask
        if ((stored & ~mask) === (h & ~mask) && this.equalsString(e - 1, s)) return e - 1
      }
    }
    const k = Number(id)
    const h = this.lastHash = hashNumber(k)
    for (let slot = h & mask;; slot = (slot + 1) & mask) {
      const stored = this.slots[slot]
      if (stored === EMPTY) return -slot - 1
      const e = stored & mask
      if (this.keys[e - 1] === k) return e - 1
    }
  }

  private equalsString(u: number, s: string): boolean {
    const a = this.starts[u], b = u + 1 < this.count ? this.starts[u + 1] : this.charEnd
    if (b - a !== s.length) return false
    for (let x = 0; x < s.length; x++) if (this.chars[a + x] !== s.charCodeAt(x)) return false
    return true
  }

  private storeString(s: string, u: number): void {
    if (u >= this.starts.length) this.starts = this.grown(this.starts, u + 1)
    this.starts[u] = this.charEnd
    if (this.charEnd + s.length > this.chars.length) this.chars = this.grown(this.chars, this.charEnd + s.length)
    const chars = this.chars, at = this.charEnd
    let wide = false
    for (let x = 0; x < s.length; x++) {
      const c = s.charCodeAt(x)
      chars[at + x] = c
      if (c > 0xff) wide = true
    }
    if (wide && chars instanceof Uint8Array) {
      // the first character past Latin-1: every id so far moves to 2 B per character
      const wider = this.widened(chars)
      for (let x = 0; x < s.length; x++) wider[at + x] = s.charCodeAt(x)
    }
    this.charEnd += s.length
  }

  private hashStored(u: number): number {
    const a = this.starts[u], b = u + 1 < this.count ? this.starts[u + 1] : this.charEnd
    let h = 0x811c9dc5
    for (let x = a; x < b; x++) h = Math.imul(h ^ this.chars[x], 0x01000193)
    return fmix(h)
  }

  private rehash(): void {
    this.memory.reserve(8 * this.slots.length)
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (let u = 0; u < this.count; u++) {
      const h = this.kind === "string" ? this.hashStored(u) : hashNumber(this.keys[u])
      let slot = h & mask
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask
      slots[slot] = entry(h, mask, u)
    }
    this.memory.release(this.slots.byteLength)
    this.slots = slots
  }

  private grown<T extends Storage | Uint16Array>(a: T, need: number): T {
    return grown(a, need, this.memory)
  }

  private fitted<T extends Storage | Uint16Array>(a: T, used: number): T {
    return fitted(a, used, this.memory)
  }

  /** The character arena at 2 B per character (the first id past Latin-1), made the arena. */
  private widened(chars: Uint8Array | Uint16Array): Uint16Array {
    this.memory.reserve(2 * chars.length)
    const wider = new Uint16Array(chars.length)
    wider.set(chars)
    this.memory.release(chars.byteLength)
    this.chars = wider
    return wider
  }
}

const UNMETERED: Metered = { reserve: () => {}, release: () => {} }

/**
 * internStrings' first pass over ids k0 .. k1 - 1 (numbers as their text): copies each one's characters
 * into `chars` from `from` on, its start to at[k - k0] (and the last end to at[k1 - k0]), its hash to
 * hashes[k - k0]. Returns the OR of every character: above 0xff, a Uint8Array arena truncated one.
 */
function copyAndHash(
  ids: ArrayLike<string | number>,
  k0: number,
  k1: number,
  chars: Uint8Array | Uint16Array,
  from: number,
  hashes: Int32Array,
  at: Uint32Array,
): number {
  let wide = 0, p = from
  for (let k = k0; k < k1; k++) {
    const id = ids[k]
    const s = typeof id === "string" ? id : String(id)
    const n = s.length
    at[k - k0] = p
    let h = 0x811c9dc5
    for (let x = 0; x < n; x++) {
      const c = s.charCodeAt(x)
      chars[p + x] = c
      wide |= c
      h = Math.imul(h ^ c, 0x01000193)
    }
    hashes[k - k0] = fmix(h)
    p += n
  }
  at[k1 - k0] = p
  return wide
}

/** A table entry: node u + 1 in the bits of `mask`, the hash's bits above them as a fingerprint. */
const entry = (h: number, mask: number, u: number): number => (h & ~mask) | (u + 1)

/** FNV-1a over UTF-16 code units, then a finaliser so that linear probing sees spread bits. */
function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let x = 0; x < s.length; x++) h = Math.imul(h ^ s.charCodeAt(x), 0x01000193)
  return fmix(h)
}

function hashNumber(k: number): number {
  const lo = k >>> 0
  const hi = Math.floor(k / 4294967296) >>> 0
  return fmix(Math.imul(lo, 0x9e3779b1) ^ hi)
}

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
