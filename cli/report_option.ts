/** `--report FILE.svg|.html`: checked before the run, written (atomically) after it. */
import type { RunReport } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { reportFormat, writeReport } from "../report/write_report.ts"
import { commandLine, UsageError } from "./args.ts"

/** The option's --help lines; `clusters` adds the cluster-size histogram. */
export const reportHelp = (clusters = false) =>
  `  --report FILE        write a report of the run to FILE.svg (or FILE.html: the same picture and a table):
                       memory reserved per stage and queue over time against the budget, stage timings${
    clusters ? ",\n                       a histogram of cluster sizes" : ""
  }`

/**
 * The run's two memory figures, as every summary states them: the peak reserved from the budget and the
 * peak of the process's resident set sampled meanwhile (runtime baseline, heaps, workers and garbage too).
 */
export const memoryPeaks = (report: RunReport): string =>
  `peak reserved ${formatBytes(report.peakReserved)}, sampled RSS peak ${formatBytes(report.rss.peak)} at ${
    (report.rss.at / 1000).toFixed(1)
  } s`

/** The report file asked for, checked; undefined when none was. */
export function reportOption(o: Record<string, unknown>): string | undefined {
  const file = o.report as string | undefined
  if (file !== undefined && !reportFormat(file)) throw new UsageError(`--report: '${file}' must end in .svg or .html`)
  return file
}

/** Writes the report when one was asked for, titled with the command line as typed. */
export function saveReport(
  file: string | undefined,
  command: string,
  argv: readonly string[],
  report: RunReport,
  clusterSizes?: ArrayLike<number>,
): void {
  if (file === undefined) return
  writeReport(file, report, { command: commandLine(command, argv), clusterSizes })
}
