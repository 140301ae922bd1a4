/**
 * readArrow under mutated input: seeded mutants of a small valid embedding stream (brook's own, and
 * apache-arrow's list<float32> stream without brook's metadata) go through readArrow into tiledCosine,
 * as `brook tiled-cosine < FILE` runs them. Length fields (message lengths, body lengths, row counts,
 * field nodes, buffer offsets, vector lengths), float values, blind byte flips, inserted and dropped
 * bytes: every mutant must end as ok or a typed brook error. Runs in process: a loop that went past its
 * data would hang the suite here (issue 18: a NaN value once made tiledCosine's quantiser spin for ever).
 * BROOK_FUZZ_N=10000 tries more mutants per base stream; BROOK_FUZZ_SEED picks another sample.
 */
import { expect, test } from "bun:test"
import {
  Field,
  FixedSizeList,
  Float16,
  Float32,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
} from "apache-arrow"
import { collect, pipe, run, type ScoredPairs, tiledCosine } from "../../mod.ts"
import { FbTable } from "../../formats/arrow/flatbuffers.ts"
import { isBrookError } from "../../core/errors.ts"
import { readArrow, streamInput } from "../../sources/read_arrow.ts"
import { writeArrow } from "../../sinks/write_arrow.ts"
import type { EmbeddingRows } from "../../core/batches.ts"
import { batchSource, float16Of, randomValues } from "../helpers.ts"

const ROWS = 40
const DIM = 8
const N = Number(process.env.BROOK_FUZZ_N ?? 100)
const SEED = Number(process.env.BROOK_FUZZ_SEED ?? 18)

/** brook's own embedding stream (fixed_size_list + row, brook.rows and brook.dim in the metadata), in 3 batches. */
async function brookStream(): Promise<Uint8Array> {
  const values = randomValues(ROWS * DIM, 7)
  const parts: Uint8Array[] = []
  const cuts = [0, 16, 32, ROWS]
  await run(
    pipe(
      batchSource(
        cuts.slice(1).map((b, k): EmbeddingRows => {
          const a = cuts[k]
          return { start: a, count: b - a, dim: DIM, values: values.slice(a * DIM, b * DIM) }
        }),
        { rows: ROWS, dim: DIM, file: "mem" },
        { name: "rows" },
      ),
      writeArrow({
        write: (bytes) => (parts.push(bytes.slice()), Promise.resolve()),
        close: () => Promise.resolve(),
        abort: () => {},
      }, "embeddings"),
    ),
    { memory: "64MB" },
  )
  return concat(parts)
}

/** apache-arrow's list<float32> stream: no brook metadata, so readArrow spools it to count its rows. */
function foreignStream(): Uint8Array {
  const values = randomValues(ROWS * DIM, 9)
  const child = makeData({ type: new Float32(), length: ROWS * DIM, data: values })
  const type = new List(new Field("item", new Float32(), false))
  const offsets = Int32Array.from({ length: ROWS + 1 }, (_, k) => k * DIM)
  const vectors = makeData({ type, length: ROWS, nullCount: 0, valueOffsets: offsets, child })
  const schema = new Schema([new Field("vec", type, false)])
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: ROWS, children: [vectors] }),
  )
  return tableToIPC(new Table(batch), "stream")
}

/** apache-arrow's fixed_size_list<float32> stream, two batches. */
function foreignFixedStream(): Uint8Array {
  const type = new FixedSizeList(DIM, new Field("item", new Float32(), false))
  const schema = new Schema([new Field("vec", type, false)])
  const batches = [0, 1].map((k) => {
    const n = ROWS / 2
    const child = makeData({ type: new Float32(), length: n * DIM, data: randomValues(n * DIM, 11 + k) })
    const vectors = makeData({ type, length: n, nullCount: 0, child })
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children: [vectors] }))
  })
  return tableToIPC(new Table(batches), "stream")
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) out.set(p, at), at += p.length
  return out
}

/** The messages of a stream: where each starts, its metadata (offset, length) and its body. */
function messages(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const out: { at: number; meta: number; metaLength: number; body: number; bodyLength: number }[] = []
  for (let at = 0; at + 8 <= bytes.length;) {
    const len = dv.getInt32(at + 4, true)
    if (len === 0) break
    const meta = at + 8
    const msg = FbTable.root(new DataView(bytes.buffer, bytes.byteOffset + meta, len))
    const bodyLength = msg.i64(3)
    out.push({ at, meta, metaLength: len, body: meta + len, bodyLength })
    at = meta + len + bodyLength
  }
  return out
}

/** xorshift32: the same mutants on every machine and runtime. */
function random(seed: number) {
  let s = seed >>> 0 || 1
  const next = () => (s ^= s << 13, s ^= s >>> 17, s ^= s << 5, (s >>> 0) / 2 ** 32)
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  }
}

