/**
 * The edges pipeline end to end: exact outputs on small inputs, ids, Parquet output, every input
 * error path, budget refusal before any data moves, and cancellation cleaning up.
 */
import { expect, test } from "bun:test"
import { parquetReadObjects } from "hyparquet"
import * as fs from "node:fs"
import * as path from "node:path"
import { pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "../mod.ts"
import { lines, randomValues, tempDir, writeNpy } from "./helpers.ts"

const dir = tempDir()
const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "parquet")

const edges = (
  file: string,
  out: string,
  t: number,
  extra: { weight?: string; zeroVectors?: "error" | "skip"; memory?: string } = {},
) =>
  run(
    pipe(
      readEmbeddings(file, { zeroVectors: extra.zeroVectors }),
      tiledCosine({ threshold: t, threads: 2 }),
      thresholdEdges({ weight: extra.weight }),
      writeEdges(out),
    ),
    { memory: extra.memory ?? "128MB" },
  )

async function failure(
  p: Promise<unknown>,
): Promise<{ _tag: string; message: string; row?: number; offset?: number; operator?: string }> {
  try {
    await p
  } catch (e) {
    return e as { _tag: string; message: string }
  }
  throw new Error("expected the run to fail")
}

test("exact TSV: pairs i < j above the threshold with weight 1/(1-s+1e-6)", async () => {
  const file = path.join(dir, "four.npy")
  writeNpy(file, 4, 2, [1, 0, 1, 0, 0.6, 0.8, 0, 1])
  const out = path.join(dir, "four.tsv")
  await edges(file, out, 0.7)
  // cos = 0.8 in float32 is 0.800000011920929, so the weight is 4.999975, not 5.000006; the cosine follows
  expect(lines(out)).toEqual(["0\t1\t1000000\t1", "2\t3\t4.999975\t0.8"])
})

test("float64 .npy and header versions 2 and 3 read the same", async () => {
  const v = randomValues(50 * 6, 5)
  const outs = []
  for (const [dtype, version] of [["<f4", 1], ["<f8", 1], ["<f4", 2], ["<f4", 3]] as const) {
    const file = path.join(dir, `v${version}${dtype.slice(1)}.npy`)
    writeNpy(file, 50, 6, v, dtype, version)
    const out = file + ".tsv"
    await edges(file, out, 0.4)
    outs.push(fs.readFileSync(out, "utf8"))
  }
  expect(outs[0].length).toBeGreaterThan(0)
  for (const o of outs) expect(o).toBe(outs[0])
})

test("user weight expression is used and checked before any data moves", async () => {
  const file = path.join(dir, "w.npy")
  writeNpy(file, 2, 2, [1, 0, 0.6, 0.8])
  const out = path.join(dir, "w.tsv")
  await edges(file, out, 0.5, { weight: "2 * s" })
  expect(lines(out)).toEqual(["0\t1\t1.2\t0.6"])
  const bad = await failure(edges(file, path.join(dir, "w2.tsv"), 0.5, { weight: "log(1 - s)" }))
  expect(bad._tag).toBe("InvalidOption")
  expect(bad.message).toContain("finite and > 0")
  expect(fs.existsSync(path.join(dir, "w2.tsv"))).toBe(false)
  expect((await failure(edges(file, path.join(dir, "w3.tsv"), 0.5, { weight: "s +* 2" })))._tag).toBe("InvalidOption")
})

test("Parquet edges read back with hyparquet; ids replace row numbers", async () => {
  const src = path.join(fixtures, "list_float_snappy.parquet")
  const out = path.join(dir, "ids.parquet")
  await edges(src, out, 0.99)
  const rows = await parquetReadObjects({ file: toAsyncBuffer(out) }) as Array<
    { src: string; dst: string; weight: number }
  >
  const tsv = path.join(dir, "ids.tsv")
  await edges(src, tsv, 0.99)
  expect(rows.length).toBe(lines(tsv).length)
  expect(rows.length).toBeGreaterThan(0)
  const first = lines(tsv)[0].split("\t")
  expect(String(rows[0].src)).toBe(first[0])
  expect(String(rows[0].dst)).toBe(first[1])
  expect(Math.fround(rows[0].weight)).toBe(Math.fround(Number(first[2])))
})

