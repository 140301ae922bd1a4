/**
 * Ingest: arriving rows normalised, packed and (int8) quantised into the shared heap or, through staging
 * buffers, into spill files with the same bytes; bad rows and too many rows are InvalidInput naming the row.
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import type { EmbeddingRows, ScoredPairs } from "../../../core/batches.ts"
import { InvalidInput } from "../../../core/errors.ts"
import type { Source } from "../../../core/operator.ts"
import { collect, pipe, run, tiledCosine } from "../../../mod.ts"
import { Ingest } from "../../../operators/tiled_cosine/ingest.ts"
import { packed8Bytes, packedBytes, PANEL_ROWS } from "../../../operators/tiled_cosine/kernel.ts"
import { metaBytes, metaTable, STAGING_ROWS } from "../../../operators/tiled_cosine/plan.ts"
import { align, Region } from "../../../operators/tiled_cosine/region.ts"
import { batchSource, randomValues, tempDir } from "../../helpers.ts"

const dir = tempDir()
const noFiles = { f32: undefined, q8: undefined }

/** A heap with the metadata tables at 0 and (memory mode) a region for every row after them. */
function layout(rows: number, dim: number, int8: boolean, inMemory: boolean) {
  const region = inMemory ? new Region(align(metaBytes(rows)), rows, dim, int8) : undefined
  const heap = new SharedArrayBuffer(region ? region.end : align(metaBytes(rows)))
  return { heap, region }
}

const batch = (values: Float32Array, start: number, count: number, dim: number, extra: Partial<EmbeddingRows> = {}) =>
  ({ start, count, dim, values: values.slice(start * dim, (start + count) * dim), ...extra }) as EmbeddingRows

const threw = (f: () => unknown): InvalidInput => {
  try {
    f()
  } catch (e) {
    return e as InvalidInput
  }
  throw new Error("expected a throw")
}

test("memory mode: rows land normalised in 8-row panels, k-major, in the region", () => {
  const dim = 2
  const { heap, region } = layout(9, dim, false, true)
  const ingest = new Ingest(heap, dim, false, 0, 9, region, noFiles, "v.npy")
  const v = new Float32Array(18)
  for (let r = 0; r < 9; r++) v[2 * r] = 3, v[2 * r + 1] = 4 // every row (3, 4) ...
  v[16] = 0, v[17] = -2 // ... but row 8: (0, -1) after normalising
  ingest.add(batch(v, 0, 5, dim))
  ingest.add(batch(v, 5, 4, dim))
  expect(ingest.rows).toBe(9)
  expect(ingest.finish()).toBe(9)
  const store = new Float32Array(heap, region!.f32, packedBytes(9, dim) / 4)
  // panel 0 holds rows 0-7: dimension 0 of the 8 rows, then dimension 1
  expect(Array.from(store.subarray(0, 8))).toEqual(new Array(8).fill(Math.fround(0.6)))
  expect(Array.from(store.subarray(8, 16))).toEqual(new Array(8).fill(Math.fround(0.8)))
  // panel 1: row 8 in its first lane
  expect(store[16]).toBe(0)
  expect(store[16 + PANEL_ROWS]).toBe(-1)
  expect(ingest.rowMap).toBeUndefined()
})

