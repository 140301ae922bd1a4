/** The run report as a standalone HTML page: the same SVG inline, then a table of stages and owners. */
import type { RunReport } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { ownerStyles } from "./owners.ts"
import { type ReportOptions, reportSummary, reportSvg } from "./svg.ts"
import { esc } from "./svg_util.ts"

const seconds = (ms: number | undefined) => (ms === undefined ? "" : (ms / 1000).toFixed(3))

export function reportHtml(report: RunReport, options: ReportOptions = {}): string {
  const command = options.command ?? "brook run"
  const stageRows = report.stages.map((s) =>
    `<tr><td>${esc(s.name)}</td><td>${esc(formatBytes(s.plan.bytes))}</td><td>${
      esc(formatBytes(s.peakReserved))
    }</td>` +
    `<td>${seconds(s.started)}</td><td>${seconds(s.firstOutput)}</td><td>${seconds(s.ended)}</td>` +
    `<td>${esc(s.plan.notes ?? "")}</td></tr>`
  )
  const ownerRows = ownerStyles(report).map((o) =>
    `<tr><td><span class="swatch" style="background:${o.color};opacity:${o.queue ? 0.35 : 0.85}"></span>` +
    `${esc(o.owner)}</td><td>${esc(formatBytes(o.peak))}</td></tr>`
  )
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(command)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222 }
table { border-collapse: collapse; margin: 12px 0 24px }
th, td { border-bottom: 1px solid #ddd; padding: 4px 12px; text-align: left; font-size: 13px }
td:nth-child(n+2):not(:last-child) { text-align: right; font-variant-numeric: tabular-nums }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px }
</style>
</head>
<body>
<h1 style="font-size:18px">${esc(command)}</h1>
<p>${esc(reportSummary(report, options))}</p>
${reportSvg(report, options)}
<h2 style="font-size:15px">Stages</h2>
<table>
<tr><th>stage</th><th>planned</th><th>peak reserved</th><th>first input (s)</th><th>first output (s)</th><th>ended (s)</th><th>plan</th></tr>
${stageRows.join("\n")}
</table>
<h2 style="font-size:15px">Peak reserved per owner</h2>
<table>
<tr><th>owner</th><th>peak</th></tr>
${ownerRows.join("\n")}
</table>
</body>
</html>
`
}
