/**
 * The budget matrix (issue 18): every command x --memory budgets x runtimes, each cell's peak RSS against
 * the budget plus the runtime's baseline. usage:
 *   bun bench/budget_matrix.ts DIR [--runtimes bun,deno,binary] [--commands a,b] [--budgets 8MB,16MB,...]
 * DIR holds the inputs bench/budget_matrix.sh makes. One line per cell on stdout (TSV), then a Markdown table.
 * A cell is `holds` (peak <= budget + baseline), `refused` (a non-zero exit naming the budget, and the
 * bytes of the input it read before refusing, counted by strace from its read syscalls), `OVER` or `BROKEN`.
 * Peak RSS: /usr/bin/time's %M of the runtime (bin/brook execs it; workers are threads of it). Every process
 * runs in a process group of its own, killed whole on a timeout.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const MiB = 1 << 20
const args = process.argv.slice(2)
const dir = args[0]
if (!dir || !fs.existsSync(path.join(dir, "emb.npy"))) {
  console.error("usage: budget_matrix.ts DIR [--runtimes bun,deno,binary] [--commands a,b] [--budgets 8MB,...] (DIR made by bench/budget_matrix.sh)")
  process.exit(2)
}
const option = (name: string, fallback: string): string[] => {
  const k = args.indexOf(name)
  return (k >= 0 ? args[k + 1] : fallback).split(",").filter((s) => s.length > 0)
}
const runtimes = option("--runtimes", "bun,deno,binary")
const budgets = option("--budgets", "8MB,16MB,32MB,64MB,256MB,default")
const TIMEOUT_S = Number(process.env.CELL_TIMEOUT ?? 600)
const work = path.join(dir, `cells-${runtimes.join("-")}`)
fs.mkdirSync(work, { recursive: true })

interface Command {
  readonly name: string
  readonly argv: string[]
  readonly stdin?: string
  /** the files whose reads count as reading data (for a refusal: how much was read) */
  readonly inputs: string[]
  readonly before?: () => void
  /** the budget without --memory, when not 1 GiB */
  readonly defaultMiB?: number
}
/** Every command on the inputs in `inputs` (the full ones, or tiny/ for the baselines), writing into `work`. */
const commandsIn = (inputs: string, work: string): Command[] => {
  const d = (f: string) => path.join(inputs, f)
  const o = (f: string) => path.join(work, f)
  const samples = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, k) => d(`genomes/hap${String(from + k).padStart(3, "0")}.fa`))
  return [
  { name: "edges", argv: ["edges", d("emb.npy"), "-t", "0.8", "-o", o("edges.tsv")], inputs: [d("emb.npy")] },
  { name: "cluster", argv: ["cluster", d("emb.npy"), "-t", "0.8", "--max-size", "1000", "-o", o("cluster.tsv")], inputs: [d("emb.npy")] },
  { name: "leiden (.parquet out)", argv: ["leiden", d("edges.tsv"), "--max-size", "1000", "-o", o("leiden.parquet")], inputs: [d("edges.tsv")] },
  { name: "read-embeddings", argv: ["read-embeddings", d("emb.npy")], inputs: [d("emb.npy")] },
  { name: "tiled-cosine", argv: ["tiled-cosine", "-t", "0.8"], stdin: d("emb.arrows"), inputs: [d("emb.arrows")] },
  { name: "threshold-edges", argv: ["threshold-edges"], stdin: d("pairs.arrows"), inputs: [d("pairs.arrows")] },
  { name: "leiden-recursive", argv: ["leiden-recursive", "--max-size", "1000"], stdin: d("edges.arrows"), inputs: [d("edges.arrows")] },
  { name: "write-tsv", argv: ["write-tsv", "-o", o("w.tsv")], stdin: d("edges.arrows"), inputs: [d("edges.arrows")] },
  { name: "write-parquet (edges)", argv: ["write-parquet", "-o", o("w.parquet")], stdin: d("edges.arrows"), inputs: [d("edges.arrows")] },
  { name: "write-parquet (clusters)", argv: ["write-parquet", "-o", o("wc.parquet")], stdin: d("clusters.arrows"), inputs: [d("clusters.arrows")] },
  { name: "exodus stats", argv: ["exodus", "stats", d("mesh.exo")], inputs: [d("mesh.exo")] },
  { name: "exodus copy", argv: ["exodus", "copy", d("mesh.exo"), "-o", o("copy.exo")], inputs: [d("mesh.exo")] },
  { name: "exodus to-parquet --steps 1", argv: ["exodus", "to-parquet", d("mesh.exo"), "--steps", "1", "-o", o("mesh.parquet")], inputs: [d("mesh.exo")] },
  { name: "pack", argv: ["pack", "--force", "-o", o("pack.brk"), d("genomes/ref.fa"), ...samples(1, 10)], inputs: [d("genomes/ref.fa"), ...samples(1, 10)] },
  { name: "pack -j 2", argv: ["pack", "--force", "-j", "2", "-o", o("pack2.brk"), d("genomes/ref.fa"), ...samples(1, 10)], inputs: [d("genomes/ref.fa"), ...samples(1, 10)] },
  { name: "unpack", argv: ["unpack", d("all.brk"), "-o", o("unpacked")], inputs: [d("all.brk")], defaultMiB: 64, before: () => fs.mkdirSync(o("unpacked"), { recursive: true }) },
  { name: "append", argv: ["append", o("append.brk"), ...samples(9, 10)], inputs: [o("append.brk"), ...samples(9, 10)], before: () => fs.copyFileSync(d("eight.brk"), o("append.brk")) },
  ]
}
const commands = commandsIn(dir, work)
const tinyWork = path.join(work, "tiny")
fs.mkdirSync(tinyWork, { recursive: true })
const tinyCommands = commandsIn(path.join(dir, "tiny"), tinyWork)
const only = option("--commands", "")
const chosen = only.length === 0 ? commands : commands.filter((c) => only.includes(c.name))

