/**
 * The memory panel: bytes reserved per ledger owner over time as stacked step areas (one <path
 * data-owner> per owner), the process's sampled RSS as a line over them, the budget as a dashed line, axes
 * in seconds and MiB, and a legend.
 */
import type { RunReport } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import type { OwnerStyle } from "./owners.ts"
import { rssLine } from "./rss_line.ts"
import { esc, type Frame, MiB, num, textWidth, ticks } from "./svg_util.ts"

const PLOT_HEIGHT = 260
/** Pixels above a broken axis that hold the budget line. */
const BREAK = 30

/** The usual mark of a broken axis: a gap with two slanted strokes. */
const axisBreak = (x: number, y: number) =>
  `<rect x="${x - 7}" y="${y - 3}" width="14" height="6" fill="#fff"/>` +
  `<path d="M${x - 7} ${y + 1}l14 -6M${x - 7} ${y + 5}l14 -6" stroke="#999"/>`

/** The time axis every panel shares: 0 .. the last thing the run recorded, in ms. */
export function runEndMs(report: RunReport): number {
  let end = report.seconds * 1000
  for (const e of report.timeline) end = Math.max(end, e.t)
  for (const s of report.stages) end = Math.max(end, s.ended ?? 0)
  return end || 1
}

/** Draws the panel with its top at `top`; returns the SVG and the height used. */
export function memoryChart(
  report: RunReport,
  owners: readonly OwnerStyle[],
  frame: Frame,
  top: number,
): { svg: string; height: number } {
  const { left, width } = frame
  const tEnd = runEndMs(report)
  // when the run reserved under 45% of its budget, the axis is broken below the budget line so the
  // owners' layers stay readable instead of a thin strip at the bottom
  const highest = Math.max(report.peakReserved, report.rss.peak)
  const broken = highest > 0 && highest < 0.45 * report.budget
  const yTicks = ticks((broken ? highest * 1.1 : Math.max(report.budget, highest)) / MiB, 6)
  const yTop = yTicks[yTicks.length - 1]
  const plotTop = top + 24
  const scaleTop = plotTop + (broken ? BREAK : 0)
  const scaleHeight = PLOT_HEIGHT - (broken ? BREAK : 0)
  const x = (ms: number) => left + (ms / tEnd) * width
  const y = (bytes: number) =>
    broken && bytes === report.budget ? plotTop + 10 : scaleTop + scaleHeight - (bytes / MiB / yTop) * scaleHeight
  const out: string[] = []
  out.push(
    `<text x="${left}" y="${top + 12}" font-size="13" font-weight="600">Memory reserved per owner (stacked) and sampled RSS${
      broken ? " (axis broken below the budget)" : ""
    }</text>`,
  )
  // grid and y axis
  for (const v of yTicks) {
    const yy = num(y(v * MiB))
    out.push(`<line x1="${left}" x2="${left + width}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${left - 6}" y="${yy}" dy="0.32em" text-anchor="end" font-size="11">${num(v, 3)}</text>`)
  }
  if (broken) {
    out.push(
      `<text x="${left - 6}" y="${num(y(report.budget))}" dy="0.32em" text-anchor="end" font-size="11" ` +
        `fill="#c0392b">${num(report.budget / MiB, 1)}</text>`,
    )
  }
  const mid = scaleTop + scaleHeight / 2
  out.push(
    `<text transform="translate(${
      left - 52
    } ${mid}) rotate(-90)" text-anchor="middle" font-size="11">MiB</text>`,
  )
  out.push(...timeAxis(report, frame, plotTop, PLOT_HEIGHT))
  // the stacked areas
  const index = new Map(owners.map((o, k) => [o.owner, k]))
  for (const [k, path] of stackedPaths(report, owners.length, index, x, y, tEnd).entries()) {
    const o = owners[k]
    out.push(
      `<path data-owner="${esc(o.owner)}" d="${path}" fill="${o.color}" fill-opacity="${o.queue ? 0.35 : 0.85}" ` +
        `stroke="${o.color}" stroke-width="0.8"><title>${
          esc(`${o.owner}: peak ${formatBytes(o.peak)}`)
        }</title></path>`,
    )
  }
  out.push(rssLine(report, x, y))
  // the budget
  const yb = num(y(report.budget))
  out.push(
    `<line class="budget" data-budget="${report.budget}" x1="${left}" x2="${left + width}" y1="${yb}" y2="${yb}" ` +
      `stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  )
  out.push(
    `<text x="${left + width - 12}" y="${num(y(report.budget) - 5)}" text-anchor="end" font-size="11" fill="#c0392b">` +
      `budget ${esc(formatBytes(report.budget))}</text>`,
  )
  out.push(`<rect x="${left}" y="${plotTop}" width="${width}" height="${PLOT_HEIGHT}" fill="none" stroke="#999"/>`)
  if (broken) out.push(axisBreak(left, plotTop + BREAK / 2 + 6), axisBreak(left + width, plotTop + BREAK / 2 + 6))
  const legendTop = plotTop + PLOT_HEIGHT + 54
  const legend = legendRows(owners, frame, legendTop)
  out.push(legend.svg)
  return { svg: out.join("\n"), height: legendTop + legend.height - top }
}

/** Pixels of the planning phase on the time axis; 0 when it would be too thin to see. */
export function planningWidth(report: RunReport, frame: Frame): number {
  const w = ((report.planned ?? 0) / runEndMs(report)) * frame.width
  return w >= 2 ? w : 0
}

/**
 * Tick marks, labels and the axis title under a plot of the run's time span, over a grey band for the
 * planning phase when it is wide enough to see.
 */
export function timeAxis(report: RunReport, frame: Frame, plotTop: number, plotHeight: number): string[] {
  const { left, width } = frame
  const tEnd = runEndMs(report)
  const out: string[] = []
  const plan = planningWidth(report, frame)
  if (plan > 0) {
    out.push(
      `<rect class="planning" x="${left}" y="${plotTop}" width="${num(plan)}" height="${plotHeight}" fill="#eee"/>`,
    )
    if (plan > textWidth("planning", 10) + 8) {
      out.push(`<text x="${left + 4}" y="${plotTop + plotHeight - 6}" font-size="10" fill="#777">planning</text>`)
    }
  }
  const bottom = plotTop + plotHeight
  for (const v of ticks(tEnd / 1000, 8)) {
    if (v * 1000 > tEnd * 1.0001) break
    const xx = num(left + ((v * 1000) / tEnd) * width)
    out.push(`<line x1="${xx}" x2="${xx}" y1="${plotTop}" y2="${bottom}" stroke="#f0f0f0"/>`)
    out.push(`<line x1="${xx}" x2="${xx}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`)
    out.push(`<text x="${xx}" y="${bottom + 16}" text-anchor="middle" font-size="11">${num(v, 4)}</text>`)
  }
  out.push(`<text x="${left + width / 2}" y="${bottom + 31}" text-anchor="middle" font-size="11">time (s)</text>`)
  return out
}

