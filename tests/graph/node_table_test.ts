/** NodeTable: ids interned to dense node ids (strings and integers), batches, attributes, metered memory. */
import { describe, expect, test } from "bun:test"
import { NodeTable } from "../../graph/node_table.ts"

describe("NodeTable", () => {
  test("string ids intern in order of first appearance and come back", () => {
    const t = new NodeTable("string")
    expect(Array.from(t.internAll(["b", "a", "b", "ü", "日本", "a"]))).toEqual([0, 1, 0, 2, 3, 1])
    expect(t.size).toBe(4)
    expect([0, 1, 2, 3].map((u) => t.id(u))).toEqual(["b", "a", "ü", "日本"])
    expect(t.lookup("日本")).toBe(3)
    expect(t.lookup("c")).toBe(-1)
  })

  test("many ids survive rehashing, integers included", () => {
    const s = new NodeTable("string"), i = new NodeTable("integer")
    for (let k = 0; k < 50_000; k++) {
      expect(s.intern(`node_${k}`)).toBe(k)
      expect(i.intern(k * 1_000_003)).toBe(k)
    }
    for (let k = 0; k < 50_000; k += 997) {
      expect(s.lookup(`node_${k}`)).toBe(k)
      expect(s.id(k)).toBe(`node_${k}`)
      expect(i.lookup(k * 1_000_003)).toBe(k)
      expect(i.id(k)).toBe(k * 1_000_003)
    }
    expect(i.lookup(5)).toBe(-1)
    s.trim()
    i.trim()
    expect(s.intern("node_49999")).toBe(49_999)
    expect(s.intern("fresh")).toBe(50_000)
    expect(s.id(50_000)).toBe("fresh")
    expect(i.intern(-3)).toBe(50_000)
  })

  test("batches agree with a Map: duplicates within and across batches, growth, a wide id mid-batch", () => {
    const t = new NodeTable("string")
    const want = new Map<string, number>()
    let x = 12345
    const next = () => (x ^= x << 13, x ^= x >>> 17, x ^= x << 5, (x >>> 0) % 1_000_000)
    // ~400k distinct ids: 12-bit fingerprints, so probes meet equal fingerprints of other ids often
    for (let batch = 0; batch < 45; batch++) {
      const ids: Array<string | number> = []
      for (let k = 0; k < 10_000; k++) {
        const r = next()
        ids.push(r % 7 === 0 ? r : `id-${r}`) // numbers in a string table are interned as their text
      }
      if (batch === 5) ids.splice(4_000, 0, "ßeta-Ω", "ßeta-Ω")
      const got = t.internAll(ids)
      ids.forEach((id, k) => {
        const key = String(id)
        if (!want.has(key)) want.set(key, want.size)
        if (got[k] !== want.get(key)) expect(`${key} -> ${got[k]}`).toBe(`${key} -> ${want.get(key)}`)
      })
    }
    expect(t.size).toBe(want.size)
    for (const [key, u] of want) {
      if (t.lookup(key) !== u || t.id(u) !== key) expect(`${key}: ${t.lookup(key)} ${t.id(u)}`).toBe(`${key}: ${u}`)
    }
    expect(t.lookup("id-1000001")).toBe(-1)
  })

  test("columnar attributes: float64, int32, bool, dictionary strings, in batches", () => {
    const t = new NodeTable("string")
    t.internAll(["x", "y", "z"])
    t.addAttribute("score", "float64")
    t.addAttribute("rank", "int32")
    t.addAttribute("seen", "bool")
    t.addAttribute("kind", "string")
    t.setAttributes("score", [0, 2], [0.5, 2.25])
    t.setAttributes("rank", [1], [-7])
    t.setAttributes("seen", [2], [true])
    t.setAttributes("kind", [0, 1, 2], ["a", "b", "a"])
    t.intern("w") // columns grow with the table
    expect(t.getAttribute("score", 2)).toBe(2.25)
    expect(t.getAttribute("rank", 1)).toBe(-7)
    expect(t.getAttribute("seen", 2)).toBe(true)
    expect(t.getAttribute("seen", 3)).toBe(false)
    expect(t.getAttribute("kind", 2)).toBe("a")
    const kind = t.attributeColumn("kind")
    expect(Array.from(kind.values)).toEqual([1, 2, 1, 0])
    expect(kind.dictionary).toEqual(["", "a", "b"])
    expect(() => t.getAttribute("nope", 0)).toThrow("no attribute")
  })

  test("integer ids: exact values, negatives and large doubles; strings of digits are their numbers", () => {
    const t = new NodeTable("integer")
    expect(Array.from(t.internAll([5, -5, 2 ** 40 + 1, 5, "7", 0]))).toEqual([0, 1, 2, 0, 3, 4])
    expect(t.id(2)).toBe(2 ** 40 + 1)
    expect(t.id(3)).toBe(7)
    expect(t.lookup(7)).toBe(3)
    expect(t.lookup(2 ** 40)).toBe(-1)
    expect(t.size).toBe(5)
  })

  test("an empty table: size 0, every lookup -1, an empty batch interns nothing", () => {
    const t = new NodeTable("string")
    expect(t.size).toBe(0)
    expect(t.lookup("")).toBe(-1)
    expect(t.internAll([]).length).toBe(0)
    expect(t.intern("")).toBe(0) // the empty id is an id
    expect(t.id(0)).toBe("")
    expect(t.lookup("")).toBe(0)
  })

  test("a table sized up front keeps its capacity until it is passed", () => {
    const t = new NodeTable("string", 100)
    const before = t.bytes
    t.internAll(Array.from({ length: 100 }, (_, k) => `n${k}`))
    expect(t.bytes).toBe(before)
    t.internAll(Array.from({ length: 200 }, (_, k) => `m${k}`))
    expect(t.bytes).toBeGreaterThan(before)
    expect(t.lookup("n99")).toBe(99)
    expect(t.lookup("m199")).toBe(299)
  })
})

describe("NodeTable memory", () => {
  test("every allocation is told before it is made and every dropped array after: the count ends at its bytes", () => {
    let held = 0
    const memory = { reserve: (b: number) => void (held += b), release: (b: number) => void (held -= b) }
    const scratch = 4096 * 4 + 4097 * 4 // internStrings' window of hashes and starts
    for (const expected of [0, 1000]) {
      held = 0
      const t = new NodeTable("string", expected, memory)
      t.addAttribute("score", "float64")
      for (let b = 0; b < 20; b++) t.internAll(Array.from({ length: 5000 }, (_, k) => `n-${b * 5000 + k}`))
      t.intern("wide-日本") // the arena moves to 2 B per character
      t.addAttribute("tag", "string")
      t.trim()
      expect(held).toBe(t.bytes + scratch)
    }
    const ints = new NodeTable("integer", 0, memory)
    held = 0
    for (let k = 0; k < 30_000; k++) ints.intern(k * 7)
    expect(held).toBe(ints.bytes - 16 * 4 - 16 * 8) // the arrays made before the first count
  })

  test("a refusal stops the table from growing", () => {
    const t = new NodeTable("string", 0, {
      reserve: (b) => {
        if (b > 1 << 16) throw new RangeError(`refused ${b}`)
      },
      release: () => {},
    })
    expect(() => t.internAll(Array.from({ length: 100_000 }, (_, k) => `id-${k}`))).toThrow("refused")
  })
})