const launcher = (rt: string): { file: string; env: Record<string, string> } =>
  rt === "binary" ? { file: "dist/brook", env: {} } : { file: "bin/brook", env: { BROOK_RUNTIME: rt } }

interface Outcome { rc: number; rssKb: number; wall: number; stderr: string }
/** Runs argv under /usr/bin/time (and strace when asked) in its own process group; kills the group on a timeout. */
function measure(rt: string, argv: string[], stdin: string | undefined, trace?: string): Outcome {
  const { file, env } = launcher(rt)
  const timed = ["/usr/bin/time", "-f", "BUDGET_MATRIX %x %e %M", ...(trace ? ["strace", "-f", "-qq", "-y", "-e", "trace=read,pread64,readv,preadv,preadv2", "-o", trace] : []), file, ...argv]
  const script = `setsid "$@" ${stdin ? "<\"$BM_STDIN\"" : "</dev/null"} >/dev/null 2>"$BM_ERR" & pid=$!
( sleep ${TIMEOUT_S} & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s; kill -KILL -- -$pid 2>/dev/null ) & w=$!
wait $pid; rc=$?; kill $w 2>/dev/null; exit $rc`
  const err = path.join(work, "stderr.txt")
  const t0 = performance.now()
  spawnSync("bash", ["-c", script, "bash", ...timed], { env: { ...process.env, ...env, BM_STDIN: stdin ?? "", BM_ERR: err }, stdio: "ignore" })
  const wall = (performance.now() - t0) / 1000
  const text = fs.existsSync(err) ? fs.readFileSync(err, "utf8") : ""
  const m = /BUDGET_MATRIX (\d+) [\d.]+ (\d+)/.exec(text)
  const stderr = text.split("\n").filter((l) => l.length > 0 && !l.startsWith("BUDGET_MATRIX") && !/exited with non-zero/.test(l)).join("\n")
  return m ? { rc: Number(m[1]), rssKb: Number(m[2]), wall, stderr } : { rc: -1, rssKb: 0, wall, stderr: stderr || "killed (timeout?)" }
}

