/**
 * The run report: stage timings recorded by run(), and the SVG/HTML renderings of a report, parsed as
 * XML and checked for one series per ledger owner, the budget line and the cluster-size histogram.
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "../../mod.ts"
import type { RunReport } from "../../core/run.ts"
import { reportHtml } from "../../report/html.ts"
import { sizeBins } from "../../report/histogram.ts"
import { reportSvg } from "../../report/svg.ts"
import { writeReport } from "../../report/write_report.ts"
import { randomValues, tempDir, writeNpy } from "../helpers.ts"
import { checkSvg, embeddedSvg, histogramBars } from "./checks.ts"
import { parseXml, walk } from "./xml.ts"

const dir = tempDir()
const MiB = 1 << 20

/**
 * A two-stage run: a source holding 4 MiB for 2 s, a sink 8 MiB from 1 s to 3 s, the queue 1 MiB; the process's
 * RSS sampled at 20, 30 and 25 MiB (its peak at 2 s).
 */
const fake = (budget: number): RunReport => ({
  budget,
  peakReserved: 13 * MiB,
  stages: [
    { name: "src", plan: { bytes: 4 * MiB }, peakReserved: 4 * MiB, started: 100, firstOutput: 300, ended: 2000 },
    { name: "sink", plan: { bytes: 8 * MiB }, peakReserved: 8 * MiB, started: 300, ended: 3000 },
  ],
  owners: [{ owner: "queue src→sink", peak: MiB }, { owner: "src", peak: 4 * MiB }, { owner: "sink", peak: 8 * MiB }],
  timeline: [
    { t: 10, owner: "queue src→sink", now: MiB },
    { t: 20, owner: "src", now: 4 * MiB },
    { t: 1000, owner: "sink", now: 8 * MiB },
    { t: 2000, owner: "src", now: 0 },
    { t: 3000, owner: "sink", now: 0 },
    { t: 3000, owner: "queue src→sink", now: 0 },
  ],
  rss: {
    peak: 30 * MiB,
    at: 2000,
    samples: [{ t: 0, rss: 20 * MiB }, { t: 1000, rss: 20 * MiB }, { t: 2000, rss: 30 * MiB }, {
      t: 3000,
      rss: 25 * MiB,
    }],
  },
  seconds: 3,
  info: {},
  planned: 50,
})

test("sizeBins counts sizes in log2 bins from 1 to the largest, empty bins kept", () => {
  expect(sizeBins([1, 1, 1, 2, 3, 5, 8, 9, 100])).toEqual([
    { lo: 1, hi: 1, count: 3 },
    { lo: 2, hi: 3, count: 2 },
    { lo: 4, hi: 7, count: 1 },
    { lo: 8, hi: 15, count: 2 },
    { lo: 16, hi: 31, count: 0 },
    { lo: 32, hi: 63, count: 0 },
    { lo: 64, hi: 127, count: 1 },
  ])
  expect(sizeBins([])).toEqual([])
  expect(() => sizeBins([0])).toThrow(RangeError)
})

for (const budget of [16 * MiB, 1024 * MiB]) {
  test(`SVG of a ${budget / MiB} MiB budget: one series per owner, the budget line, the title's figures`, () => {
    const report = fake(budget)
    const svg = reportSvg(report, { command: "brook cluster 'a<b>&c'.npy" })
    const root = checkSvg(svg, ["queue src→sink", "src", "sink"], budget)
    const texts = [...walk(root)].map((e) => e.text).join("\n")
    expect(texts).toContain("brook cluster 'a<b>&c'.npy")
    expect(svg).toContain("brook cluster &#39;a&lt;b&gt;&amp;c&#39;.npy")
    expect(texts).toContain(`budget ${budget / MiB === 16 ? "16.0 MiB" : "1.00 GiB"}`)
    expect(texts).toContain("peak reserved 13.0 MiB")
    expect(texts).toContain("wall 3.00 s")
    // a broken axis only when the peak is far below the budget
    expect(texts.includes("axis broken below the budget")).toBe(budget > 2 * 13 * MiB)
    // one bar group per stage, and no histogram without cluster sizes
    expect([...walk(root)].filter((e) => "data-stage" in e.attrs).map((e) => e.attrs["data-stage"])).toEqual([
      "src",
      "sink",
    ])
    expect(histogramBars(root)).toEqual([])
  })
}

