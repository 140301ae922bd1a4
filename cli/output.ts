/**
 * The one output convention: `-o/--out FILE` (or `-` for stdout), the format from FILE's extension among those
 * brook writes, or `--format`; anything else is a usage error naming the choices.
 */
import type { ClusterBatch, EdgeBatch } from "../core/batches.ts"
import type { Sink } from "../core/operator.ts"
import { stdoutOutput as stdoutArrow, writeArrow } from "../sinks/write_arrow.ts"
import { writeClustersCsv, writeClustersParquet, writeClustersTsv } from "../sinks/write_clusters.ts"
import { writeEdgesCsv, writeEdgesParquet, writeEdgesTsv } from "../sinks/write_edges.ts"
import { checkWritable, UsageError } from "./args.ts"

export type OutputFormat = "tsv" | "csv" | "parquet" | "arrows"

export const OUTPUT_FORMATS: readonly OutputFormat[] = ["tsv", "csv", "parquet", "arrows"]

export const OUT_SPEC = { out: "string", format: "string" } as const

export const OUT_HELP =
  `  -o, --out FILE       FILE.tsv, FILE.csv (with a header), FILE.parquet, FILE.arrows (an Arrow IPC stream),
                       or - for TSV on stdout (required)
  --format F           tsv, csv, parquet or arrows, whatever FILE's name (csv and arrows also to -)`

export interface Output {
  readonly file: string
  readonly format: OutputFormat
}

const EXTENSION = /\.(tsv|csv|parquet|arrows)$/i

/** The format a file name asks for, if it is one brook writes. */
export const formatOfName = (file: string): OutputFormat | undefined =>
  EXTENSION.exec(file)?.[1].toLowerCase() as OutputFormat | undefined

/**
 * The output of a command: `-o/--out`, or the old positional form (`legacy`) where a command had one; the
 * format by `--format` or the extension, among `allowed`.
 */
export function outputOption(
  o: Record<string, unknown>,
  allowed: readonly OutputFormat[] = OUTPUT_FORMATS,
  legacy?: string,
): Output {
  const flag = o.out as string | undefined
  if (flag !== undefined && legacy !== undefined) {
    throw new UsageError(`two outputs: '${legacy}' and -o ${flag}; give one`)
  }
  const file = flag ?? legacy
  const choices = allowed.map((f) => `.${f}`).join(", ")
  if (file === undefined || file === "") {
    throw new UsageError(`-o/--out is required: a file ending in ${choices}${allowed.includes("tsv") ? ", or -" : ""}`)
  }
  const asked = o.format as string | undefined
  if (asked !== undefined && !allowed.includes(asked as OutputFormat)) {
    throw new UsageError(`--format: '${asked}' is not one of ${allowed.join(", ")}`)
  }
  const named = formatOfName(file)
  const format = (asked ?? (file === "-" ? "tsv" : named)) as OutputFormat | undefined
  if (format === undefined) {
    throw new UsageError(
      `cannot tell the format of '${file}': name it ${choices}, or give --format ${allowed.join("|")}`,
    )
  }
  if (!allowed.includes(format)) {
    throw new UsageError(`'${file}': this command writes ${choices}, not .${format}`)
  }
  if (file === "-" && format === "parquet") throw new UsageError("Parquet cannot go to stdout: give a file name")
  if (file !== "-") checkWritable(file)
  return { file, format }
}

/** Key/value metadata for the Parquet files a command writes: how the file was made. */
export type Provenance = Record<string, string | number | undefined>

export { checkWritable, commandLine } from "./args.ts"

const entries = (p: Provenance = {}) =>
  Object.entries(p).filter(([, v]) => v !== undefined).map(([k, v]) => ({ key: `brook.${k}`, value: String(v) }))

export function edgeSink(out: Output, provenance?: Provenance): Sink<EdgeBatch> {
  switch (out.format) {
    case "csv":
      return writeEdgesCsv(out.file)
    case "parquet":
      return writeEdgesParquet(out.file, { metadata: entries(provenance) })
    case "arrows":
      return writeArrow(out.file === "-" ? stdoutArrow() : out.file, "edges")
    default:
      return writeEdgesTsv(out.file)
  }
}

export function clusterSink(out: Output, provenance?: Provenance): Sink<ClusterBatch> {
  switch (out.format) {
    case "csv":
      return writeClustersCsv(out.file)
    case "parquet":
      return writeClustersParquet(out.file, { metadata: entries(provenance) })
    case "arrows":
      return writeArrow(out.file === "-" ? stdoutArrow() : out.file, "clusters")
    default:
      return writeClustersTsv(out.file)
  }
}
