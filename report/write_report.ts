/** Writes a run report to FILE.svg or FILE.html under a temp name, renamed over FILE once complete. */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import type { RunReport } from "../core/run.ts"
import { outputFailed } from "../core/errors.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { reportHtml } from "./html.ts"
import { type ReportOptions, reportSvg } from "./svg.ts"

export type ReportFormat = "svg" | "html"

/** The format a report file's name asks for, or undefined when it is neither .svg nor .html/.htm. */
export function reportFormat(file: string): ReportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase()
  return ext === "svg" ? "svg" : ext === "html" || ext === "htm" ? "html" : undefined
}

export function writeReport(file: string, report: RunReport, options: ReportOptions = {}): void {
  const format = reportFormat(file)
  if (!format) throw new RangeError(`report file ${file} must end in .svg or .html`)
  const text = format === "svg" ? reportSvg(report, options) : reportHtml(report, options)
  Effect.runSync(Effect.scoped(Effect.gen(function* () {
    const out = yield* atomicOutput(file)
    try {
      fs.writeFileSync(out.tempPath, text)
    } catch (e) {
      throw outputFailed(file, e)
    }
    out.commit()
  })))
}