/** Bytes read from `inputs` in an strace log (read syscalls' results on fds that -y shows as those paths). */
function bytesRead(trace: string, inputs: string[]): number {
  const wanted = new Set(inputs.map((f) => fs.realpathSync(f)))
  let total = 0
  for (const line of fs.readFileSync(trace, "utf8").split("\n")) {
    const m = /^\d+\s+p?readv?\d*\(\d+<([^>]+)>.*\)\s+=\s+(\d+)/.exec(line)
    if (m && wanted.has(m[1])) total += Number(m[2])
  }
  return total
}

const parseBudget = (b: string, c: Command): number => b === "default" ? (c.defaultMiB ?? 1024) * MiB : Number(/^(\d+)MB$/.exec(b)![1]) * MiB
function mib(kb: number): string {
  return (kb / 1024).toFixed(0)
}

// Baselines: `--version`, and each command on the tiny inputs at its default budget (the runtime with the
// command's code, workers and WebAssembly loaded, no data to speak of). A cell holds at budget + that.
const baselines = new Map<string, number>()
for (const rt of runtimes) {
  const version = measure(rt, ["--version"], undefined).rssKb
  const parts = [`--version ${mib(version)} MiB`]
  for (const [k, c] of chosen.entries()) {
    const t = tinyCommands[commands.indexOf(c)]
    t.before?.()
    const r = measure(rt, t.argv, t.stdin)
    if (r.rc !== 0) throw new Error(`baseline of ${c.name} on ${rt} failed: ${r.stderr}`)
    baselines.set(`${rt} ${c.name}`, r.rssKb)
    parts.push(`${c.name} ${mib(r.rssKb)}`)
    if (k === chosen.length - 1) console.log(`# baseline ${rt} (MiB): ${parts.join(", ")}`)
  }
}

interface Cell { command: string; rt: string; budget: string; status: string; rss: number; detail: string }
const cells: Cell[] = []
console.log(["command", "runtime", "budget", "status", "peak_MiB", "baseline_MiB", "limit_MiB", "wall_s", "detail"].join("\t"))
for (const c of chosen) {
  for (const rt of runtimes) {
    for (const b of budgets) {
      const argv = b === "default" ? c.argv : [...c.argv, "--memory", b]
      c.before?.()
      const r = measure(rt, argv, c.stdin)
      const base = baselines.get(`${rt} ${c.name}`)!
      const limitKb = parseBudget(b, c) / 1024 + base
      let status: string, detail = ""
      if (r.rc === 0) status = r.rssKb <= limitKb ? "holds" : "OVER"
      else if (/budget/i.test(r.stderr) && r.stderr.trim().split("\n").length <= 2) {
        c.before?.()
        const trace = path.join(work, "strace.txt")
        measure(rt, argv, c.stdin, trace)
        const read = bytesRead(trace, c.inputs)
        const size = c.inputs.reduce((s, f) => s + fs.statSync(f).size, 0)
        status = "refused"
        detail = `exit ${r.rc}, read ${read} of ${size} B: ${r.stderr.trim().split("\n")[0]}`
      } else {
        status = "BROKEN"
        detail = `exit ${r.rc}: ${r.stderr.trim().split("\n").slice(-2).join(" / ")}`
      }
      cells.push({ command: c.name, rt, budget: b, status, rss: r.rssKb, detail })
      console.log([c.name, rt, b, status, mib(r.rssKb), mib(base), mib(limitKb), r.wall.toFixed(1), detail].join("\t"))
    }
  }
}

// The Markdown table: one row per command and runtime, one column per budget: peak MiB and the verdict.
console.log(`\n| command | runtime | ${budgets.map((b) => b === "default" ? "default (1 GiB; unpack 64 MiB)" : b).join(" | ")} |`)
console.log(`|---|---|${budgets.map(() => "---").join("|")}|`)
for (const c of chosen) {
  for (const rt of runtimes) {
    const row = budgets.map((b) => {
      const cell = cells.find((x) => x.command === c.name && x.rt === rt && x.budget === b)!
      return cell.status === "holds" ? mib(cell.rss) : cell.status === "refused" ? "refused" : `**${cell.status} ${mib(cell.rss)}**`
    })
    console.log(`| ${c.name} | ${rt} | ${row.join(" | ")} |`)
  }
}