const INTERESTING = [0, 1, -1, 2, 7, 8, 16, 255, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, -0x80000000, 0xfffffff8]

/**
 * One mutant of `base`: "length" mutations rewrite an aligned 32- or 64-bit word of a message's
 * metadata (where the lengths, counts and offsets live) or the length word before it; "value" ones a
 * float of a body (NaN, Inf, 0, huge); "flip" ones 1-4 random bytes anywhere; "splice" inserts or drops
 * bytes; "cut" ends the stream early.
 */
function mutate(base: Uint8Array, msgs: ReturnType<typeof messages>, rnd: ReturnType<typeof random>) {
  const kind = rnd.pick(["length", "length", "length", "value", "flip", "flip", "splice", "cut"] as const)
  let b = base.slice()
  const dv = () => new DataView(b.buffer, b.byteOffset, b.length)
  const m = rnd.pick(msgs)
  switch (kind) {
    case "length": {
      const word = rnd.next() < 0.5 ? 4 : 8
      const at = rnd.next() < 0.15 ? m.at + 4 : m.meta + word * rnd.int(Math.floor(m.metaLength / word))
      const old = word === 4 ? dv().getInt32(at, true) : Number(dv().getBigInt64(at, true))
      const v = rnd.next() < 0.5
        ? rnd.pick(INTERESTING)
        : rnd.pick([old + 1, old - 1, old * 2, old + 8, old - 8, Math.floor(old / 2), -old, old + 2 ** 31])
      if (word === 4) dv().setInt32(at, v | 0, true)
      else dv().setBigInt64(at, BigInt(Math.trunc(v)), true)
      break
    }
    case "value": {
      const bodies = msgs.filter((x) => x.bodyLength >= 4)
      const x = bodies.length ? rnd.pick(bodies) : m
      const at = x.body + 4 * rnd.int(Math.max(1, Math.floor(x.bodyLength / 4)))
      if (at + 4 <= b.length) dv().setFloat32(at, rnd.pick([NaN, Infinity, -Infinity, 0, 3e38, -3e38, 1e-45]), true)
      break
    }
    case "flip":
      for (let n = 1 + rnd.int(4); n > 0; n--) b[rnd.int(b.length)] ^= 1 << rnd.int(8)
      break
    case "splice": {
      const at = rnd.int(b.length), n = 1 + rnd.int(24)
      b = rnd.next() < 0.5
        ? concat([b.subarray(0, at), Uint8Array.from({ length: n }, () => rnd.int(256)), b.subarray(at)])
        : concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + n))])
      break
    }
    case "cut":
      b = b.slice(0, rnd.int(b.length))
      break
  }
  return { kind, bytes: b }
}

type Outcome = "ok" | "typed" | "defect"

/** `brook tiled-cosine --threshold 0.5 < bytes`, in process: one tile worker, 64 MB. */
async function tiledCosineOf(bytes: Uint8Array): Promise<{ outcome: Outcome; detail: string }> {
  const input = streamInput("stdin", new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }))
  const got = { batches: [] as ScoredPairs[] }
  try {
    await run(pipe(readArrow(input, "embeddings"), tiledCosine({ threshold: 0.5, threads: 1 }), collect(got)), {
      memory: "64MB",
    })
    return { outcome: "ok", detail: `${got.batches.reduce((n, p) => n + p.length, 0)} pairs` }
  } catch (e) {
    const detail = `${(e as { _tag?: string })._tag ?? (e as Error)?.name}: ${(e as Error)?.message ?? e}` +
      (process.env.BROOK_FUZZ_STACK && !isBrookError(e) ? `\n${(e as Error)?.stack}` : "")
    return { outcome: isBrookError(e) ? "typed" : "defect", detail }
  }
}

for (
  const [name, make] of [["brook", brookStream], ["apache-arrow list", foreignStream], [
    "apache-arrow fixed_size_list",
    foreignFixedStream,
  ]] as const
) {
  test(`${N} seeded mutants of ${name}'s embedding stream end in tiledCosine as ok or a typed error`, async () => {
    const base = await make()
    expect((await tiledCosineOf(base)).outcome).toBe("ok")
    const msgs = messages(base)
    const rnd = random(SEED * 7919 + name.length)
    const counts: Record<Outcome, number> = { ok: 0, typed: 0, defect: 0 }
    const defects: string[] = []
    for (let k = 0; k < N; k++) {
      const { kind, bytes } = mutate(base, msgs, rnd)
      const t0 = performance.now()
      const { outcome, detail } = await tiledCosineOf(bytes)
      if (process.env.BROOK_FUZZ_SLOW && performance.now() - t0 > 100) {
        console.error(`slow mutant ${k} (${kind}) ${(performance.now() - t0).toFixed(0)} ms: ${detail.slice(0, 200)}`)
      }
      counts[outcome]++
      if (outcome === "defect") defects.push(`mutant ${k} (${kind}): ${detail}`)
    }
    if (process.env.BROOK_FUZZ_N) console.error(`${name}: ${N} mutants: ${JSON.stringify(counts)}`)
    expect(defects).toEqual([])
    expect(counts.typed).toBeGreaterThan(0)
  }, 600_000)
}

