/** `brook edges`: readEmbeddings -> tiledCosine -> thresholdEdges -> TSV or Parquet edges. */
import { pipe } from "../core/pipe.ts"
import { run } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { DEFAULT_EPS, thresholdEdges } from "../operators/threshold_edges.ts"
import { tiledCosine } from "../operators/tiled_cosine/tiled_cosine.ts"
import { readEmbeddings } from "../sources/read_embeddings/read_embeddings.ts"
import {
  MEMORY_HELP,
  memoryOption,
  parseCommand,
  parseShard,
  positiveInteger,
  PROGRESS_HELP,
  READ_HELP,
  READ_SPEC,
  readOptions,
  UsageError,
  WEIGHT_HELP,
  WEIGHT_SPEC,
  weightOptions,
} from "./args.ts"
import { commandLine, edgeSink, OUT_HELP, OUT_SPEC, outputOption } from "./output.ts"
import type { CommandEnv } from "./main.ts"
import { memoryPeaks, reportHelp, reportOption, saveReport } from "./report_option.ts"

export const EDGES_HELP = `usage: brook edges EMB -t T -o FILE [options]

Every pair i < j of rows of EMB (.npy float32/float64, or Parquet with a LIST<FLOAT|DOUBLE> or FLOAT[d]
column; told apart by their first bytes) whose cosine similarity s is > T, weighted 1/(1 - min(s,1) + eps):
columns src, dst, weight, similarity (src and dst are ids when the Parquet file has an id column, else row
numbers).

options:
  -t, --threshold T    cosine threshold in [-1, 1] (required)
${OUT_HELP}
${MEMORY_HELP()}
  -j, --threads N      tile workers (default: one per core)
  --against EMB2       A x B mode: pairs (row of EMB, row of EMB2)
${WEIGHT_HELP}
${READ_HELP}
  --shard i/k          compute part i (0-based) of k of the tile grid; the k outputs together are the edges
${reportHelp()}
${PROGRESS_HELP()}
  -q, --quiet          no progress or summary on stderr

example:
  brook edges emb.npy -t 0.8 -m 512M -o edges.parquet`

export async function edgesCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parseCommand(argv, {
    threshold: "number",
    ...OUT_SPEC,
    memory: "string",
    threads: "number",
    against: "string",
    ...WEIGHT_SPEC,
    ...READ_SPEC,
    shard: "string",
    report: "string",
  }, EDGES_HELP)
  if (!p) return
  const { positional, options: o } = p
  if (positional.length !== 1) {
    throw new UsageError(`expected one embedding file, got ${positional.length} (brook edges --help)`)
  }
  if (o.threshold === undefined) throw new UsageError("-t/--threshold is required")
  const out = outputOption(o)
  const memory = memoryOption(o)
  const reportFile = reportOption(o)
  const threads = positiveInteger(o, "threads")
  const reading = readOptions(o)
  const weighing = weightOptions(o)
  const read = (file: string) => readEmbeddings(file, reading)
  const pipeline = pipe(
    read(positional[0]),
    tiledCosine({
      threshold: o.threshold as number,
      threads,
      against: o.against ? read(o.against as string) : undefined,
      shard: parseShard(o.shard as string | undefined),
    }),
    thresholdEdges(weighing),
    edgeSink(out, {
      command: commandLine("edges", argv),
      input: positional[0],
      against: o.against as string | undefined,
      threshold: o.threshold as number,
      weight: weighing.weight ?? `1/(1 - min(s,1) + ${weighing.eps ?? DEFAULT_EPS})`,
      shard: o.shard as string | undefined,
    }),
  )
  const report = await run(pipeline, { memory, signal: env.signal, progress: env.progress })
  saveReport(reportFile, "edges", argv, report)
  const tc = report.stages.find((s) => s.name === "tiledCosine")
  env.log(
    `brook edges: ${report.seconds.toFixed(2)} s, budget ${formatBytes(report.budget)}, ${memoryPeaks(report)}${
      tc?.plan.notes ? `, ${tc.plan.notes}` : ""
    }; wrote ${out.file === "-" ? "stdout" : out.file}${reportFile ? `, report ${reportFile}` : ""}`,
  )
  env.log(`  peak reserved: ${report.owners.map((x) => `${x.owner} ${formatBytes(x.peak)}`).join(", ")}`)
}
