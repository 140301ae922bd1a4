import { expect, test } from "bun:test"
import { ByteWriter } from "../../../core/bytes.ts"
import { buildIndex, encodeDelta } from "../../../formats/brk/delta.ts"
import { fromColumns, toColumns } from "../../../formats/brk/pack_columns.ts"
import { mutate, randomBases, revcomp, rng } from "../../operators/segment_pack/genomes.ts"

const enc = (s: string) => new TextEncoder().encode(s)

test("a delta pack in columns comes back to the same rows: literals, N runs, matches, reverse matches, extras", () => {
  const r = rng(5)
  const ref = randomBases(5000, r)
  const index = buildIndex(enc(ref))
  const targets = [
    mutate(ref, r),
    ref.slice(0, 1000) + "N".repeat(300) + ref.slice(1300),
    ref.slice(0, 2000) + revcomp(ref.slice(2000, 3000)) + ref.slice(3000),
    randomBases(50, r),
    "",
  ]
  const rows = new ByteWriter().uint(targets.length)
  targets.forEach((t, k) => {
    const item = new ByteWriter().uint(k).uint(k % 2)
    if (k % 2) item.uint(7)
    item.int(t.length - ref.length)
    encodeDelta(enc(t), enc(ref), index, item)
    rows.blob(item.view())
  })
  const cols = toColumns(rows.view())
  expect(Buffer.from(fromColumns(cols)).equals(Buffer.from(rows.view()))).toBe(true)
})

test("columns cut short or with a bad op kind are RangeErrors", () => {
  const rows = new ByteWriter().uint(1).blob(
    new ByteWriter().uint(0).uint(0).int(0).uint(4 * 4).bytes(enc("ACGT")).view(),
  )
  const cols = toColumns(rows.view())
  expect(() => fromColumns(cols.subarray(0, cols.length - 3))).toThrow()
  const bad = cols.slice()
  bad[1 + 1 + cols[1] + 1] = 9 // the first op kind: after the count and the heads' blob, the kinds' length
  expect(cols[1 + 1 + cols[1] + 1]).toBe(0)
  expect(() => fromColumns(bad)).toThrow()
})