test("the stacked series: each owner's layer sits on the ones below it, in pipeline order", () => {
  const root = parseXml(reportSvg(fake(16 * MiB)))
  const series = [...walk(root)].filter((e) => "data-owner" in e.attrs)
  expect(series.map((e) => e.attrs["data-owner"])).toEqual(["src", "queue src→sink", "sink"])
  // the vertical steps of each layer's outline; the bottom of the first layer is the zero line
  const levels = series.map((e) => e.attrs.d.match(/V[\d.]+/g)!.map((v) => Number(v.slice(1))))
  const zero = Math.max(...levels[0])
  const heights = levels.map((l) => zero - Math.min(...l))
  // src alone 4 MiB; with the queue's 1 MiB, 5; with the sink's 8 MiB, the peak of 13
  expect(Math.abs(heights[1] / heights[0] - 5 / 4)).toBeLessThan(1e-3)
  expect(Math.abs(heights[2] / heights[0] - 13 / 4)).toBeLessThan(1e-3)
})

test("the sampled RSS: one line on the reserved layers' scale, its peak labelled; the title states both peaks", () => {
  const root = parseXml(reportSvg(fake(16 * MiB)))
  const all = [...walk(root)]
  const line = all.filter((e) => e.attrs.class === "rss")
  expect(line.length).toBe(1)
  expect([line[0].attrs["data-peak"], line[0].attrs["data-at"]]).toEqual([String(30 * MiB), "2000"])
  // on the same axis as the stack: the line's top is 30/13 of the stack's top above the zero line
  const stack = all.filter((e) => "data-owner" in e.attrs).map((e) =>
    e.attrs.d.match(/V[\d.]+/g)!.map((v) => Number(v.slice(1)))
  )
  const zero = Math.max(...stack[0])
  const stackTop = Math.min(...stack.flat())
  const rssYs = line[0].attrs.d.match(/[ML][\d.]+ [\d.]+/g)!.map((p) => Number(p.split(" ")[1]))
  expect(rssYs.length).toBe(4)
  expect(Math.abs((zero - Math.min(...rssYs)) / (zero - stackTop) - 30 / 13)).toBeLessThan(1e-3)
  const texts = all.map((e) => e.text).join("\n")
  expect(texts).toContain("sampled RSS · peak 30.0 MiB at 2.0 s")
  expect(texts).toContain("peak reserved 13.0 MiB (81% of it) · sampled RSS peak 30.0 MiB at 2.0 s")
})

test("the histogram holds the right counts for known sizes", () => {
  const sizes = new Uint32Array([1, 1, 1, 2, 3, 5, 8, 9, 100])
  const root = checkSvg(reportSvg(fake(64 * MiB), { clusterSizes: sizes }), ["queue src→sink", "src", "sink"], 64 * MiB)
  expect(histogramBars(root)).toEqual([[1, 1, 3], [2, 3, 2], [4, 7, 1], [8, 15, 2], [16, 31, 0], [32, 63, 0], [
    64,
    127,
    1,
  ]])
  const texts = [...walk(root)].map((e) => e.text).join("\n")
  expect(texts).toContain("Cluster sizes: 9 clusters, largest 100, median 3, 3 of one node")
})

test("HTML embeds the same SVG and a table of the stages", () => {
  const report = fake(64 * MiB)
  const html = reportHtml(report, { command: "brook leiden e.tsv", clusterSizes: [4, 4, 1] })
  expect(html.startsWith("<!doctype html>")).toBe(true)
  expect(embeddedSvg(html)).toBe(reportSvg(report, { command: "brook leiden e.tsv", clusterSizes: [4, 4, 1] }).trim())
  expect(html).toContain("<title>brook leiden e.tsv</title>")
  expect(html).toMatch(
    /<tr><td>src<\/td><td>4\.0 MiB<\/td><td>4\.0 MiB<\/td><td>0\.100<\/td><td>0\.300<\/td><td>2\.000<\/td>/,
  )
})

