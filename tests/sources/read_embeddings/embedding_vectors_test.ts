/**
 * readEmbeddings on vectors in memory: the same edges, byte for byte, as from the .npy of the same
 * vectors, whether they come as one value, an array or a generator of uneven batches, or an async
 * iterable with or without `rows`; ids reach the sink; the caller's arrays are left as they were; bad
 * input is InvalidInput naming the batch and row; a budget too small is refused before the data is read;
 * no temp file is left behind.
 */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import {
  type EmbeddingVectors,
  type EmbeddingVectorsInput,
  pipe,
  planPipeline,
  readEmbeddings,
  type ReadEmbeddingsOptions,
  run,
  thresholdEdges,
  tiledCosine,
  writeEdges,
} from "../../../mod.ts"
import { randomValues, tempDir, writeNpy } from "../../helpers.ts"

const dir = tempDir()
const ROWS = 1200, DIM = 24, T = 0.5
const values = randomValues(ROWS * DIM, 7)
/** Batch sizes that do not line up with the source's batches: empty ones, a single row, the rest. */
const SIZES = [0, 1, 333, 50, 0, 517, 299]

const edges = (source: ReturnType<typeof readEmbeddings>, out: string, memory = "64MB") =>
  run(pipe(source, tiledCosine({ threshold: T, threads: 2 }), thresholdEdges(), writeEdges(out)), { memory })

const fromMemory = (input: EmbeddingVectorsInput, out: string, options: ReadEmbeddingsOptions = {}) =>
  edges(readEmbeddings(input, options), out)

async function failure(
  p: Promise<unknown>,
): Promise<{ _tag: string; message: string; file?: string; row?: number; operator?: string }> {
  try {
    await p
  } catch (e) {
    return e as { _tag: string; message: string }
  }
  throw new Error("expected the run to fail")
}

let reference: Buffer | undefined
/** The edges of the .npy file of `values`. */
async function npyEdges(): Promise<Buffer> {
  if (!reference) {
    const npy = path.join(dir, "v.npy")
    writeNpy(npy, ROWS, DIM, values)
    const out = path.join(dir, "npy.tsv")
    await edges(readEmbeddings(npy), out)
    reference = fs.readFileSync(out)
  }
  return reference
}

/** `values` cut into batches of SIZES rows (copies, as a producer would hand them over), with ids if given. */
function batches(ids?: readonly string[] | readonly number[], v = values, dim = DIM): EmbeddingVectors[] {
  const out: EmbeddingVectors[] = []
  let at = 0
  for (const n of SIZES) {
    const b = { vectors: v.slice(at * dim, (at + n) * dim), dim }
    out.push(ids ? { ...b, ids: ids.slice(at, at + n) as string[] } : b)
    at += n
  }
  expect(at).toBe(ROWS)
  return out
}

function* syncBatches(list: EmbeddingVectors[]): Generator<EmbeddingVectors> {
  yield* list
}

/** An async generator of `list`; `log` counts the batches it handed over and notes when it finished. */
async function* asyncBatches(
  list: EmbeddingVectors[],
  log = { pulled: 0, finished: false },
): AsyncGenerator<EmbeddingVectors> {
  try {
    for (const b of list) {
      await new Promise((r) => setTimeout(r, 0))
      log.pulled++
      yield b
    }
  } finally {
    log.finished = true
  }
}

/** Runs `fn` with BROOK_TMPDIR set to a fresh directory; returns that directory's entries afterwards. */
async function inTempDir(fn: () => Promise<void>): Promise<string[]> {
  const tmp = tempDir("brook-vectors-tmp-")
  const before = process.env.BROOK_TMPDIR
  process.env.BROOK_TMPDIR = tmp
  try {
    await fn()
  } finally {
    if (before === undefined) delete process.env.BROOK_TMPDIR
    else process.env.BROOK_TMPDIR = before
  }
  return fs.readdirSync(tmp)
}