test("a NaN, an Inf or a zero row in an embedding stream is refused naming the input, row and byte offset", async () => {
  const base = await brookStream()
  const body = messages(base)[1].body // the first record batch: 16 rows, embedding values first
  for (const [v, reason] of [[NaN, /value NaN at dimension 3/], [-Infinity, /value -Infinity/]] as const) {
    const bytes = base.slice()
    new DataView(bytes.buffer).setFloat32(body + 4 * (5 * DIM + 3), v, true)
    const r = await tiledCosineOf(bytes)
    expect(r.outcome).toBe("typed")
    expect(r.detail).toMatch(reason)
    expect(r.detail).toContain(`stdin (row 5, byte offset ${body + 4 * (5 * DIM + 3)})`)
  }
  const zero = base.slice()
  zero.fill(0, body + 4 * 2 * DIM, body + 4 * 3 * DIM)
  const r = await tiledCosineOf(zero)
  expect(r.detail).toContain("InvalidInput: stdin (row 2")
  expect(r.detail).toContain("zero vector")
})

/**
 * apache-arrow's HalfFloat vectors (or Float32 ones, `half` false), as list or fixed_size_list: rows of
 * values binary16 holds exactly.
 */
function halfStream(fixed: boolean, value: (n: number) => number, half = true): Uint8Array {
  const type = half ? new Float16() : new Float32()
  const data = half
    ? Uint16Array.from({ length: ROWS * DIM }, (_, n) => float16Of(value(n)))
    : Float32Array.from({ length: ROWS * DIM }, (_, n) => value(n))
  const child = makeData({ type, length: ROWS * DIM, data } as never)
  const item = new Field("item", type, false)
  const vectors = fixed
    ? makeData({ type: new FixedSizeList(DIM, item), length: ROWS, nullCount: 0, child })
    : makeData({
      type: new List(item),
      length: ROWS,
      nullCount: 0,
      valueOffsets: Int32Array.from({ length: ROWS + 1 }, (_, k) => k * DIM),
      child,
    })
  const schema = new Schema([new Field("vec", vectors.type, false)])
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ROWS, children: [vectors] }))
  return tableToIPC(new Table(batch), "stream")
}

test("HalfFloat vectors (list and fixed_size_list) are widened exactly to float32; a NaN is refused at its byte", async () => {
  // subnormals, the largest finite value, halves
  const value = (n: number) => n % DIM === 0 ? (n + 1) * 2 ** -24 : n % DIM === 1 ? -65504 : (n % 97) + 0.5
  const pairs = async (bytes: Uint8Array) => {
    const input = streamInput("stdin", new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }))
    const got = { batches: [] as ScoredPairs[] }
    await run(pipe(readArrow(input, "embeddings"), tiledCosine({ threshold: 0.5, threads: 1 }), collect(got)))
    return got.batches.flatMap((p) => Array.from({ length: p.length }, (_, k) => `${p.i[k]} ${p.j[k]} ${p.score[k]}`))
      .sort()
  }
  for (const fixed of [false, true]) {
    // the pairs and cosines those of the float32 stream of the same values
    const same = await pairs(halfStream(fixed, value, false))
    expect(same.length).toBeGreaterThan(ROWS)
    expect(await pairs(halfStream(fixed, value))).toEqual(same)
    const bytes = halfStream(fixed, value)
    const input = streamInput("stdin", new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }))
    const got = { batches: [] as EmbeddingRows[] }
    await run(pipe(readArrow(input, "embeddings"), collect(got)), { memory: "64MB" })
    const all = got.batches.flatMap((b) => Array.from(b.values.subarray(0, b.count * b.dim)))
    expect(got.batches.every((b) => b.dim === DIM)).toBe(true)
    expect(all).toEqual(Array.from({ length: ROWS * DIM }, (_, n) => value(n)))
    const r = await tiledCosineOf(halfStream(fixed, (n) => n === 3 * DIM + 2 ? NaN : value(n)))
    expect(r.outcome).toBe("typed")
    expect(r.detail).toMatch(/stdin \(row 3, byte offset \d+\): value NaN at dimension 2/)
  }
})
