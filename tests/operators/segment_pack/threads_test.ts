/** segmentPack with pack workers: the archive is the same, byte for byte, for any number of threads. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { PackEvent } from "../../../core/batches.ts"
import { pipe } from "../../../core/pipe.ts"
import { run } from "../../../core/run.ts"
import { workerPool } from "../../../core/workers.ts"
import { DELTA_LEVEL, REF_LEVEL } from "../../../formats/brk/codec.ts"
import { type PackerEvent, PackQueue, settle } from "../../../operators/segment_pack/pack_queue.ts"
import type { PackResult, PackTask } from "../../../operators/segment_pack/pack_worker.ts"
import { segment } from "../../../operators/segment_pack/segment.ts"
import { PACK_WORKER_BYTES, segmentPack, spawnPackWorker } from "../../../operators/segment_pack/segment_pack.ts"
import { Archive } from "../../../formats/brk/archive.ts"
import { readFasta } from "../../../sources/read_fasta.ts"
import { writeArchive } from "../../../sinks/brk_archive.ts"
import { tempDir } from "../../helpers.ts"
import { cancelOnceWriting, fasta, mutate, randomBases, rng, TEST_PARAMS } from "./genomes.ts"

/** A reference and 60 mutated samples: more than PACK_CARDINALITY deltas a group, so packs seal when full and at the end. */
function collection(dir: string, samples = 60): string[] {
  const r = rng(5)
  const chr = randomBases(20_000, r)
  const files = [path.join(dir, "ref.fa")]
  fs.writeFileSync(files[0], fasta([["ref#1", chr]]))
  for (let k = 0; k < samples; k++) {
    const f = path.join(dir, `s${k}.fa`)
    fs.writeFileSync(f, fasta([[`s${k}#1`, mutate(chr, r)]]))
    files.push(f)
  }
  return files
}

const packWith = (out: string, files: string[], threads: number, memory = "256MB", signal?: AbortSignal) =>
  run(
    pipe(
      readFasta(files),
      segment({ reference: files[0], ...TEST_PARAMS }),
      segmentPack({ threads }),
      writeArchive(out),
    ),
    { memory, signal },
  )

test("--threads 1, 2 and 3 write the same archive, byte for byte, and it restores", async () => {
  const dir = tempDir()
  const files = collection(dir)
  const outs = [1, 2, 3].map((t) => path.join(dir, `t${t}.brk`))
  for (const [k, out] of outs.entries()) await packWith(out, files, k + 1)
  const bytes = outs.map((o) => fs.readFileSync(o))
  expect(bytes[1].equals(bytes[0])).toBe(true)
  expect(bytes[2].equals(bytes[0])).toBe(true)
  const a = Archive.open(outs[2])
  try {
    expect(a.packs.filter((p) => !p.ref && p.count === 50).length).toBeGreaterThan(0)
    expect(a.packs.filter((p) => !p.ref && p.count < 50).length).toBeGreaterThan(0)
    for (const [k, s] of a.samples.entries()) {
      const parts: Uint8Array[] = []
      a.restoreSample(s, (b) => parts.push(b.slice()))
      expect(Buffer.concat(parts).equals(fs.readFileSync(files[k]))).toBe(true)
    }
  } finally {
    a.close()
  }
})

test("the pack queue keeps the Packer's order whatever the bytes in flight allow", async () => {
  const r = rng(3)
  const text = (n: number) => new TextEncoder().encode(randomBases(n, r)) as Uint8Array<ArrayBuffer>
  const events: PackerEvent[] = []
  for (let g = 0; g < 40; g++) {
    events.push({ kind: "group", id: g, a: BigInt(g), b: BigInt(g + 1) })
    events.push({
      kind: "pack",
      group: g,
      ref: true,
      first: 0,
      count: 1,
      job: { ref: true, level: REF_LEVEL, bytes: text(3000 + 97 * g) },
    })
    events.push({ kind: "place", group: g, ordinal: -1, rc: false, skip: 0, length: 3000 + 97 * g })
    events.push({
      kind: "pack",
      group: g,
      ref: false,
      first: 0,
      count: 3,
      job: { ref: false, level: DELTA_LEVEL, bytes: text(500 + g) },
    })
  }
  const expected = events.map(settle)
  for (const capacity of [1, 20_000, 1 << 30]) {
    const got: PackEvent[] = []
    const peak = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const pool = yield* workerPool<PackTask, PackResult>(spawnPackWorker, 2, () => ({ type: "init" }))
      const q = new PackQueue(pool, capacity, (e) => got.push(e))
      for (const [k, e] of events.entries()) {
        q.push({ ...e, ...(e.kind === "pack" ? { job: { ...e.job, bytes: e.job.bytes.slice() } } : {}) })
        if (k % 7 === 0) yield* Effect.promise(() => q.settle())
      }
      yield* Effect.promise(() => q.finish())
      return q.peak
    })))
    expect(got).toEqual(expected)
    if (capacity === 1) expect(peak).toBe(2 * (3000 + 97 * 39)) // one pack at a time: the largest alone
    else expect(peak).toBeLessThanOrEqual(capacity)
  }
})

test("cancellation with pack workers ends in Cancelled and leaves no archive or temp file", async () => {
  const dir = tempDir()
  const files = collection(dir, 200)
  const out = path.join(dir, "c.brk")
  const controller = new AbortController()
  const running = packWith(out, files, 3, "256MB", controller.signal)
  const err = await cancelOnceWriting(dir, controller, running)
  expect((err as { _tag?: string })._tag).toBe("Cancelled")
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.includes(".part"))).toEqual([])
})

test("pack workers' heaps are in the plan: a budget that holds one thread but not a worker is refused up front", async () => {
  const dir = tempDir()
  const files = collection(dir, 3)
  const one = path.join(dir, "one.brk"), two = path.join(dir, "two.brk")
  expect(segmentPack({ threads: 2 }).minimum({})).toBe(segmentPack({ threads: 1 }).minimum({}) + PACK_WORKER_BYTES)
  await packWith(one, files, 1, "40MB")
  expect(fs.existsSync(one)).toBe(true)
  const err = await packWith(two, files, 2, "40MB").catch((e) => e)
  expect(err._tag).toBe("BudgetExceeded")
  expect(err.operator).toBe("segmentPack")
  expect(err.needed).toBe(segmentPack({ threads: 2 }).minimum({}))
  expect(fs.readdirSync(dir).filter((f) => f.endsWith(".brk") || f.includes(".part"))).toEqual(["one.brk"])
})