test("the same edges, byte for byte, as the .npy: one value, an array, a generator, an async iterable with and without rows", async () => {
  const want = await npyEdges()
  const copy = values.slice()
  const list = batches()
  const cases: Array<[string, () => EmbeddingVectorsInput, ReadEmbeddingsOptions, string]> = [
    ["one", () => ({ vectors: values, dim: DIM }), {}, "copied from memory"],
    ["one-small-batches", () => ({ vectors: values, dim: DIM }), { batchRows: 100 }, "copied from memory"],
    ["array", () => list, { batchRows: 256 }, "copied from memory"],
    ["sync-generator", () => syncBatches(list), {}, "spooled to a temp .npy"],
    ["async-spooled", () => asyncBatches(list), { batchRows: 256 }, "spooled to a temp .npy"],
    ["async-rows", () => asyncBatches(list), { rows: ROWS, batchRows: 256 }, "copied from memory"],
    ["readable-stream", () => ReadableStream.from(list), {}, "spooled to a temp .npy"],
  ]
  const left = await inTempDir(async () => {
    for (const [label, input, options, notes] of cases) {
      const out = path.join(dir, `${label}.tsv`)
      const report = await fromMemory(input(), out, options)
      expect(report.stages[0].plan.notes).toContain(notes)
      expect(report.info.file).toBe("vectors")
      expect({ label, same: fs.readFileSync(out).equals(want) }).toEqual({ label, same: true })
    }
  })
  expect(left).toEqual([])
  // the caller's arrays are neither detached nor changed
  expect(values.byteLength).toBe(ROWS * DIM * 4)
  expect(values).toEqual(copy)
  let at = 0
  for (const b of list) {
    expect(b.vectors.byteLength).toBe(b.vectors.length * 4)
    expect(b.vectors).toEqual(copy.subarray(at * DIM, (at += b.vectors.length / DIM) * DIM))
  }
})

test("the plan and the budget are the .npy file's, plus the ids", async () => {
  const npy = path.join(dir, "v.npy")
  await npyEdges()
  const file = await edges(readEmbeddings(npy), path.join(dir, "plan-npy.tsv"), "32MB")
  const mem = await edges(readEmbeddings({ vectors: values, dim: DIM }), path.join(dir, "plan-mem.tsv"), "32MB")
  expect(mem.stages[0].plan.bytes).toBe(file.stages[0].plan.bytes)
  expect(mem.stages[0].plan.batchRows).toBe(file.stages[0].plan.batchRows)
  expect(mem.stages[0].peakReserved).toBe(file.stages[0].peakReserved)
  const ids = Array.from({ length: ROWS }, (_, r) => `row-${r}`)
  const text = ids.reduce((n, s) => n + s.length, 0)
  const withIds = await edges(
    readEmbeddings({ vectors: values, dim: DIM, ids }),
    path.join(dir, "plan-ids.tsv"),
    "32MB",
  )
  // an id table sized exactly (a u32 end per row and the text) beside batches of the .npy's bytes per row
  const perRow = file.stages[0].plan.bytes / (file.stages[0].plan.batchRows as number)
  expect(perRow).toBe(3 * DIM * 4)
  expect(withIds.stages[0].plan.bytes).toBe(4 * ROWS + text + perRow * (withIds.stages[0].plan.batchRows as number))
  expect(withIds.stages[0].peakReserved).toBe(withIds.stages[0].plan.bytes)
})

test("ids travel to the sink: strings and integers, from one value, a generator (spooled) and an async iterable with rows", async () => {
  const want = (await npyEdges()).toString("utf8").split("\n").filter((l) => l)
  const label = (id: (r: number) => string) =>
    want.map((l) => {
      const [i, j, w] = l.split("\t")
      return `${id(Number(i))}\t${id(Number(j))}\t${w}`
    })
  const strings = Array.from({ length: ROWS }, (_, r) => `v-${r}-é`)
  const integers = Array.from({ length: ROWS }, (_, r) => 1_000_000 + 3 * r)
  const cases: Array<[string, EmbeddingVectorsInput, ReadEmbeddingsOptions, string[]]> = [
    ["ids-one", { vectors: values, dim: DIM, ids: strings }, {}, label((r) => strings[r])],
    ["ids-generator", syncBatches(batches(strings)), {}, label((r) => strings[r])],
    ["ids-async-rows", asyncBatches(batches(integers)), { rows: ROWS }, label((r) => String(integers[r]))],
    ["ids-async-spooled", asyncBatches(batches(integers)), {}, label((r) => String(integers[r]))],
  ]
  const left = await inTempDir(async () => {
    for (const [name, input, options, lines] of cases) {
      const out = path.join(dir, `${name}.tsv`)
      await fromMemory(input, out, options)
      expect({ name, lines: fs.readFileSync(out, "utf8").split("\n").filter((l) => l) }).toEqual({ name, lines })
    }
  })
  expect(left).toEqual([])
})

test("zero vectors: refused naming the row, or skipped with the rows' own numbers, as from a file", async () => {
  const v = new Float32Array([1, 0, 0, 0, 1, 0.001, 0.9, 0.1])
  const npy = path.join(dir, "zero.npy")
  writeNpy(npy, 4, 2, v)
  const fromFile = path.join(dir, "zero-npy.tsv"), fromMem = path.join(dir, "zero-mem.tsv")
  await edges(readEmbeddings(npy, { zeroVectors: "skip" }), fromFile)
  await edges(readEmbeddings({ vectors: v, dim: 2 }, { zeroVectors: "skip" }), fromMem)
  expect(fs.readFileSync(fromMem).equals(fs.readFileSync(fromFile))).toBe(true)
  const e = await failure(
    edges(readEmbeddings([{ vectors: v.subarray(0, 2), dim: 2 }, { vectors: v.subarray(2), dim: 2 }]), fromMem),
  )
  expect({ tag: e._tag, file: e.file, row: e.row }).toEqual({ tag: "InvalidInput", file: "vectors batch 1", row: 1 })
  expect(e.message).toContain("zero vector")
})

