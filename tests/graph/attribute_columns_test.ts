/** AttributeColumns: typed columns over the nodes, dictionary strings, range checks, metered growth and trimming. */
import { expect, test } from "bun:test"
import type { Metered } from "../../core/bytes.ts"
import { AttributeColumns } from "../../graph/attribute_columns.ts"

function meter() {
  const m = { held: 0 }
  const memory: Metered = { reserve: (b) => void (m.held += b), release: (b) => void (m.held -= b) }
  return { m, memory }
}

test("each type holds capacity rows at its width: 8 B float64, 4 B int32 and string codes, 1 B bool", () => {
  const { m, memory } = meter()
  const c = new AttributeColumns(10, memory)
  c.add("f", "float64")
  c.add("i", "int32")
  c.add("b", "bool")
  c.add("s", "string")
  expect(c.bytes).toBe(10 * (8 + 4 + 1 + 4))
  expect(m.held).toBe(c.bytes)
  expect(c.names()).toEqual(["f", "i", "b", "s"])
  expect(c.view("f", 10).values).toBeInstanceOf(Float64Array)
  expect(c.view("i", 10).values).toBeInstanceOf(Int32Array)
  expect(c.view("b", 10).values).toBeInstanceOf(Uint8Array)
  expect(c.view("s", 10).values).toBeInstanceOf(Uint32Array)
})

test("values default to 0, false and the empty string", () => {
  const c = new AttributeColumns(4, meter().memory)
  c.add("f", "float64")
  c.add("b", "bool")
  c.add("s", "string")
  expect(c.get("f", 3, 4)).toBe(0)
  expect(c.get("b", 3, 4)).toBe(false)
  expect(c.get("s", 3, 4)).toBe("")
})

test("set and get convert: booleans to 1/0, numbers in int32 truncated, strings by dictionary", () => {
  const c = new AttributeColumns(4, meter().memory)
  c.add("i", "int32")
  c.add("b", "bool")
  c.add("s", "string")
  c.set("i", 0, 7.9, 4)
  c.set("i", 1, true, 4)
  c.set("b", 2, true, 4)
  c.set("b", 3, 1, 4)
  c.set("s", 0, "x", 4)
  c.set("s", 1, 12, 4) // a number in a string column: its text
  c.set("s", 2, "x", 4)
  expect(c.get("i", 0, 4)).toBe(7)
  expect(c.get("i", 1, 4)).toBe(1)
  expect(c.get("b", 2, 4)).toBe(true)
  expect(c.get("b", 3, 4)).toBe(true)
  expect(c.get("s", 1, 4)).toBe("12")
  const s = c.view("s", 4)
  expect(s.dictionary).toEqual(["", "x", "12"])
  expect(Array.from(s.values)).toEqual([1, 2, 1, 0])
})

test("setAll from a typed array writes one column; a node past count is refused before any is written", () => {
  const c = new AttributeColumns(8, meter().memory)
  c.add("f", "float64")
  c.setAll("f", new Uint32Array([4, 0]), new Float64Array([1.5, -2]), 5)
  expect(Array.from(c.view("f", 5).values)).toEqual([-2, 0, 0, 0, 1.5])
  expect(() => c.setAll("f", new Uint32Array([1, 5]), new Float64Array([9, 9]), 5)).toThrow("node 5 of 5")
  expect(c.get("f", 1, 5)).toBe(0) // the typed path checks the range first
  // plain arrays take the per-value path
  c.add("s", "string")
  c.setAll("s", [0, 1, 2], ["a", "b", "a"], 5)
  expect([0, 1, 2, 3].map((u) => c.get("s", u, 5))).toEqual(["a", "b", "a", ""])
})

test("a node at or past count, an unknown or a repeated name are RangeErrors", () => {
  const c = new AttributeColumns(8, meter().memory)
  c.add("f", "float64")
  expect(() => c.set("f", 3, 1, 3)).toThrow("node 3 of 3")
  expect(() => c.get("f", 3, 3)).toThrow("node 3 of 3")
  expect(() => c.get("g", 0, 3)).toThrow("no attribute g")
  expect(() => c.add("f", "int32")).toThrow("attribute f exists")
  let err: unknown
  try {
    c.view("nope", 1)
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(RangeError)
})

test("view is a window of count rows over the column, not a copy", () => {
  const c = new AttributeColumns(8, meter().memory)
  c.add("i", "int32")
  const v = c.view("i", 3)
  expect(v.type).toBe("int32")
  expect(v.values.length).toBe(3)
  expect(v.dictionary).toBeUndefined()
  c.set("i", 2, 42, 3)
  expect(v.values[2]).toBe(42)
})

test("grow at least doubles every column, keeping values; trim cuts them; both metered", () => {
  const { m, memory } = meter()
  const c = new AttributeColumns(4, memory)
  c.add("f", "float64")
  c.add("b", "bool")
  c.set("f", 3, 2.5, 4)
  c.grow(5)
  expect(c.capacity).toBe(8)
  expect(c.bytes).toBe(8 * 9)
  c.grow(20)
  expect(c.capacity).toBe(20)
  expect(c.bytes).toBe(20 * 9)
  expect(m.held).toBe(c.bytes)
  expect(c.get("f", 3, 20)).toBe(2.5)
  c.trim(6)
  expect(c.capacity).toBe(6)
  expect(c.bytes).toBe(6 * 9)
  expect(m.held).toBe(c.bytes)
  expect(c.get("f", 3, 6)).toBe(2.5)
  // a column added after growth has the grown capacity
  c.add("i", "int32")
  expect(c.view("i", 6).values.length).toBe(6)
})

test("a refused reservation stops a column from being added", () => {
  const c = new AttributeColumns(1 << 20, {
    reserve: (b) => {
      if (b > 1 << 20) throw new RangeError(`refused ${b}`)
    },
    release: () => {},
  })
  c.add("b", "bool")
  expect(() => c.add("f", "float64")).toThrow("refused 8388608")
  expect(c.names()).toEqual(["b"])
})
