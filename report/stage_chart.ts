/**
 * The stage panel: one bar per stage on the run's time axis, from its first input to the end of its
 * output, lighter until its first output (working, nothing passed on yet), solid while output flows.
 */
import type { RunReport } from "../core/run.ts"
import type { OwnerStyle } from "./owners.ts"
import { planningWidth, runEndMs, timeAxis } from "./memory_chart.ts"
import { esc, type Frame, num, textWidth } from "./svg_util.ts"

const ROW = 24
const BAR = 14

export function stageChart(
  report: RunReport,
  owners: readonly OwnerStyle[],
  frame: Frame,
  top: number,
): { svg: string; height: number } {
  const { left, width } = frame
  const tEnd = runEndMs(report)
  const x = (ms: number) => left + (ms / tEnd) * width
  const color = new Map(owners.map((o) => [o.owner, o.color]))
  const plotTop = top + 24
  const plotHeight = report.stages.length * ROW + 6
  const out: string[] = [
    `<text x="${left}" y="${top + 12}" font-size="13" font-weight="600">Stage timings</text>`,
    ...timeAxis(report, frame, plotTop, plotHeight),
  ]
  report.stages.forEach((s, k) => {
    const cy = plotTop + 6 + k * ROW + ROW / 2 - 3
    const fill = color.get(s.name) ?? "#888"
    out.push(`<g data-stage="${esc(s.name)}">`)
    out.push(`<text x="${left - 8}" y="${cy}" dy="0.32em" text-anchor="end" font-size="11">${esc(s.name)}</text>`)
    if (s.started === undefined || s.ended === undefined) {
      out.push(`<text x="${left + 4}" y="${cy}" dy="0.32em" font-size="11" fill="#777">no data passed</text></g>`)
      return
    }
    const x0 = x(s.started), x2 = x(s.ended)
    const x1 = s.firstOutput === undefined ? (k === report.stages.length - 1 ? x0 : x2) : x(s.firstOutput)
    const yb = num(cy - BAR / 2)
    if (x1 > x0) {
      out.push(
        `<rect x="${num(x0)}" y="${yb}" width="${num(Math.max(x1 - x0, 0.5))}" height="${BAR}" fill="${fill}" ` +
          `fill-opacity="0.3" stroke="${fill}" stroke-width="0.8"/>`,
      )
    }
    if (x2 > x1 || x1 === x0) {
      out.push(
        `<rect x="${num(x1)}" y="${yb}" width="${num(Math.max(x2 - x1, 1))}" height="${BAR}" fill="${fill}" ` +
          `fill-opacity="0.85"/>`,
      )
    }
    const label = `${num((s.ended - s.started) / 1000, 2)} s`
    const w = textWidth(label, 11)
    const [lx, anchor, ink] = x2 + 6 + w <= left + width
      ? [x2 + 6, "start", "#222"]
      : x0 - 6 - w >= left
      ? [x0 - 6, "end", "#222"]
      : [x2 - 6, "end", "#fff"]
    out.push(
      `<text x="${num(lx)}" y="${cy}" dy="0.32em" text-anchor="${anchor}" font-size="11" fill="${ink}">${label}</text>`,
    )
    out.push(`</g>`)
  })
  out.push(`<rect x="${left}" y="${plotTop}" width="${width}" height="${plotHeight}" fill="none" stroke="#999"/>`)
  // the key: what the shades mean
  const ky = plotTop + plotHeight + 48
  const key = [
    { fill: "#666", opacity: 0.3, label: "first input → first output" },
    { fill: "#666", opacity: 0.85, label: "output flowing until closed" },
    ...(planningWidth(report, frame) > 0
      ? [{ fill: "#eee", opacity: 1, label: "planning: opening inputs, awaiting upstream" }]
      : []),
  ]
  let kx = left
  for (const k of key) {
    out.push(
      `<rect x="${num(kx)}" y="${ky - 9}" width="12" height="12" fill="${k.fill}" fill-opacity="${k.opacity}" ` +
        `stroke="#999" stroke-width="0.5"/>`,
      `<text x="${num(kx + 18)}" y="${ky + 1}" font-size="11">${esc(k.label)}</text>`,
    )
    kx += 18 + textWidth(k.label, 11) + 24
  }
  return { svg: out.join("\n"), height: ky + 14 - top }
}