test("bad input is InvalidInput naming the batch and the row; no output, no temp file", async () => {
  const out = path.join(dir, "never.tsv")
  const cases: Array<
    [string, () => EmbeddingVectorsInput, ReadEmbeddingsOptions, { file: string; row?: number }, string]
  > = [
    [
      "bad length",
      () => ({ vectors: new Float32Array(10), dim: 3 }),
      {},
      { file: "vectors", row: 3 },
      "not whole rows",
    ],
    [
      "not float32",
      () => ({ vectors: new Float64Array(6) as never, dim: 3 }),
      {},
      { file: "vectors", row: 0 },
      "Float32Array",
    ],
    [
      "dim change, spooled",
      () => syncBatches([...batches().slice(0, 3), { vectors: new Float32Array(12), dim: 12 }]),
      {},
      { file: "vectors batch 3", row: 334 },
      "differs from the first batch's 24",
    ],
    [
      "dim change, async with rows",
      () => asyncBatches([...batches().slice(0, 3), { vectors: new Float32Array(12), dim: 12 }]),
      { rows: ROWS },
      { file: "vectors batch 3", row: 334 },
      "differs from the first batch's 24",
    ],
    [
      "more rows than rows",
      () => asyncBatches(batches()),
      { rows: 1000 },
      { file: "vectors batch 6", row: 1000 },
      "options.rows is 1000",
    ],
    [
      "fewer rows than rows",
      () => asyncBatches(batches()),
      { rows: 1300 },
      { file: "vectors", row: 1200 },
      "hold 1200 rows",
    ],
    [
      "rows of one value",
      () => ({ vectors: values, dim: DIM }),
      { rows: 1199 },
      { file: "vectors", row: 1199 },
      "options.rows is 1199",
    ],
    ["NaN, one value", () => ({ vectors: withNaN(700), dim: DIM }), {}, { file: "vectors", row: 700 }, "NaN"],
    ["NaN, array", () => batches(undefined, withNaN(700)), {}, { file: "vectors batch 5", row: 700 }, "NaN"],
    [
      "NaN, spooled",
      () => syncBatches(batches(undefined, withNaN(700))),
      {},
      { file: "vectors batch 5", row: 700 },
      "NaN",
    ],
    ["NaN, async with rows", () => asyncBatches(batches(undefined, withNaN(700))), { rows: ROWS }, {
      file: "vectors batch 5",
      row: 700,
    }, "NaN"],
    [
      "ids on some batches",
      () =>
        syncBatches([{ vectors: values.subarray(0, DIM), dim: DIM, ids: ["a"] }, {
          vectors: values.subarray(DIM, 2 * DIM),
          dim: DIM,
        }]),
      {},
      { file: "vectors batch 1", row: 1 },
      "no ids on this batch",
    ],
    [
      "ids too few",
      () => ({ vectors: values, dim: DIM, ids: ["a", "b"] }),
      {},
      { file: "vectors", row: 2 },
      "2 ids for 1200 rows",
    ],
    ["ids of two kinds", () => [{ vectors: values.subarray(0, 2 * DIM), dim: DIM, ids: ["a", 7] as never }], {}, {
      file: "vectors batch 0",
      row: 1,
    }, "ids are all strings or all integers"],
    ["no batches", () => syncBatches([]), {}, { file: "vectors" }, "no batches"],
  ]
  const left = await inTempDir(async () => {
    for (const [label, input, options, where, reason] of cases) {
      const e = await failure(fromMemory(input(), out, options))
      expect({ label, tag: e._tag, ...pick(e, where) }).toEqual({ label, tag: "InvalidInput", ...where })
      expect({ label, message: e.message.includes(reason) ? reason : e.message }).toEqual({ label, message: reason })
    }
  })
  expect(left).toEqual([])
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.endsWith(".part"))).toEqual([])
  const e = await failure(fromMemory({ vectors: values, dim: DIM }, out, { rows: -1 }))
  expect(e._tag).toBe("InvalidOption")
})

function withNaN(row: number): Float32Array {
  const v = values.slice()
  v[row * DIM + 5] = NaN
  return v
}