/**
 * One closed step path per owner, stacked in `owners` order. Events closer than half a pixel share a
 * column holding each owner's largest value there, so a long run stays a small file and no peak is lost.
 */
function stackedPaths(
  report: RunReport,
  n: number,
  index: Map<string, number>,
  x: (ms: number) => number,
  y: (bytes: number) => number,
  tEnd: number,
): string[] {
  const cols: Array<{ x: number; v: Float64Array }> = [{ x: x(0), v: new Float64Array(n) }]
  const now = new Float64Array(n)
  for (const e of report.timeline) {
    const k = index.get(e.owner)
    if (k === undefined) continue
    now[k] = e.now
    const xx = x(e.t)
    const last = cols[cols.length - 1]
    if (xx - last.x < 0.5) { for (let j = 0; j < n; j++) last.v[j] = Math.max(last.v[j], now[j]) }
    else cols.push({ x: xx, v: Float64Array.from(now) })
  }
  const xEnd = num(x(tEnd))
  const below = new Float64Array(cols.length)
  const paths: string[] = []
  for (let k = 0; k < n; k++) {
    const topYs = cols.map((c, i) => num(y(below[i] + c.v[k])))
    const botYs = cols.map((_, i) => num(y(below[i])))
    let d = `M${num(cols[0].x)} ${topYs[0]}`
    for (let i = 1; i < cols.length; i++) d += `H${num(cols[i].x)}V${topYs[i]}`
    d += `H${xEnd}`
    for (let i = cols.length - 1; i >= 0; i--) d += `V${botYs[i]}H${num(cols[i].x)}`
    paths.push(d + "Z")
    cols.forEach((c, i) => (below[i] += c.v[k]))
  }
  return paths
}

/** Legend entries (swatch, owner, peak) in equal columns, row by row in pipeline order. */
function legendRows(owners: readonly OwnerStyle[], frame: Frame, top: number): { svg: string; height: number } {
  const labels = owners.map((o) => `${o.owner} · peak ${formatBytes(o.peak)}`)
  const column = 18 + Math.max(...labels.map((l) => textWidth(l, 11))) + 24
  const columns = Math.max(1, Math.floor(frame.width / column))
  const out: string[] = []
  owners.forEach((o, k) => {
    const cx = frame.left + (k % columns) * column, cy = top + Math.floor(k / columns) * 18
    out.push(
      `<rect data-legend="${esc(o.owner)}" x="${num(cx)}" y="${cy - 9}" width="12" height="12" fill="${o.color}" ` +
        `fill-opacity="${o.queue ? 0.35 : 0.85}" stroke="${o.color}"/>`,
    )
    out.push(`<text x="${num(cx + 18)}" y="${cy + 1}" font-size="11">${esc(labels[k])}</text>`)
  })
  return { svg: out.join("\n"), height: Math.ceil(owners.length / columns) * 18 - 4 }
}
