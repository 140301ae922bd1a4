/** The terminal progress line, on a fake clock: at most 10 redraws a second, done/total, items, bytes, ETA. */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { duration, logProgress, terminalProgress } from "../../core/progress.ts"
import { randomValues, SLOW_TEST, spawnSyncGroup, tempDir, writeNpy } from "../helpers.ts"

const fake = (columns?: number) => {
  let t = 1000
  const lines: string[] = []
  const p = terminalProgress((s) => lines.push(s), { now: () => t, columns: () => columns })
  return { p, lines, at: (ms: number) => (t = ms) }
}

test("redraws at most every 100 ms: updates in between only change what the next draw shows", () => {
  const { p, lines, at } = fake()
  p.update("tiledCosine", { done: 0, total: 100, unit: "tiles" })
  at(1050)
  p.update("tiledCosine", { done: 5, total: 100, unit: "tiles" })
  at(1099)
  p.update("tiledCosine", { done: 9, total: 100, unit: "tiles" })
  expect(lines.length).toBe(1)
  at(1100)
  p.update("tiledCosine", { done: 10, total: 100, unit: "tiles" })
  expect(lines).toEqual(["\r\x1b[2KtiledCosine: 0/100 tiles 0.0%", "\r\x1b[2KtiledCosine: 10/100 tiles 10.0% eta 1s"])
  p.finish()
  expect(lines[2]).toBe("\r\x1b[2K")
})

test("ETA from the rate so far; items, bytes and several stages on one line", () => {
  const { p, lines, at } = fake()
  p.update("readEmbeddings", { done: 0, total: 4000, unit: "rows", bytes: 0 })
  at(3000)
  p.update("tiledCosine", { done: 0, total: 200, unit: "tiles", items: { count: 0, unit: "pairs" } })
  at(11000)
  p.update("readEmbeddings", { done: 1000, total: 4000, unit: "rows", bytes: 1536 * 1024 })
  p.update("tiledCosine", { done: 20, total: 200, unit: "tiles", items: { count: 12345, unit: "pairs" } })
  at(11200) // drawn now: readEmbeddings 10.2 s for 1000 rows -> 30.6 s left; tiledCosine 8.2 s for 20 tiles -> 73.8 s
  p.update("tiledCosine", { done: 20, total: 200, unit: "tiles", items: { count: 12345, unit: "pairs" } })
  expect(lines[lines.length - 1]).toBe(
    "\r\x1b[2KreadEmbeddings: 1000/4000 rows 25.0% 1.5 MiB eta 31s | tiledCosine: 20/200 tiles 10.0% 12345 pairs eta 1m14s",
  )
})

test("a new unit starts a new phase with its own ETA; no ETA without a total or once done", () => {
  const { p, lines, at } = fake()
  p.update("leidenRecursive", { done: 0, unit: "edges" })
  at(61000)
  p.update("leidenRecursive", { done: 5000, unit: "edges" })
  expect(lines[1]).toBe("\r\x1b[2KleidenRecursive: 5000 edges")
  p.update("leidenRecursive", { done: 1, total: 10, unit: "clusters split" }) // throttled, but starts the clock
  at(63000)
  p.update("leidenRecursive", { done: 2, total: 10, unit: "clusters split" })
  expect(lines[2]).toBe("\r\x1b[2KleidenRecursive: 2/10 clusters split 20.0% eta 8s")
  at(64000)
  p.update("leidenRecursive", { done: 10, total: 10, unit: "clusters split" })
  expect(lines[3]).toBe("\r\x1b[2KleidenRecursive: 10/10 clusters split 100.0%")
})

test("a line wider than the terminal is cut, so it redraws in place", () => {
  const { p, lines } = fake(20)
  p.update("readEmbeddings", { done: 10, total: 4000, unit: "rows" })
  expect(lines[0]).toBe("\r\x1b[2KreadEmbeddings: 10…") // 19 characters in 20 columns
})

test("durations read as s, m and h", () => {
  expect([duration(0.4), duration(59.4), duration(61), duration(3599), duration(7260)]).toEqual([
    "0s",
    "59s",
    "1m01s",
    "59m59s",
    "2h01m",
  ])
})

