/**
 * The run report as one standalone SVG (no scripts, no external resources): a title with the command,
 * budget, peak reserved and wall time; memory reserved per ledger owner over time against the budget;
 * stage timings; and, when cluster sizes are given, their histogram.
 */
import type { RunReport } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { histogramChart } from "./histogram.ts"
import { memoryChart } from "./memory_chart.ts"
import { ownerStyles } from "./owners.ts"
import { stageChart } from "./stage_chart.ts"
import { esc, FONT, type Frame, grouped, textWidth } from "./svg_util.ts"

export interface ReportOptions {
  /** The command line that ran, for the title (default "brook run"). */
  readonly command?: string
  /** Cluster sizes (ClusterSummary.sizes) for the histogram panel. */
  readonly clusterSizes?: ArrayLike<number>
}

const WIDTH = 960
const FRAME: Frame = { left: 140, width: WIDTH - 140 - 30, total: WIDTH }
const GAP = 34

/** The headline numbers of a run, as the title's second line and the HTML page's summary show them. */
export function reportSummary(report: RunReport, options: ReportOptions = {}): string {
  const pct = report.budget > 0 ? ` (${((100 * report.peakReserved) / report.budget).toFixed(0)}% of it)` : ""
  const clusters = options.clusterSizes ? ` · ${grouped(options.clusterSizes.length)} clusters` : ""
  const rss = ` · sampled RSS peak ${formatBytes(report.rss.peak)} at ${(report.rss.at / 1000).toFixed(1)} s`
  return `budget ${formatBytes(report.budget)} · peak reserved ${formatBytes(report.peakReserved)}${pct}${rss} · wall ${
    report.seconds.toFixed(2)
  } s${clusters} · brook ${report.version}`
}

export function reportSvg(report: RunReport, options: ReportOptions = {}): string {
  const command = options.command ?? "brook run"
  const owners = ownerStyles(report)
  const body: string[] = []
  const titleLines = wrap(command, 15, WIDTH - 40, 2)
  let y = 30
  for (const line of titleLines) {
    body.push(`<text x="20" y="${y}" font-size="15" font-weight="700">${esc(line)}</text>`)
    y += 20
  }
  body.push(`<text x="20" y="${y}" font-size="12" fill="#444">${esc(reportSummary(report, options))}</text>`)
  y += GAP - 4
  const memory = memoryChart(report, owners, FRAME, y)
  body.push(`<g class="memory">`, memory.svg, `</g>`)
  y += memory.height + GAP
  const stages = stageChart(report, owners, FRAME, y)
  body.push(`<g class="stages">`, stages.svg, `</g>`)
  y += stages.height
  if (options.clusterSizes) {
    y += GAP
    const hist = histogramChart(options.clusterSizes, FRAME, y)
    body.push(`<g class="histogram">`, hist.svg, `</g>`)
    y += hist.height
  }
  const height = Math.ceil(y + 16)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="${esc(FONT)}" fill="#222" role="img">`,
    `<title>${esc(`${command}: ${reportSummary(report, options)}`)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n")
}

/** Splits `text` at spaces into at most `max` lines of `width` px; the last one ends in "…" when cut. */
function wrap(text: string, size: number, width: number, max: number): string[] {
  const lines: string[] = []
  let line = ""
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word
    if (line && textWidth(next, size) > width) {
      lines.push(line)
      line = word
    } else line = next
  }
  lines.push(line)
  if (lines.length > max) lines.length = max, lines[max - 1] += " …"
  return lines.map((l) => {
    if (textWidth(l, size) <= width) return l
    const keep = Math.floor(width / (size * 0.6)) - 1
    return l.slice(0, keep) + "…"
  })
}
