/**
 * The fuzz worker: runs cases [from, from + count) of one format in this process and reports on stdout,
 * one line per event: "start K" before a case, "end K OUTCOME <json>" after it. The parent (run.ts)
 * kills this process group when a case outlives its watchdog and resumes after it.
 * Usage: child.ts FORMAT SEED FROM COUNT WORKDIR OUTDIR
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { DEFECTS, minimise, prepare, runCase } from "./cases.ts"
import { TARGETS } from "./targets.ts"

const [format, seedText, fromText, countText, work, outDir] = process.argv.slice(2)
const target = TARGETS[format]
if (!target) throw new Error(`unknown format ${format}`)
const seed = Number(seedText), from = Number(fromText), count = Number(countText)
const say = (line: string) => fs.writeSync(1, line + "\n")

const p = await prepare(target, work)
say(`ready`)
for (let k = from; k < from + count; k++) {
  say(`start ${k}`)
  // a stand-in for a reader's loop gone wrong, to check the watchdog: BROOK_FUZZ_SPIN=K spins in case K
  if (process.env.BROOK_FUZZ_SPIN === String(k)) { for (;;); }
  const r = await runCase(p, seed, k)
  if (DEFECTS.includes(r.outcome)) {
    fs.mkdirSync(outDir, { recursive: true })
    const small = r.outcome === "exception" || r.outcome === "wrong"
      ? await minimise(p, r.bytes, r.outcome, r.detail)
      : r.bytes
    const name = path.join(outDir, `${format}-seed${seed}-case${k}.${target.ext}`)
    fs.writeFileSync(name, small)
    fs.writeFileSync(
      `${name}.txt`,
      `${r.outcome} (${r.base}: ${r.kind}), ${r.bytes.length} -> ${small.length} bytes\n${r.detail}\n`,
    )
  }
  say(
    `end ${k} ${r.outcome} ${
      JSON.stringify({
        rss: process.memoryUsage().rss,
        kind: r.kind,
        base: r.base,
        detail: r.detail.split("\n")[0].slice(0, 300),
      })
    }`,
  )
}
say("done")
// workers or timers left by a reader must not keep the child alive
process.exit(0)