test("input errors name the file and the row or byte offset", async () => {
  const out = path.join(dir, "never.tsv")
  const nan = path.join(dir, "nan.npy")
  writeNpy(nan, 3, 2, [1, 0, 0, NaN, 1, 1])
  let e = await failure(edges(nan, out, 0.5))
  expect(e._tag).toBe("InvalidInput")
  expect(e.row).toBe(1)
  expect(e.message).toContain(nan)

  const inf = path.join(dir, "inf.npy")
  writeNpy(inf, 2, 2, [1, 0, Infinity, 1])
  expect((await failure(edges(inf, out, 0.5))).row).toBe(1)

  const zero = path.join(dir, "zero.npy")
  writeNpy(zero, 3, 2, [1, 0, 0, 0, 1, 0.001])
  e = await failure(edges(zero, out, 0.5))
  expect(e._tag).toBe("InvalidInput")
  expect(e.row).toBe(1)
  expect(e.message).toContain("zero vector")
  const skipped = path.join(dir, "skipped.tsv")
  await edges(zero, skipped, 0.5, { zeroVectors: "skip" })
  expect(lines(skipped).map((l) => l.split("\t").slice(0, 2).join(" "))).toEqual(["0 2"]) // original row numbers

  const trunc = path.join(dir, "trunc.npy")
  writeNpy(trunc, 10, 4, randomValues(40))
  fs.truncateSync(trunc, fs.statSync(trunc).size - 10)
  e = await failure(edges(trunc, out, 0.5))
  expect(e._tag).toBe("InvalidInput")
  expect(e.offset).toBe(fs.statSync(trunc).size)
  expect(e.message).toContain("truncated")

  const magic = path.join(dir, "magic.npy")
  fs.writeFileSync(magic, "not numpy at all")
  e = await failure(edges(magic, out, 0.5))
  expect(e._tag).toBe("InvalidInput")
  expect(e.offset).toBe(0)

  const fortran = path.join(dir, "fortran.npy")
  writeNpy(fortran, 2, 2, [1, 2, 3, 4], "<f4", 1, true)
  expect((await failure(edges(fortran, out, 0.5)))._tag).toBe("FormatUnsupported")
  const ints = path.join(dir, "ints.npy")
  writeNpy(ints, 2, 2, [1, 2, 3, 4], "<i4")
  expect((await failure(edges(ints, out, 0.5)))._tag).toBe("FormatUnsupported")

  const ragged = path.join(fixtures, "ragged.parquet")
  if (fs.existsSync(ragged)) {
    e = await failure(edges(ragged, out, 0.5))
    expect(e._tag).toBe("InvalidInput")
    expect(e.row).toBeDefined()
  }
  const nolist = path.join(fixtures, "no_list_column.parquet")
  if (fs.existsSync(nolist)) expect((await failure(edges(nolist, out, 0.5)))._tag).toBe("InvalidInput")
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.endsWith(".part"))).toEqual([])
})

test("a budget too small fails before any data moves, naming the operator", async () => {
  const file = path.join(dir, "budget.npy")
  writeNpy(file, 100, 384, randomValues(100 * 384))
  const out = path.join(dir, "budget.tsv")
  const e = await failure(edges(file, out, 0.5, { memory: "12MB" }))
  expect(e._tag).toBe("BudgetExceeded")
  expect(e.operator).toBe("tiledCosine")
  expect(e.needed).toBeGreaterThan(e.available)
  expect(e.available).toBeGreaterThan(0)
  expect(e.message).toContain("tiledCosine needs")
  // below the runtime reserve and the queues, the refusal says so (not a negative "left")
  const tiny = await failure(edges(file, out, 0.5, { memory: "4MB" }))
  expect(tiny.operator).toBe("runtime reserve + queues")
  expect(tiny.available).toBe(4 * 2 ** 20)
  expect(tiny.needed).toBeGreaterThan(4_000_000)
  expect(tiny.message).toContain("holds back 4.0 MiB for the runtime")
  expect(fs.existsSync(out)).toBe(false)
})

test("cancellation mid-run removes the spill file and the partial output", async () => {
  const tmp = tempDir("brook-spill-")
  process.env.BROOK_TMPDIR = tmp
  try {
    const n = 6000, dim = 64
    const file = path.join(dir, "cancel.npy")
    writeNpy(file, n, dim, randomValues(n * dim, 9))
    const out = path.join(dir, "cancel.tsv")
    const controller = new AbortController()
    const p = run(
      pipe(
        readEmbeddings(file),
        tiledCosine({ threshold: -1, threads: 2, forceSpill: true }),
        thresholdEdges(),
        writeEdges(out),
      ),
      { memory: "24MB", signal: controller.signal },
    )
    // wait until the spill file exists and output has started (however long a busy machine takes), then cancel
    let settled = false
    p.then(() => (settled = true), () => (settled = true))
    while (
      !settled && !(fs.readdirSync(tmp).length > 0 && fs.readdirSync(dir).some((f) => f.startsWith(".cancel.tsv")))
    ) {
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(fs.readdirSync(tmp).length).toBeGreaterThan(0)
    controller.abort(new Error("test cancel"))
    const e = await failure(p)
    expect(e._tag).toBe("Cancelled")
    expect(fs.readdirSync(tmp)).toEqual([])
    expect(fs.existsSync(out)).toBe(false)
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(".cancel.tsv"))).toEqual([])
  } finally {
    delete process.env.BROOK_TMPDIR
  }
})

function toAsyncBuffer(file: string) {
  const bytes = fs.readFileSync(file)
  return {
    byteLength: bytes.byteLength,
    slice: (s: number, e?: number) =>
      bytes.buffer.slice(bytes.byteOffset + s, bytes.byteOffset + (e ?? bytes.byteLength)),
  }
}
