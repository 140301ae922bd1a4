/**
 * A node table's attribute columns: one typed array per attribute over the nodes (float64, int32, bool as
 * one byte; strings dictionary-encoded as u32 codes). Every column holds `capacity` rows; growth and trimming
 * are metered like the id arrays'.
 */
import { fitted, grown, type Metered } from "../core/bytes.ts"

export type AttributeType = "float64" | "int32" | "bool" | "string"

export type Storage = Float64Array | Int32Array | Uint8Array | Uint32Array

/** One attribute column; strings are dictionary-encoded (u32 codes, dictionary of distinct values). */
export interface AttributeColumn {
  readonly type: AttributeType
  data: Storage
  readonly dictionary?: string[]
  readonly codes?: Map<string, number>
}

export class AttributeColumns {
  private readonly columns = new Map<string, AttributeColumn>()

  /** `capacity`: rows every column holds. */
  constructor(public capacity: number, private readonly memory: Metered) {}

  /** Bytes the columns hold (capacity, not just what is used). */
  get bytes(): number {
    let b = 0
    for (const c of this.columns.values()) b += c.data.byteLength
    return b
  }

  /** Adds a column (values default to 0, false or ""). */
  add(name: string, type: AttributeType): void {
    if (this.columns.has(name)) throw new RangeError(`attribute ${name} exists`)
    const cap = this.capacity
    this.memory.reserve(cap * (type === "float64" ? 8 : type === "bool" ? 1 : 4))
    const data = type === "float64"
      ? new Float64Array(cap)
      : type === "int32"
      ? new Int32Array(cap)
      : type === "bool"
      ? new Uint8Array(cap)
      : new Uint32Array(cap)
    this.columns.set(
      name,
      type === "string" ? { type, data, dictionary: [""], codes: new Map([["", 0]]) } : { type, data },
    )
  }

  names(): string[] {
    return [...this.columns.keys()]
  }

  /** Sets `name` of nodes[k] to values[k] for every k, of `count` nodes: one batch, one column. */
  setAll(name: string, nodes: ArrayLike<number>, values: ArrayLike<number | boolean | string>, count: number): void {
    const c = this.column(name)
    if ((c.type === "float64" || c.type === "int32") && ArrayBuffer.isView(values)) {
      // numbers into a number column: one typed loop, the node range checked first
      const data = c.data
      for (let k = 0; k < nodes.length; k++) {
        if (!(nodes[k] < count)) throw new RangeError(`node ${nodes[k]} of ${count}`)
      }
      const v = values as unknown as ArrayLike<number>
      for (let k = 0; k < nodes.length; k++) data[nodes[k]] = v[k]
    } else for (let k = 0; k < nodes.length; k++) this.store(c, nodes[k], values[k], count)
  }

  set(name: string, u: number, value: number | boolean | string, count: number): void {
    this.store(this.column(name), u, value, count)
  }

  get(name: string, u: number, count: number): number | boolean | string {
    const c = this.column(name)
    if (u >= count) throw new RangeError(`node ${u} of ${count}`)
    if (c.type === "bool") return c.data[u] === 1
    if (c.type === "string") return c.dictionary![c.data[u]]
    return c.data[u]
  }

  /** The column's typed array over `count` nodes (a view; strings give their dictionary codes). */
  view(name: string, count: number): { type: AttributeType; values: Storage; dictionary?: readonly string[] } {
    const c = this.column(name)
    return { type: c.type, values: c.data.subarray(0, count), dictionary: c.dictionary }
  }

  /** Room for `need` rows, at least twice the capacity. */
  grow(need: number): void {
    this.capacity = Math.max(2 * this.capacity, need)
    for (const c of this.columns.values()) {
      if (c.data.length < this.capacity) c.data = grown(c.data, this.capacity, this.memory)
    }
  }

  /** Every column cut to `count` rows (see fitted). */
  trim(count: number): void {
    for (const c of this.columns.values()) c.data = fitted(c.data, count, this.memory)
    this.capacity = count
  }

  private column(name: string): AttributeColumn {
    const c = this.columns.get(name)
    if (!c) throw new RangeError(`no attribute ${name}`)
    return c
  }

  private store(c: AttributeColumn, u: number, value: number | boolean | string, count: number): void {
    if (u >= count) throw new RangeError(`node ${u} of ${count}`)
    if (c.type === "string") {
      const s = String(value)
      let code = c.codes!.get(s)
      if (code === undefined) {
        code = c.dictionary!.length
        c.dictionary!.push(s)
        c.codes!.set(s, code)
      }
      c.data[u] = code
    } else c.data[u] = typeof value === "boolean" ? (value ? 1 : 0) : Number(value)
  }
}
