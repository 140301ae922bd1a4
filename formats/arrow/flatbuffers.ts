/**
 * The slice of FlatBuffers that Arrow IPC messages need: reading tables, strings and vectors by
 * field id, and writing them. The writer lays a buffer out front to back: every table's vtable just
 * before it and its children after it, so each unsigned offset points forward as the format requires.
 */

/** A table in a FlatBuffer: fields by id, absent fields give undefined (or the default). */
export class FbTable {
  constructor(readonly dv: DataView, readonly pos: number) {}

  /** The root table of a buffer starting at `at`. */
  static root(dv: DataView, at = 0): FbTable {
    return new FbTable(dv, at + dv.getUint32(at, true))
  }

  /** Offset of field `id` inside the table, 0 when absent. */
  private field(id: number): number {
    const vt = this.pos - this.dv.getInt32(this.pos, true)
    const vtSize = this.dv.getUint16(vt, true)
    return 4 + 2 * id < vtSize ? this.dv.getUint16(vt + 4 + 2 * id, true) : 0
  }

  u8(id: number, def = 0): number {
    const o = this.field(id)
    return o ? this.dv.getUint8(this.pos + o) : def
  }
  bool(id: number): boolean {
    return this.u8(id) !== 0
  }
  i16(id: number, def = 0): number {
    const o = this.field(id)
    return o ? this.dv.getInt16(this.pos + o, true) : def
  }
  i32(id: number, def = 0): number {
    const o = this.field(id)
    return o ? this.dv.getInt32(this.pos + o, true) : def
  }
  i64(id: number, def = 0): number {
    const o = this.field(id)
    return o ? Number(this.dv.getBigInt64(this.pos + o, true)) : def
  }

  private target(id: number): number | undefined {
    const o = this.field(id)
    if (!o) return undefined
    const at = this.pos + o
    return at + this.dv.getUint32(at, true)
  }
  table(id: number): FbTable | undefined {
    const t = this.target(id)
    return t === undefined ? undefined : new FbTable(this.dv, t)
  }
  string(id: number): string | undefined {
    const t = this.target(id)
    if (t === undefined) return undefined
    const n = this.dv.getUint32(t, true)
    return new TextDecoder().decode(new Uint8Array(this.dv.buffer, this.dv.byteOffset + t + 4, n))
  }
  /**
   * A vector's element count and the position of its first element; `size` bytes per element. A
   * vector that claims more elements than the buffer holds fails here, before anything loops over it.
   */
  vector(id: number, size = 4): { length: number; start: number } {
    const t = this.target(id)
    if (t === undefined) return { length: 0, start: 0 }
    const length = this.dv.getUint32(t, true)
    if (t + 4 + size * length > this.dv.byteLength) {
      throw new RangeError(`a vector of ${length} elements of ${size} bytes at ${t} overruns its ${this.dv.byteLength}-byte buffer`)
    }
    return { length, start: t + 4 }
  }
  tables(id: number): FbTable[] {
    const { length, start } = this.vector(id)
    return Array.from({ length }, (_, k) => {
      const at = start + 4 * k
      return new FbTable(this.dv, at + this.dv.getUint32(at, true))
    })
  }
}

/** What the writer writes: a table is an array of fields by id (undefined = absent). */
export type FbField =
  | { readonly t: "u8" | "bool" | "i16" | "i32" | "i64"; readonly v: number }
  | { readonly t: "table"; readonly v: FbField_Table }
  | { readonly t: "string"; readonly v: string }
  | { readonly t: "tables"; readonly v: readonly FbField_Table[] }
  /** A vector of structs of `size` bytes (8-aligned), each written by `put`. */
  | { readonly t: "structs"; readonly size: number; readonly count: number; readonly put: PutStruct }
  | undefined
export type FbField_Table = readonly FbField[]
type PutStruct = (dv: DataView, at: number, k: number) => void

const SCALAR: Record<string, number> = { u8: 1, bool: 1, i16: 2, i32: 4, i64: 8 }

