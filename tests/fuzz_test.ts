/**
 * A fixed seeded sample of the fuzz harness (bench/fuzz/): per reader, mutants of small valid inputs
 * (length fields, format-aware and blind changes) read in process; each must end as ok or a typed brook
 * error, and mutants that keep the input valid must read as the original does. The full runs (10,000
 * per format, in a watched child process) are `bun bench/fuzz/run.ts FORMAT --seed S --count N`.
 * BROOK_FUZZ_N tries more cases per format; BROOK_FUZZ_SEED another sample.
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { DEFECTS, INTERNAL_MESSAGE, type Outcome, prepare, runCase } from "../bench/fuzz/cases.ts"
import { TARGETS } from "../bench/fuzz/targets.ts"
import { isBrookError } from "../core/errors.ts"
import { tempDir } from "./helpers.ts"

const N = Number(process.env.BROOK_FUZZ_N ?? 250)
const SEED = Number(process.env.BROOK_FUZZ_SEED ?? 18)
const shared = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "shared", "data", "exodus")
const hasExodus = fs.existsSync(path.join(shared, "cube.g"))
if (!hasExodus) console.warn(`skipping the exodus and hdf5 fuzz samples: ${shared}/cube.g is absent (../shared)`)

for (const [name, target] of Object.entries(TARGETS)) {
  test.skipIf((name === "exodus" || name === "hdf5") && !hasExodus)(
    `${N} seeded mutants of ${name} inputs end as ok or a typed error`,
    async () => {
      const p = await prepare(target, path.join(tempDir(), name))
      const counts: Partial<Record<Outcome, number>> = {}
      const defects: string[] = []
      for (let k = 0; k < N; k++) {
        const r = await runCase(p, SEED, k)
        counts[r.outcome] = (counts[r.outcome] ?? 0) + 1
        if (DEFECTS.includes(r.outcome)) defects.push(`case ${k} ${r.outcome} (${r.base}: ${r.kind}): ${r.detail}`)
      }
      expect(defects).toEqual([])
      expect(counts.ok ?? 0).toBeGreaterThan(0)
      expect(counts.typed ?? 0).toBeGreaterThan(0)
    },
    600_000,
  )
}

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "fuzz")
const byExt = Object.fromEntries(Object.values(TARGETS).map((t) => [t.ext, t]))

test("the inputs fuzzing once failed on (tests/fixtures/fuzz/) end in a typed one-line error", async () => {
  const files = fs.readdirSync(fixtures).filter((f) => byExt[path.extname(f).slice(1)])
  expect(files.length).toBeGreaterThan(0)
  for (const f of files) {
    const target = byExt[path.extname(f).slice(1)]
    const err = await Promise.resolve().then(() => target.read(path.join(fixtures, f), AbortSignal.timeout(60_000)))
      .then(
        () => undefined,
        (e) => e,
      )
    expect(isBrookError(err) ? "typed" : `${f}: ${err}`).toBe("typed")
    // one line a user can act on, not the engine's words from inside a decoder
    expect(INTERNAL_MESSAGE.test((err as Error).message) ? (err as Error).message : "").toBe("")
  }
})
