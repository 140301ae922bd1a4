/** `--report` as users run it: `brook cluster ... --report r.svg` writes a report that passes the renderer's checks. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { sizeBins } from "../../report/histogram.ts"
import { lines, randomValues, SLOW_TEST, spawnSyncGroup, tempDir, writeNpy } from "../helpers.ts"
import { checkSvg, embeddedSvg, histogramBars } from "../report/checks.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const dir = tempDir()
const brook = (...args: string[]) =>
  spawnSyncGroup(path.join(root, "bin", "brook"), [...args])

/** 400 rows around 20 random centres, so the graph has clusters of several sizes. */
function clustered(file: string) {
  const centres = randomValues(20 * 16, 3), noise = randomValues(400 * 16, 5)
  const v = new Float32Array(400 * 16)
  for (let r = 0; r < 400; r++) {
    for (let d = 0; d < 16; d++) v[r * 16 + d] = centres[((r * 7) % 20) * 16 + d] + 0.15 * noise[r * 16 + d]
  }
  writeNpy(file, 400, 16, v)
}

const STAGES = ["readEmbeddings", "tiledCosine", "thresholdEdges", "leidenRecursive", "writeClusters"]
const OWNERS = [...STAGES, ...STAGES.slice(0, -1).map((s, k) => `queue ${s}→${STAGES[k + 1]}`), "runtime"]

test("brook cluster --report: one series per stage and queue, the budget, the output's cluster sizes", () => {
  const emb = path.join(dir, "emb.npy")
  clustered(emb)
  const out = path.join(dir, "clusters.tsv"), svg = path.join(dir, "r.svg"), html = path.join(dir, "r.html")
  const args = ["cluster", emb, "--threshold", "0.8", "--max-size", "30", "--memory", "64MB", "--out", out]
  const r = brook(...args, "--report", svg)
  expect(r.stderr).toContain(`report (memory, timings, sizes) ${svg}`)
  expect(r.status).toBe(0)
  const doc = checkSvg(fs.readFileSync(svg, "utf8"), OWNERS, 64 * 2 ** 20)
  // the histogram counts the clusters the output holds: nodes per leaf path
  const perPath = new Map<string, number>()
  for (const line of lines(out)) {
    const p = line.split("\t")[3]
    perPath.set(p, (perPath.get(p) ?? 0) + 1)
  }
  expect(perPath.size).toBeGreaterThan(5)
  expect(histogramBars(doc)).toEqual(sizeBins([...perPath.values()]).map((b) => [b.lo, b.hi, b.count]))
  // the same as a page
  expect(brook(...args, "--report", html, "--quiet").status).toBe(0)
  checkSvg(embeddedSvg(fs.readFileSync(html, "utf8")), OWNERS, 64 * 2 ** 20)
}, SLOW_TEST)

test("a pipe stage writes its own report; a report name that is not .svg or .html is a usage error", () => {
  const emb = path.join(dir, "small.npy")
  writeNpy(emb, 10, 4, randomValues(40, 9))
  const svg = path.join(dir, "stage.svg")
  const r = brook("read-embeddings", emb, "--report", svg)
  expect(r.status).toBe(0)
  checkSvg(
    fs.readFileSync(svg, "utf8"),
    ["readEmbeddings", "writeArrow", "queue readEmbeddings→writeArrow", "runtime"],
    1 << 30,
  )
  const bad = brook("cluster", emb, "--threshold", "0.5", "--out", path.join(dir, "x.tsv"), "--report", "r.png")
  expect(bad.status).toBe(2)
  expect(bad.stderr.trim()).toBe("brook cluster: --report: 'r.png' must end in .svg or .html")
  expect(fs.existsSync(path.join(dir, "x.tsv"))).toBe(false)
}, SLOW_TEST)