/** Writes a FlatBuffer whose root is `root`. */
export function writeFlatBuffer(root: FbField_Table): Uint8Array {
  const w = new Writer()
  w.pos = 4
  const at = w.table(root)
  w.dv.setUint32(0, at, true)
  return w.bytes.slice(0, w.pos)
}

class Writer {
  bytes = new Uint8Array(512)
  dv = new DataView(this.bytes.buffer)
  pos = 0

  private ensure(n: number): void {
    if (this.pos + n <= this.bytes.length) return
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n))
    grown.set(this.bytes)
    this.bytes = grown
    this.dv = new DataView(grown.buffer)
  }
  /** Pads with zeros until (pos + extra) is a multiple of `a`. */
  private align(a: number, extra = 0): void {
    const pad = (a - ((this.pos + extra) % a)) % a
    this.ensure(pad)
    this.pos += pad
  }
  private take(n: number): number {
    this.ensure(n)
    const at = this.pos
    this.pos += n
    return at
  }

  table(fields: FbField_Table): number {
    // inline layout: soffset to the vtable, then the fields, widest first, each at its natural alignment
    const order = fields.map((f, id) => ({ f, id })).filter((x) => x.f !== undefined)
      .sort((a, b) => width(b.f) - width(a.f))
    const slots = new Map<number, number>()
    let size = 4
    for (const { f, id } of order) {
      const wdt = width(f)
      size = Math.ceil(size / wdt) * wdt
      slots.set(id, size)
      size += wdt
    }
    this.align(2)
    const vt = this.take(4 + 2 * fields.length)
    this.dv.setUint16(vt, 4 + 2 * fields.length, true)
    this.dv.setUint16(vt + 2, size, true)
    for (let id = 0; id < fields.length; id++) this.dv.setUint16(vt + 4 + 2 * id, slots.get(id) ?? 0, true)
    this.align(8)
    const at = this.take(size)
    this.bytes.fill(0, at, at + size)
    this.dv.setInt32(at, at - vt, true)
    for (const { f, id } of order) {
      const p = at + slots.get(id)!
      switch (f!.t) {
        case "u8":
        case "bool":
          this.dv.setUint8(p, f!.v as number)
          break
        case "i16":
          this.dv.setInt16(p, f!.v as number, true)
          break
        case "i32":
          this.dv.setInt32(p, f!.v as number, true)
          break
        case "i64":
          this.dv.setBigInt64(p, BigInt(f!.v as number), true)
          break
      }
    }
    // children after the table: their offsets point forward
    for (const { f, id } of order) {
      if (f!.t in SCALAR) continue
      const p = at + slots.get(id)!
      const child = this.child(f!)
      this.dv.setUint32(p, child - p, true)
    }
    return at
  }

  private child(f: NonNullable<FbField>): number {
    switch (f.t) {
      case "table":
        return this.table(f.v)
      case "string": {
        const text = new TextEncoder().encode(f.v)
        this.align(4)
        const at = this.take(4 + text.length + 1)
        this.dv.setUint32(at, text.length, true)
        this.bytes.set(text, at + 4)
        this.bytes[at + 4 + text.length] = 0
        return at
      }
      case "tables": {
        this.align(4)
        const at = this.take(4 + 4 * f.v.length)
        this.dv.setUint32(at, f.v.length, true)
        f.v.forEach((t, k) => {
          const child = this.table(t)
          const slot = at + 4 + 4 * k
          this.dv.setUint32(slot, child - slot, true)
        })
        return at
      }
      case "structs": {
        this.align(8, 4) // elements 8-aligned after the 4-byte length
        const at = this.take(4 + f.size * f.count)
        this.dv.setUint32(at, f.count, true)
        this.bytes.fill(0, at + 4, at + 4 + f.size * f.count)
        for (let k = 0; k < f.count; k++) f.put(this.dv, at + 4 + f.size * k, k)
        return at
      }
      default:
        throw new TypeError(`not a child field: ${f.t}`)
    }
  }
}

const width = (f: FbField): number => (f && f.t in SCALAR ? SCALAR[f.t] : 4)