test("spill mode writes the same panels and metadata as memory mode, across staging flushes", () => {
  const dim = 5, rows = STAGING_ROWS + 88
  const values = randomValues(rows * dim, 9)
  const mem = layout(rows, dim, true, true)
  const inMemory = new Ingest(mem.heap, dim, true, 0, rows, mem.region, noFiles, "x")
  const files = { f32: path.join(dir, "s.f32"), q8: path.join(dir, "s.q8") }
  const sp = layout(rows, dim, true, false)
  const spilled = new Ingest(sp.heap, dim, true, 0, rows, undefined, files, "x")
  for (let a = 0; a < rows; a += 250) {
    const n = Math.min(250, rows - a)
    inMemory.add(batch(values, a, n, dim))
    spilled.add(batch(values, a, n, dim))
  }
  expect(inMemory.finish()).toBe(rows)
  expect(spilled.finish()).toBe(rows)
  const f32 = new Uint8Array(fs.readFileSync(files.f32))
  const q8 = new Uint8Array(fs.readFileSync(files.q8))
  // two flushes: a full staging buffer, then the rest rounded up to a panel
  expect(f32.length).toBe(packedBytes(STAGING_ROWS, dim) + packedBytes(88, dim))
  expect(q8.length).toBe(packed8Bytes(STAGING_ROWS, dim) + packed8Bytes(88, dim))
  const r = mem.region!
  expect(Buffer.from(f32).equals(Buffer.from(new Uint8Array(mem.heap, r.f32, f32.length)))).toBe(true)
  expect(Buffer.from(q8).equals(Buffer.from(new Uint8Array(mem.heap, r.q8, q8.length)))).toBe(true)
  const meta = 3 * metaTable(rows)
  expect(Buffer.from(new Uint8Array(sp.heap, 0, meta)).equals(Buffer.from(new Uint8Array(mem.heap, 0, meta)))).toBe(
    true,
  )
  // every row has an inverse scale and a residual bound
  const inv = new Float32Array(mem.heap, 0, rows)
  expect(inv.every((x) => x > 0)).toBe(true)
})

test("spill mode with no rows writes empty files", () => {
  const files = { f32: path.join(dir, "e.f32"), q8: undefined }
  const { heap } = layout(0, 3, false, false)
  const ingest = new Ingest(heap, 3, false, 0, 0, undefined, files, "x")
  expect(ingest.finish()).toBe(0)
  expect(fs.statSync(files.f32).size).toBe(0)
})

test("a batch's buffer goes back to its source by recycle, or is freed at once", () => {
  const dim = 2
  const { heap, region } = layout(4, dim, false, true)
  const ingest = new Ingest(heap, dim, false, 0, 4, region, noFiles, "x")
  let recycled = 0
  const kept = batch(new Float32Array([1, 0, 0, 1]), 0, 2, dim, { recycle: () => void recycled++ })
  ingest.add(kept)
  expect(recycled).toBe(1)
  expect(kept.values.length).toBe(4) // the source's to reuse
  const freed: EmbeddingRows = { start: 2, count: 2, dim, values: new Float32Array([1, 1, 2, 2]) }
  const buffer = freed.values.buffer as ArrayBuffer & { transfer?: unknown }
  ingest.add(freed)
  // freed now where the runtime can (ArrayBuffer.prototype.transfer): Bun and Deno both can
  if (typeof buffer.transfer === "function") expect(buffer.byteLength).toBe(0)
  expect(ingest.rows).toBe(4)
})

test("skipped rows: original row numbers are remembered once any batch names them", () => {
  const dim = 1
  const { heap, region } = layout(6, dim, false, true)
  const ingest = new Ingest(heap, dim, false, 0, 6, region, noFiles, "x")
  ingest.add(batch(new Float32Array([1, 2]), 0, 2, dim))
  ingest.add({ start: 2, count: 3, dim, values: new Float32Array([3, 4, 5]), rowIds: new Uint32Array([3, 5, 6]) })
  ingest.add(batch(new Float32Array([0, 0, 0, 0, 0, 0, 0, 7]), 7, 1, dim))
  expect(ingest.rows).toBe(6)
  expect(Array.from(ingest.rowMap!.subarray(0, 6))).toEqual([0, 1, 3, 5, 6, 7])
  expect(ingest.rowMap!.length).toBe(1024)
})

