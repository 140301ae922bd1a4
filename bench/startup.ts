/**
 * Start-up of the `brook` command, before and after it became a package (issue 12), back to back in one run:
 * "before" is `node cli/brook.js` in a checkout of the base commit (what the old bin ran: Node, then Bun on the
 * TypeScript sources, every CLI module loaded); "after" is the bin that `npm install brook` gives, in a fresh
 * project (a sh launcher exec'ing Bun on the built lib/). Wall times of: --version, `exodus info` on a small
 * file, `edges` on 20,000 x 384; for edges also its start-up share, the wall time minus the seconds brook's
 * summary reports for the run itself. Medians over RUNS, the two interleaved.
 * usage: bun bench/startup.ts BEFORE_DIR AFTER_BIN EMB.npy [EXODUS_FILE] [RUNS=7]   (bench/startup.sh sets these up)
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const [beforeDir, afterBin, emb, exodus, runsArg] = process.argv.slice(2)
const runs = Number(runsArg ?? 7)
const out = fs.mkdtempSync(path.join(path.dirname(emb), "startup-"))

type Side = { name: string; argv: (args: string[]) => string[] }
const sides: Side[] = [
  { name: "before", argv: (args) => ["node", path.join(beforeDir, "cli", "brook.js"), ...args] },
  { name: "after", argv: (args) => [afterBin, ...args] },
]
const jobs: Array<{ name: string; args: string[]; ok: number[] }> = [
  { name: "--version", args: ["--version"], ok: [0, 2] }, // before: no --version (usage, exit 2), same start-up
  ...(exodus ? [{ name: "exodus info", args: ["exodus", "info", exodus], ok: [0] }] : []),
  { name: "edges 20k x 384", args: ["edges", emb, "--threshold", "0.8", "--out", path.join(out, "e.tsv")], ok: [0] },
]

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const results = new Map<string, { wall: number[]; work: number[] }>()
for (let r = 0; r < runs; r++) {
  for (const job of jobs) {
    for (const side of sides) {
      const [cmd, ...args] = side.argv(job.args)
      const t0 = performance.now()
      const p = spawnSync(cmd, args, { encoding: "utf8", timeout: 600_000 })
      const wall = (performance.now() - t0) / 1000
      if (!job.ok.includes(p.status ?? -1)) throw new Error(`${side.name} ${job.name}: exit ${p.status}\n${p.stderr}`)
      const key = `${job.name}\t${side.name}`
      const entry = results.get(key) ?? { wall: [], work: [] }
      entry.wall.push(wall)
      const work = /brook edges: ([\d.]+) s/.exec(p.stderr)
      if (work) entry.work.push(Number(work[1]))
      results.set(key, entry)
    }
  }
}
fs.rmSync(out, { recursive: true, force: true })
console.log(`job\tside\tmedian wall (s)\tmin-max\tstart-up share (s)`)
for (const [key, { wall, work }] of results) {
  const share = work.length ? median(wall.map((w, k) => w - work[k])).toFixed(3) : ""
  console.log(
    `${key}\t${median(wall).toFixed(3)}\t${Math.min(...wall).toFixed(3)}-${Math.max(...wall).toFixed(3)}\t${share}`,
  )
}
for (const job of jobs) {
  const b = median(results.get(`${job.name}\tbefore`)!.wall)
  const a = median(results.get(`${job.name}\tafter`)!.wall)
  console.log(`${job.name}: after / before ${(a / b).toFixed(3)}`)
}
