/** `brook edges`: readEmbeddings -> tiledCosine -> thresholdEdges -> TSV or Parquet edges. */
import { pipe } from "../core/pipe.ts"
import { run } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { thresholdEdges } from "../operators/threshold_edges.ts"
import { tiledCosine } from "../operators/tiled_cosine/tiled_cosine.ts"
import { readEmbeddings } from "../sources/read_embeddings/read_embeddings.ts"
import { writeEdges } from "../sinks/write_edges.ts"
import { parseArgs, parseShard, UsageError } from "./args.ts"
import type { CommandEnv } from "./main.ts"
import { reportHelp, reportOption, saveReport } from "./report_option.ts"

export const EDGES_HELP = `usage: brook edges EMB --threshold T --out FILE [options]

Every pair i < j of rows of EMB (.npy float32/float64, or .parquet with a LIST<FLOAT|DOUBLE> column)
whose cosine similarity is > T, weighted 1/(1 - min(s,1) + eps), written as TSV (i<TAB>j<TAB>weight;
ids instead of row numbers when the Parquet file has an id column) or Parquet (src, dst, weight).

options:
  --threshold T        cosine threshold in [-1, 1] (required)
  --out FILE           .tsv, .parquet, or - for TSV on stdout (required)
  --memory SIZE        memory budget, e.g. 512MB, 2GiB (default 1GiB)
  --threads N          tile workers (default: one per core)
  --against EMB2       A x B mode: pairs (row of EMB, row of EMB2)
  --weight EXPR        weight as a mathjs expression in s, e.g. "exp(10*(s-1))"
  --eps E              eps of the default weight (default 1e-6)
  --column NAME        Parquet vector column (default: the first list column)
  --id-column NAME     Parquet id column (default: "id" when present)
  --zero-vectors MODE  error (default) or skip
  --shard i/k          compute part i (0-based) of k of the tile grid; the k outputs together are the edges
${reportHelp()}
  --quiet              no progress or summary on stderr

example:
  brook edges emb.npy --threshold 0.8 --memory 512MB --out edges.parquet`

export async function edgesCommand(argv: string[], env: CommandEnv): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(EDGES_HELP)
    return
  }
  const { positional, options: o } = parseArgs(argv, {
    threshold: "number",
    out: "string",
    memory: "string",
    threads: "number",
    against: "string",
    weight: "string",
    eps: "number",
    column: "string",
    "id-column": "string",
    "zero-vectors": "string",
    shard: "string",
    report: "string",
  })
  if (positional.length !== 1) {
    throw new UsageError(`expected one embedding file, got ${positional.length}\n\n${EDGES_HELP}`)
  }
  if (o.threshold === undefined) throw new UsageError("--threshold is required")
  if (o.out === undefined) throw new UsageError("--out is required (a .tsv or .parquet file, or - for stdout)")
  const reportFile = reportOption(o)
  const zero = (o["zero-vectors"] ?? "error") as string
  if (zero !== "error" && zero !== "skip") throw new UsageError("--zero-vectors must be error or skip")
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || (o.threads as number) < 1)) {
    throw new UsageError("--threads must be a positive integer")
  }
  const read = (file: string) =>
    readEmbeddings(file, {
      column: o.column as string | undefined,
      idColumn: o["id-column"] as string | undefined,
      zeroVectors: zero as "error" | "skip",
    })
  const pipeline = pipe(
    read(positional[0]),
    tiledCosine({
      threshold: o.threshold as number,
      threads: o.threads as number | undefined,
      against: o.against ? read(o.against as string) : undefined,
      shard: parseShard(o.shard as string | undefined),
    }),
    thresholdEdges({ weight: o.weight as string | undefined, eps: o.eps as number | undefined }),
    writeEdges(o.out as string),
  )
  const report = await run(pipeline, {
    memory: o.memory as string | undefined,
    signal: env.signal,
    progress: env.progress,
  })
  saveReport(reportFile, "edges", argv, report)
  const tc = report.stages.find((s) => s.name === "tiledCosine")
  env.log(
    `brook edges: ${report.seconds.toFixed(2)} s, budget ${formatBytes(report.budget)}, peak reserved ${
      formatBytes(report.peakReserved)
    }${tc?.plan.notes ? `, ${tc.plan.notes}` : ""}; wrote ${o.out === "-" ? "stdout" : o.out}${
      reportFile ? `, report ${reportFile}` : ""
    }`,
  )
  env.log(`  peak reserved: ${report.owners.map((x) => `${x.owner} ${formatBytes(x.peak)}`).join(", ")}`)
}