test("a row of the wrong width, or past the announced rows, is an InvalidInput naming the file and row", () => {
  const { heap, region } = layout(3, 2, false, true)
  const ingest = new Ingest(heap, 2, false, 0, 3, region, noFiles, "in.parquet")
  const wide = threw(() => ingest.add({ start: 0, count: 1, dim: 3, values: new Float32Array([1, 2, 3]) }))
  expect(wide).toBeInstanceOf(InvalidInput)
  expect(wide.message).toBe("in.parquet (row 0): row has 3 values, expected 2")
  ingest.add(batch(new Float32Array([1, 0, 0, 1]), 0, 2, 2))
  const more = threw(() => ingest.add({ start: 2, count: 2, dim: 2, values: new Float32Array([1, 1, 1, 1]) }))
  expect(more.message).toBe("in.parquet (row 3): more rows than the 3 the header announced")
  const unnamed = new Ingest(heap, 2, false, 0, 3, region, noFiles, undefined)
  expect(threw(() => unnamed.add({ start: 5, count: 1, dim: 1, values: new Float32Array([1]) })).file).toBe("input")
})

test("a NaN, Inf or zero row is refused by its own row number (skipped rows counted), in memory and spill", () => {
  for (const inMemory of [true, false]) {
    const dim = 3
    const files = { f32: path.join(dir, `bad-${inMemory}.f32`), q8: path.join(dir, `bad-${inMemory}.q8`) }
    const make = () => {
      const { heap, region } = layout(700, dim, true, inMemory)
      return new Ingest(heap, dim, true, 0, 700, region, files, "v.npy")
    }
    const nan = threw(() =>
      make().add({ start: 10, count: 3, dim, values: new Float32Array([1, 1, 1, 1, NaN, 1, 1, 1, 1]) })
    )
    expect(nan.message).toBe("v.npy (row 11): value NaN at dimension 1 (NaN and Inf have no cosine)")
    const inf = threw(() => make().add({ start: 0, count: 1, dim, values: new Float32Array([1, 1, -Infinity]) }))
    expect(inf.message).toBe("v.npy (row 0): value -Infinity at dimension 2 (NaN and Inf have no cosine)")
    const zero = threw(() =>
      make().add({
        start: 0,
        count: 2,
        dim,
        values: new Float32Array([1, 1, 1, 0, 0, 0]),
        rowIds: new Uint32Array([4, 9]),
      })
    )
    expect(zero.message).toBe("v.npy (row 9): zero vector (cosine undefined)")
    // past the first staging buffer in spill mode: the row counted from the batch, not the staging buffer
    const late = new Float32Array(600 * dim).fill(1)
    late[550 * dim] = NaN
    expect(threw(() => make().add({ start: 0, count: 600, dim, values: late })).row).toBe(550)
  }
})

/** A source of rows held in memory, in batches of `batch` rows (a library caller's own source). */
function rowsSource(values: Float32Array, rows: number, dim: number, batch: number): Source<EmbeddingRows> {
  const batches: EmbeddingRows[] = []
  for (let a = 0; a < rows; a += batch) {
    const n = Math.min(batch, rows - a)
    batches.push({ start: a, count: n, dim, values: values.slice(a * dim, (a + n) * dim) })
  }
  return batchSource(batches, { rows, dim, file: "mine" }, { name: "rows" })
}

// issue 18: a NaN row once made the int8 quantiser shrink its scale for ever (a NaN never fits)
for (const variant of ["int8", "relaxed", "simd"] as const) {
  for (const spill of [false, true]) {
    test(`${variant}${spill ? " spill" : ""}: a NaN, Inf or zero row from a library source fails as InvalidInput`, async () => {
      const rows = 300, dim = 24
      for (const [value, reason] of [[NaN, "value NaN at dimension 5"], [Infinity, "value Infinity"], [0, "zero"]]) {
        const v = randomValues(rows * dim, 5)
        if (value === 0) v.fill(0, 217 * dim, 218 * dim)
        else v[217 * dim + 5] = value as number
        const got = { batches: [] as ScoredPairs[] }
        const e = await run(
          pipe(
            rowsSource(v, rows, dim, 100),
            tiledCosine({ threshold: 0.5, kernel: variant, forceSpill: spill }),
            collect(got),
          ),
          { memory: spill ? "20MB" : "64MB" },
        ).then(() => undefined, (e) => e)
        expect(e?._tag).toBe("InvalidInput")
        expect(e.message).toContain("mine (row 217)")
        expect(e.message).toContain(reason as string)
      }
    })
  }
}
