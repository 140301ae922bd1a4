/** IdColumn: ids kept as UTF-8 bytes (or float64), every allocation reserved, the budget able to refuse. */
import { expect, test } from "bun:test"
import { IdColumn, IdsByRow } from "../../core/id_column.ts"

test("string ids come back as they went in: ASCII, Latin-1, CJK, surrogate pairs, empty", () => {
  const ids = ["doc-1", "", "naïve", "日本語", "emoji 🦆 x", "plain", "x".repeat(10_000)]
  const t = new IdColumn("string")
  t.pushStrings(ids.slice(0, 2))
  t.pushStrings(ids.slice(2))
  expect(t.length).toBe(ids.length)
  expect(ids.map((_, r) => t.get(r))).toEqual(ids)
  const ascii = new IdColumn("string")
  ascii.pushStrings(["a", "bc", ""])
  expect([0, 1, 2].map((r) => ascii.get(r))).toEqual(["a", "bc", ""])
})

test("integer ids, as numbers and bigints", () => {
  const t = new IdColumn("integer")
  t.pushIntegers([1, -2, 3])
  t.pushIntegers([2n ** 53n, 7n])
  expect([0, 1, 2, 3, 4].map((r) => t.get(r))).toEqual(["1", "-2", "3", "9007199254740992", "7"])
})

test("sized from what is expected, every allocation reserved and the replaced one released", () => {
  let held = 0, peak = 0
  const t = new IdColumn(
    "string",
    (b) => {
      held += b
      peak = Math.max(peak, held)
    },
    (b) => held -= b,
    { rows: 1000, bytes: 1000 * 8 },
  )
  const ids = Array.from({ length: 1000 }, (_, k) => `id-${String(k).padStart(4, "0")}`) // 7 bytes each
  t.pushStrings(ids)
  expect(held).toBe(IdColumn.plannedBytes("string", { rows: 1000, bytes: 8000 })) // no growth past the plan
  expect(t.held).toBe(held)
  t.pushStrings(["one more, past the expected rows"])
  expect(held).toBe(t.held) // grown: the new arrays reserved, the old ones released
  expect(peak).toBeGreaterThan(held - 1) // the old and new arrays coexist while copying
  expect(t.get(999)).toBe("id-0999")
  expect(t.get(1000)).toBe("one more, past the expected rows")
})

test("a refusal from the budget stops the push", () => {
  const t = new IdColumn("string", (b) => {
    if (b > 4096) throw new RangeError(`no room for ${b}`)
  })
  t.pushStrings(["a"])
  expect(() => t.pushStrings(["y".repeat(5000)])).toThrow("no room")
})

test("IdsByRow: rows set in any order, each row's first id kept, unset rows empty, growth reserved", () => {
  let held = 0
  const t = new IdsByRow("string", (b) => held += b, (b) => held -= b)
  const utf8 = new TextEncoder().encode("alpha|日本|bravo")
  t.setUtf8(5000, utf8, 0, 5) // far row first: the row arrays grow to it
  t.setUtf8(2, utf8, 6, 12)
  t.setUtf8(5000, utf8, 13, 18) // a later id for row 5000 is ignored: a stream repeats a row's id
  t.setUtf8(3, utf8, 5, 5) // an empty id is an id
  expect([t.get(5000), t.get(2), t.get(3), t.get(4), t.length]).toEqual(["alpha", "日本", "", "", 5001])
  expect(held).toBe(t.held)
  const n = new IdsByRow("integer")
  n.setInteger(3, -7)
  n.setInteger(0, 2 ** 40)
  expect([n.get(0), n.get(3), n.length]).toEqual(["1099511627776", "-7", 4])
})