// `script` gives the command a terminal; it is in util-linux, on every Debian
const hasScript = spawnSync("script", ["--version"]).status === 0
test("the CLI draws progress only when stderr is a terminal, and not with --quiet", () => {
  if (!hasScript) return console.warn("skipped: no `script` command to give brook a terminal")
  const dir = tempDir()
  const emb = path.join(dir, "e.npy")
  writeNpy(emb, 400, 8, randomValues(3200, 2))
  const brook = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "bin", "brook")
  const args = `${brook} edges ${emb} --threshold 0.5 --out ${path.join(dir, "e.tsv")}`
  const tty = (extra: string) => spawnSyncGroup("script", ["-qec", `${args} ${extra}`, "/dev/null"])
  const drawn = tty("")
  expect(drawn.status).toBe(0)
  expect(drawn.stdout).toMatch(/\r\x1b\[2KreadEmbeddings: \d+\/400 rows/)
  expect(tty("--quiet").stdout).not.toContain("\x1b[2K")
  const piped = spawnSyncGroup("sh", ["-c", args])
  expect(piped.status).toBe(0)
  expect(piped.stderr).not.toContain("\x1b[2K")
  expect(piped.stderr).toContain("brook edges:")
}, SLOW_TEST)

test("the running stage comes first, so a line cut to the terminal's width shows it", () => {
  const { p, lines, at } = fake(43)
  p.update("readEmbeddings", { done: 4000, total: 4000, unit: "rows" })
  at(1200)
  p.update("tiledCosine", { done: 3, total: 72, unit: "tiles" })
  expect(lines[1]).toBe("\r\x1b[2KtiledCosine: 3/72 tiles 4.2% eta 0s | rea…")
})

test("logProgress: a plain line (no escapes) every interval while the run lasts, the time since it began", () => {
  let t = 0
  let tick: (() => void) | undefined
  let stopped = false
  const lines: string[] = []
  const p = logProgress((s) => lines.push(s), {
    intervalMs: 10_000,
    prefix: "brook edges: ",
    now: () => t,
    every: (f, ms) => {
      expect(ms).toBe(10_000)
      tick = f
      return () => (stopped = true)
    },
  })
  expect(tick).toBeUndefined() // nothing until a stage reports
  p.update("readEmbeddings", { done: 0, total: 4000, unit: "rows" })
  t = 10_000
  p.update("readEmbeddings", { done: 4000, total: 4000, unit: "rows" })
  p.update("tiledCosine", { done: 36, total: 72, unit: "tiles", items: { count: 99, unit: "pairs" } })
  tick!()
  t = 20_000
  p.update("tiledCosine", { done: 54, total: 72, unit: "tiles", items: { count: 150, unit: "pairs" } })
  tick!()
  p.finish()
  expect(stopped).toBe(true)
  expect(lines).toEqual([
    "brook edges: 10s: tiledCosine: 36/72 tiles 50.0% 99 pairs eta 0s | readEmbeddings: 4000/4000 rows 100.0%\n",
    "brook edges: 20s: tiledCosine: 54/72 tiles 75.0% 150 pairs eta 3s | readEmbeddings: 4000/4000 rows 100.0%\n",
  ])
})

test("without a terminal the CLI writes plain progress lines every --progress-interval; -q (even grouped) none", () => {
  const dir = tempDir()
  const emb = path.join(dir, "e.npy")
  writeNpy(emb, 4000, 32, randomValues(4000 * 32, 5))
  const brook = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "bin", "brook")
  for (const runtime of ["bun", "deno"]) {
    const env = { ...process.env, BROOK_RUNTIME: runtime }
    const out = path.join(dir, `c-${runtime}.tsv`)
    const r = spawnSyncGroup(brook, ["cluster", emb, "-t", "0.4", "-o", out, "--progress-interval", "0.05", "-j", "1"], {
      encoding: "utf8",
      env,
    })
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/^brook cluster: \d+s: [a-zA-Z]+: \d+/m)
    expect(r.stderr).not.toContain("\x1b")
    const quiet = spawnSyncGroup(brook, ["cluster", emb, "-qt", "0.4", "-o", out, "--progress-interval", "0.05"], {
      encoding: "utf8",
      env,
    })
    expect([quiet.status, quiet.stderr]).toEqual([0, ""])
    const bad = spawnSyncGroup(brook, ["edges", emb, "-t", "0.4", "-o", "-", "--progress-interval", "0"], { env })
    expect([bad.status, bad.stderr]).toEqual([2, "brook edges: --progress-interval must be > 0 seconds\n"])
  }
}, SLOW_TEST)
