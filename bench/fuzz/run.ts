/**
 * The fuzz harness: `bun bench/fuzz/run.ts FORMAT|all --seed S --count N [--from K] [--watchdog MS]`
 * (or `deno run -A bench/fuzz/run.ts ...`). Runs cases [K, K + N) of each format in a child process
 * (child.ts, its own process group) and watches it: a case that runs past the watchdog is a hang, the
 * group is killed, the case's input saved and the run resumes after it; a child that dies mid-case is a
 * defect too. Prints one summary line per format; failing inputs (minimised where the defect shows in
 * process) go to bench/out/fuzz/, with a .txt naming the case, the mutation and the error.
 * Formats: npy, parquet, exodus, fasta, edges, brk, arrow.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { TARGETS } from "./targets.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const which = args[0]
if (!which || (which !== "all" && !TARGETS[which])) {
  console.error(
    `usage: run.ts FORMAT|all --seed S --count N [--from K] [--watchdog MS]; formats: ${
      Object.keys(TARGETS).join(", ")
    }`,
  )
  process.exit(2)
}
const seed = flag("seed", 1), count = flag("count", 1000), from0 = flag("from", 0), watchdog = flag("watchdog", 60_000)
const outDir = path.resolve(here, "../out/fuzz")
const deno = "Deno" in globalThis
const runtime = deno ? "deno" : "bun"

interface Tally {
  ok: number
  typed: number
  exception: number
  hang: number
  memory: number
  wrong: number
  internal: number
  crash: number
}

/** Runs [from, end) in children until done; each hang or crash costs one case and a restart. */
async function fuzz(format: string): Promise<void> {
  const target = TARGETS[format]
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `brook-fuzz-${format}-`))
  const tally: Tally = { ok: 0, typed: 0, exception: 0, hang: 0, memory: 0, wrong: 0, internal: 0, crash: 0 }
  const firstDefects: string[] = []
  let peakRss = 0
  const t0 = performance.now()
  let next = from0
  const end = from0 + count
  while (next < end) {
    const cmd = deno
      ? [process.execPath, "run", "-A", "--no-check", path.join(here, "child.ts")]
      : [process.execPath, path.join(here, "child.ts")]
    const child = spawn(
      cmd[0],
      [...cmd.slice(1), format, String(seed), String(next), String(end - next), work, outDir],
      {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    )
    let current = -1, since = performance.now(), buf = "", stderr = ""
    let killed = false
    const timer = setInterval(() => {
      if (current >= 0 && performance.now() - since > watchdog) {
        killed = true
        try {
          process.kill(-child.pid!, "SIGKILL")
        } catch { /* gone */ }
      }
    }, 250)
    child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)))
    child.stdout!.on("data", (d) => {
      buf += d
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        const [what, k, outcome, ...rest] = line.split(" ")
        if (what === "start") current = Number(k), since = performance.now()
        else if (what === "end") {
          tally[outcome as keyof Tally]++
          peakRss = Math.max(peakRss, JSON.parse(rest.join(" ")).rss ?? 0)
          if (outcome !== "ok" && outcome !== "typed" && firstDefects.length < 10) {
            firstDefects.push(`case ${k} ${outcome}: ${rest.join(" ")}`)
          }
          current = -1
          next = Number(k) + 1
        }
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
    clearInterval(timer)
    if (next >= end) break
    // the child stopped inside case `current` (or before the first): a hang or a crash
    const k = current >= 0 ? current : next
    const kind = killed ? "hang" : "crash"
    tally[kind]++
    fs.mkdirSync(outDir, { recursive: true })
    const saved = path.join(outDir, `${format}-seed${seed}-case${k}.${target.ext}`)
    try {
      fs.copyFileSync(path.join(work, `case.${target.ext}`), saved)
    } catch { /* no input written yet */ }
    fs.writeFileSync(`${saved}.txt`, `${kind} at case ${k} (exit ${code}, watchdog ${watchdog} ms)\n${stderr}\n`)
    if (firstDefects.length < 10) {
      firstDefects.push(`case ${k} ${kind}: exit ${code} ${stderr.split("\n").slice(-5).join(" | ")}`)
    }
    if (current < 0 && !killed && stderr) {
      console.error(stderr)
      throw new Error(`${format}: the child failed before its first case`)
    }
    next = k + 1
  }
  fs.rmSync(work, { recursive: true, force: true })
  const defects = tally.exception + tally.hang + tally.memory + tally.wrong + tally.internal + tally.crash
  const s = ((performance.now() - t0) / 1000).toFixed(0)
  console.log(
    `${format} (${runtime}) seed ${seed} cases ${from0}-${
      end - 1
    }: ${count} tried, ok ${tally.ok}, typed errors ${tally.typed}, ` +
      `defects ${defects} (exception ${tally.exception}, hang ${tally.hang}, memory ${tally.memory}, wrong ${tally.wrong}, internal message ${tally.internal}, crash ${tally.crash}), peak RSS ${
        (peakRss / 2 ** 20).toFixed(0)
      } MB, ${s} s`,
  )
  for (const d of firstDefects) console.log(`  ${d}`)
  fs.mkdirSync(outDir, { recursive: true })
  fs.appendFileSync(
    path.join(outDir, "summary.jsonl"),
    JSON.stringify({
      format,
      runtime,
      seed,
      from: from0,
      count,
      ...tally,
      peakRssMB: Math.round(peakRss / 2 ** 20),
      seconds: +s,
    }) + "\n",
  )
}

for (const format of which === "all" ? Object.keys(TARGETS) : [which]) await fuzz(format)