const pick = (e: { file?: string; row?: number }, like: { file: string; row?: number }) =>
  "row" in like ? { file: e.file, row: e.row } : { file: e.file }

/** Files this process holds open whose name is a spool file's (Linux: /proc/self/fd), deleted or not. */
function openSpools(): string[] {
  if (!fs.existsSync("/proc/self/fd")) return []
  return fs.readdirSync("/proc/self/fd").flatMap((fd) => {
    try {
      return [fs.readlinkSync(`/proc/self/fd/${fd}`)]
    } catch {
      return []
    }
  }).filter((l) => l.includes("brook-vectors-"))
}

test("a spool's name is gone once planned; its descriptor closes when the run ends, after success or failure", async () => {
  const list = batches()
  const reusable: Iterable<EmbeddingVectors> = { [Symbol.iterator]: () => syncBatches(list) }
  const stages = (source: ReturnType<typeof readEmbeddings>, out: string) =>
    pipe(source, tiledCosine({ threshold: T, threads: 2 }), thresholdEdges(), writeEdges(out))
  const left = await inTempDir(async () => {
    const source = readEmbeddings(reusable)
    await Effect.runPromise(planPipeline(stages(source, path.join(dir, "spool-plan.tsv")), 64 << 20))
    expect(fs.readdirSync(process.env.BROOK_TMPDIR!)).toEqual([]) // unlinked once open for reading
    if (fs.existsSync("/proc/self/fd")) expect(openSpools()).toHaveLength(1) // held by its descriptor only
    // a run of the same source: its describe closes the unclaimed spool and spools again
    const report = await run(stages(source, path.join(dir, "spool-ok.tsv")), { memory: "64MB" })
    expect(report.stages[0].plan.notes).toContain("spooled")
    expect(fs.readFileSync(path.join(dir, "spool-ok.tsv")).equals(await npyEdges())).toBe(true)
    expect(openSpools()).toEqual([])
    // a run that fails after the source was made (the sink cannot open its output)
    await failure(run(stages(readEmbeddings(reusable), path.join(dir, "no", "such", "dir", "x.tsv"))))
    expect(openSpools()).toEqual([])
  })
  expect(left).toEqual([])
})

test("a failing run stops the caller's generator (its finally runs)", async () => {
  const log = { pulled: 0, finished: false }
  const e = await failure(
    fromMemory(asyncBatches(batches(undefined, withNaN(700)), log), path.join(dir, "x.tsv"), { rows: ROWS }),
  )
  expect(e._tag).toBe("InvalidInput")
  expect(log.finished).toBe(true)
  expect(log.pulled).toBe(6) // up to the batch with the NaN
})

test("a budget too small is refused before the data is read, leaving no temp file", async () => {
  const rows = 100, dim = 384
  const v = randomValues(rows * dim, 3)
  const out = path.join(dir, "budget.tsv")
  const list = () =>
    [0, 40, 60].map((n, k, a) => ({
      vectors: v.slice(
        a.slice(0, k).reduce((x, y) => x + y, 0) * dim,
        (a.slice(0, k + 1).reduce((x, y) => x + y, 0)) * dim,
      ),
      dim,
    }))
  const log = { pulled: 0, finished: false }
  const left = await inTempDir(async () => {
    for (
      const [input, options] of [
        [{ vectors: v, dim }, {}],
        [asyncBatches(list(), log), { rows }],
        [asyncBatches(list()), {}], // spooled while planning, then refused
      ] as Array<[EmbeddingVectorsInput, ReadEmbeddingsOptions]>
    ) {
      const e = await failure(edges(readEmbeddings(input, options), out, "12MB"))
      expect(e._tag).toBe("BudgetExceeded")
      expect(e.operator).toBe("tiledCosine")
    }
  })
  expect(log.pulled).toBeLessThanOrEqual(2) // an empty batch and the first with rows: the dimension
  expect(left).toEqual([])
  expect(fs.existsSync(out)).toBe(false)
  expect(v.byteLength).toBe(rows * dim * 4)
})

test("an array runs again; a generator is read once, and a second run says so", async () => {
  const want = await npyEdges()
  const again = readEmbeddings(batches())
  for (const k of [0, 1]) {
    const out = path.join(dir, `again-${k}.tsv`)
    await edges(again, out)
    expect(fs.readFileSync(out).equals(want)).toBe(true)
  }
  for (const input of [syncBatches(batches()), ReadableStream.from(batches())]) {
    const once = readEmbeddings(input)
    await edges(once, path.join(dir, "once.tsv"))
    const e = await failure(edges(once, path.join(dir, "twice.tsv")))
    expect(e._tag).toBe("InvalidInput")
    expect(e.message).toContain("read by an earlier run")
  }
})