test("writeReport writes .svg or .html whole under its name, and refuses other names", () => {
  const report = fake(64 * MiB)
  writeReport(path.join(dir, "r.svg"), report)
  writeReport(path.join(dir, "r.html"), report)
  checkSvg(fs.readFileSync(path.join(dir, "r.svg"), "utf8"), ["queue src→sink", "src", "sink"], 64 * MiB)
  checkSvg(embeddedSvg(fs.readFileSync(path.join(dir, "r.html"), "utf8")), ["queue src→sink", "src", "sink"], 64 * MiB)
  expect(() => writeReport(path.join(dir, "r.png"), report)).toThrow(/\.svg or \.html/)
  expect(fs.readdirSync(dir).sort()).toEqual(["r.html", "r.svg"])
})

test("run() times every stage: started <= first output <= ended, in pipeline order", async () => {
  const file = path.join(dir, "e.npy")
  writeNpy(file, 300, 8, randomValues(2400, 7))
  const report = await run(
    pipe(
      readEmbeddings(file, { batchRows: 50 }),
      tiledCosine({ threshold: 0.3, threads: 1 }),
      thresholdEdges(),
      writeEdges(path.join(dir, "e.tsv")),
    ),
    { memory: "64MB" },
  )
  const [src, tc, th, sink] = report.stages
  for (const s of [src, tc, th]) {
    expect(s.started).toBeLessThanOrEqual(s.firstOutput!)
    expect(s.firstOutput).toBeLessThanOrEqual(s.ended!)
  }
  // a stage's first input is its upstream's first output; the sink ends last, when the run's data is written
  expect(tc.started).toBe(src.firstOutput!)
  expect(th.started).toBe(tc.firstOutput!)
  expect(sink.started).toBe(th.firstOutput!)
  expect(sink.firstOutput).toBeUndefined()
  expect(sink.ended).toBeGreaterThanOrEqual(th.ended!)
  expect(report.planned).toBeLessThanOrEqual(src.started!)
  // the report of a real run renders with one series per owner the ledger saw: 4 stages, 3 queues and
  // the runtime's reserve
  checkSvg(reportSvg(report), report.owners.map((o) => o.owner), report.budget)
  expect(report.owners.length).toBe(8)
  expect(report.owners.map((o) => o.owner)).toContain("runtime")
  // RSS sampled from planning to the end on the ledger's clock: at least the first and the last sample
  const { samples, peak, at } = report.rss
  expect(samples.length).toBeGreaterThanOrEqual(2)
  expect(peak).toBe(Math.max(...samples.map((s) => s.rss)))
  expect(samples.find((s) => s.rss === peak)!.t).toBe(at)
  expect(samples.every((s, k) => k === 0 || s.t >= samples[k - 1].t)).toBe(true)
  expect(samples[samples.length - 1].t).toBeGreaterThanOrEqual(sink.ended!)
  fs.rmSync(path.join(dir, "e.npy"))
  fs.rmSync(path.join(dir, "e.tsv"))
})

test("an empty run renders: no clusters, stages that passed no data, a timeline of nothing", () => {
  const report: RunReport = {
    ...fake(MiB),
    peakReserved: 0,
    stages: [{ name: "src", plan: { bytes: 0 }, peakReserved: 0 }, {
      name: "sink",
      plan: { bytes: 0 },
      peakReserved: 0,
    }],
    owners: [],
    timeline: [],
    seconds: 0,
  }
  const root = checkSvg(reportSvg(report, { clusterSizes: [] }), [], MiB)
  expect(histogramBars(root)).toEqual([])
  expect([...walk(root)].filter((e) => e.text === "no data passed").length).toBe(2)
})
