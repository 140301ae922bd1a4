/**
 * The sampled resident set size over the memory panel: a dark line (one <path class="rss">) on the same
 * axes as the reserved layers, and its peak marked and labelled, so a reader sees what the process really
 * held (runtime baseline, heaps, workers, garbage) beside what the stages reserved.
 */
import type { RunReport } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { esc, num } from "./svg_util.ts"

const COLOR = "#222"

/** The line and its peak's label, for x (ms) and y (bytes) of the panel; "" when nothing was sampled. */
export function rssLine(report: RunReport, x: (ms: number) => number, y: (bytes: number) => number): string {
  const { samples, peak, at } = report.rss
  if (samples.length === 0) return ""
  let d = ""
  for (const s of samples) d += `${d ? "L" : "M"}${num(x(s.t))} ${num(y(s.rss))}`
  const label = `sampled RSS · peak ${formatBytes(peak)} at ${(at / 1000).toFixed(1)} s`
  const px = x(at), py = y(peak)
  return [
    `<path class="rss" data-peak="${peak}" data-at="${num(at)}" d="${d}" fill="none" stroke="${COLOR}" ` +
    `stroke-width="1.5"><title>${esc(label)}</title></path>`,
    `<circle cx="${num(px)}" cy="${num(py)}" r="3" fill="${COLOR}"/>`,
    `<text x="${num(px + 6)}" y="${num(py - 6)}" font-size="11" fill="${COLOR}">${esc(label)}</text>`,
  ].join("\n")
}
