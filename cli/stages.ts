/**
 * The pipe stages: subcommands that read and write Arrow IPC streams on stdin/stdout so they join
 * with `|`. Each runs its own pipeline with its own --memory budget.
 */
import { pipe } from "../core/pipe.ts"
import { run } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { thresholdEdges } from "../operators/threshold_edges.ts"
import { tiledCosine } from "../operators/tiled_cosine/tiled_cosine.ts"
import { readArrow, stdinInput } from "../sources/read_arrow.ts"
import { readEmbeddings } from "../sources/read_embeddings/read_embeddings.ts"
import { stdoutOutput, writeArrow } from "../sinks/write_arrow.ts"
import { writeEdgesParquet, writeEdgesTsv } from "../sinks/write_edges.ts"
import { writeClustersParquet, writeClustersTsv } from "../sinks/write_clusters.ts"
import { leidenRecursive } from "../operators/leiden/leiden_recursive.ts"
import type { ClusterBatch, EdgeBatch } from "../core/batches.ts"
import { InvalidInput } from "../core/errors.ts"
import type { Pipeline, Sink } from "../core/operator.ts"
import * as Effect from "effect/Effect"
import { type OptionSpec, parseArgs, parseShard, UsageError } from "./args.ts"
import type { CommandEnv } from "./main.ts"
import { reportHelp, reportOption, saveReport } from "./report_option.ts"

const COMMON = `  --memory SIZE        this stage's memory budget, e.g. 256MB (default 1GiB)
  --progress           draw this stage's progress on stderr when it is a terminal (off by default:
                       the stages of a pipe share one terminal)
  --verbose            a summary line (time, peak reserved per stage) on stderr
${reportHelp()}`

const CHAIN =
  `brook read-embeddings emb.npy | brook tiled-cosine --threshold 0.8 | brook threshold-edges | brook write-tsv edges.tsv`

export const READ_EMBEDDINGS_HELP = `usage: brook read-embeddings EMB [options] > emb.arrows

Reads EMB (.npy float32/float64, or .parquet with a LIST<FLOAT|DOUBLE> or FLOAT[d] column) and writes
an Arrow IPC stream on stdout: embedding: fixed_size_list<float32>[dim], row: uint32 (and id: utf8 or
int64 when the Parquet file has an id column), with schema metadata brook.stream=embeddings, brook.dim,
brook.rows, brook.file (brook.id_type). The ids travel down the pipe: write-tsv writes them.

options:
  --column NAME        Parquet vector column (default: the first list column)
  --id-column NAME     Parquet id column (default: "id" when present)
  --zero-vectors MODE  error (default) or skip (the row column keeps the other rows' numbers)
${COMMON}

example:
  ${CHAIN}`

export const TILED_COSINE_HELP = `usage: brook tiled-cosine --threshold T [options] < emb.arrows > pairs.arrows

Every pair i < j of the embedding rows on stdin (an Arrow IPC stream from brook read-embeddings, or
any stream with a list<float> column) whose cosine is > T, as an Arrow IPC stream on stdout:
i: uint32, j: uint32, score: float32, with brook.threshold in the schema metadata.

options:
  --threshold T        cosine threshold in [-1, 1] (required)
  --threads N          tile workers (default: one per core)
  --shard i/k          part i (0-based) of k of the tile grid (brook.shard in the metadata)
${COMMON}

example:
  ${CHAIN}`

export const THRESHOLD_EDGES_HELP =
  `usage: brook threshold-edges [--threshold T] [--weight EXPR] [options] < pairs.arrows > edges.arrows

Scored pairs on stdin to weighted edges on stdout (src: uint32, dst: uint32, weight: float32). Keeps
s > T, where T defaults to the threshold in the stream's metadata (brook.threshold); weight =
1/(1 - min(s,1) + eps) or a mathjs expression in s.

options:
  --threshold T        keep s > T (default: the upstream threshold; may only be raised)
  --weight EXPR        weight as a mathjs expression in s, e.g. "exp(10*(s-1))"
  --eps E              eps of the default weight (default 1e-6)
${COMMON}

example:
  ${CHAIN}`

export const LEIDEN_RECURSIVE_HELP =
  `usage: brook leiden-recursive [--max-size N] [options] < edges.arrows > clusters.arrows

Clusters the edge stream on stdin (from brook threshold-edges) with recursive Leiden once it has all
arrived, and writes a cluster stream on stdout: node: uint32, path: utf8, level: int32, cluster_size:
uint32 (and id when the embeddings had ids), one row per node of the embedding input (brook.rows).

options:
  --objective NAME     modularity (default) or cpm
  --resolution G       resolution gamma (default 1)
  --max-size N         re-cluster any cluster larger than N on its own subgraph
  --seed S             random seed (default 0)
  --iterations K       Leiden iterations (default: until an iteration moves no node)
${COMMON}
                       (here with a histogram of cluster sizes)

example:
  brook read-embeddings emb.npy | brook tiled-cosine --threshold 0.8 | brook threshold-edges |
    brook leiden-recursive --max-size 1000 | brook write-parquet clusters.parquet`

const writeHelp = (format: string, ext: string) =>
  `usage: brook write-${format} FILE [options] < edges.arrows (or clusters.arrows)

Closes a pipe: writes the edge stream on stdin (src, dst, weight) to FILE as ${
    format === "tsv" ? "TSV (src<TAB>dst<TAB>weight; - for stdout)" : "Parquet (src INT64, dst INT64, weight FLOAT)"
  }, or a cluster stream from brook leiden-recursive as ${
    format === "tsv" ? "TSV (id<TAB>path)" : "Parquet (id, path, level, cluster_size)"
  }. The file appears under its name only when the whole stream arrived (temp name, then rename).

options:
${COMMON}

example:
  brook read-embeddings emb.npy | brook tiled-cosine --threshold 0.8 | brook threshold-edges | brook write-${format} edges.${ext}`

export const WRITE_TSV_HELP = writeHelp("tsv", "tsv")
export const WRITE_PARQUET_HELP = writeHelp("parquet", "parquet")

const STAGE_OPTIONS: OptionSpec = { memory: "string", verbose: "flag", progress: "flag", report: "string" }

/** Parses a stage's arguments; --help prints `help` and returns undefined. */
function parse(argv: string[], help: string, spec: OptionSpec, positionals: number) {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(help)
    return undefined
  }
  const parsed = parseArgs(argv, { ...STAGE_OPTIONS, ...spec })
  reportOption(parsed.options)
  if (parsed.positional.length !== positionals) {
    throw new UsageError(
      positionals
        ? `expected ${positionals} file argument, got ${parsed.positional.length}`
        : `unexpected argument '${parsed.positional[0]}'`,
    )
  }
  return { ...parsed, argv }
}

async function runStage(
  name: string,
  pipeline: Pipeline,
  p: { options: Record<string, unknown>; argv: string[] },
  env: CommandEnv,
  clusterSizes?: () => ArrayLike<number> | undefined,
) {
  const o = p.options
  const report = await run(pipeline, {
    memory: o.memory as string | undefined,
    signal: env.signal,
    progress: o.progress ? env.progress : undefined,
  })
  saveReport(o.report as string | undefined, name, p.argv, report, clusterSizes?.())
  if (o.verbose) {
    env.log(
      `brook ${name}: ${report.seconds.toFixed(2)} s, budget ${formatBytes(report.budget)}, peak reserved ${
        formatBytes(report.peakReserved)
      } (${report.owners.map((x) => `${x.owner} ${formatBytes(x.peak)}`).join(", ")})`,
    )
  }
}

export async function readEmbeddingsCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, READ_EMBEDDINGS_HELP, { column: "string", "id-column": "string", "zero-vectors": "string" }, 1)
  if (!p) return
  const zero = (p.options["zero-vectors"] ?? "error") as string
  if (zero !== "error" && zero !== "skip") throw new UsageError("--zero-vectors must be error or skip")
  const source = readEmbeddings(p.positional[0], {
    column: p.options.column as string | undefined,
    idColumn: p.options["id-column"] as string | undefined,
    zeroVectors: zero,
  })
  await runStage("read-embeddings", pipe(source, writeArrow(stdoutOutput(), "embeddings")), p, env)
}

export async function tiledCosineCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, TILED_COSINE_HELP, { threshold: "number", threads: "number", shard: "string" }, 0)
  if (!p) return
  const o = p.options
  if (o.threshold === undefined) throw new UsageError("--threshold is required")
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || (o.threads as number) < 1)) {
    throw new UsageError("--threads must be a positive integer")
  }
  const pipeline = pipe(
    readArrow(stdinInput(), "embeddings"),
    tiledCosine({
      threshold: o.threshold as number,
      threads: o.threads as number | undefined,
      shard: parseShard(o.shard as string | undefined),
    }),
    writeArrow(stdoutOutput(), "scored_pairs"),
  )
  await runStage("tiled-cosine", pipeline, p, env)
}

export async function thresholdEdgesCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, THRESHOLD_EDGES_HELP, { threshold: "number", weight: "string", eps: "number" }, 0)
  if (!p) return
  const o = p.options
  const pipeline = pipe(
    readArrow(stdinInput(), "scored_pairs"),
    thresholdEdges({
      threshold: o.threshold as number | undefined,
      weight: o.weight as string | undefined,
      eps: o.eps as number | undefined,
    }),
    writeArrow(stdoutOutput(), "edges"),
  )
  await runStage("threshold-edges", pipeline, p, env)
}

export async function leidenRecursiveCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, LEIDEN_RECURSIVE_HELP, {
    objective: "string",
    resolution: "number",
    "max-size": "number",
    seed: "number",
    iterations: "number",
  }, 0)
  if (!p) return
  const o = p.options
  const objective = (o.objective ?? "modularity") as string
  if (objective !== "modularity" && objective !== "cpm") throw new UsageError("--objective must be modularity or cpm")
  for (const k of ["max-size", "iterations"]) {
    const v = o[k] as number | undefined
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UsageError(`--${k} must be a positive integer`)
  }
  let sizes: Uint32Array | undefined
  const pipeline = pipe(
    readArrow(stdinInput(), "edges"),
    leidenRecursive({
      objective,
      resolution: o.resolution as number | undefined,
      maxSize: o["max-size"] as number | undefined,
      seed: o.seed as number | undefined,
      iterations: o.iterations as number | undefined,
      onResult: (s) => (sizes = s.sizes),
    }),
    writeArrow(stdoutOutput(), "clusters"),
  )
  await runStage("leiden-recursive", pipeline, p, env, () => sizes)
}

/** The file sink for whatever stream arrives: edges or clusters, as TSV or Parquet. */
function fileSink(file: string, format: "tsv" | "parquet"): Sink<EdgeBatch | ClusterBatch> {
  let inner: Sink<EdgeBatch> | Sink<ClusterBatch> | undefined
  const get = () => inner!
  return {
    kind: "sink",
    name: `write-${format}`,
    weight: 0,
    describe: (up) => {
      if (up.stream === "edges") inner = format === "tsv" ? writeEdgesTsv(file) : writeEdgesParquet(file)
      else if (up.stream === "clusters") inner = format === "tsv" ? writeClustersTsv(file) : writeClustersParquet(file)
      else {
        return Effect.fail(
          new InvalidInput({ file: "stdin", reason: `write-${format} takes edges or clusters, not ${up.stream}` }),
        )
      }
      return inner.describe(up)
    },
    minimum: (info) => get().minimum(info),
    plan: (share, info) => get().plan(share, info),
    make: (plan, info) => (get() as Sink<EdgeBatch | ClusterBatch>).make(plan, info),
  }
}

export async function writeTsvCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, WRITE_TSV_HELP, {}, 1)
  if (!p) return
  await runStage("write-tsv", pipe(readArrow(stdinInput(), "any"), fileSink(p.positional[0], "tsv")), p, env)
}

export async function writeParquetCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, WRITE_PARQUET_HELP, {}, 1)
  if (!p) return
  const pipeline = pipe(readArrow(stdinInput(), "any"), fileSink(p.positional[0], "parquet"))
  await runStage("write-parquet", pipeline, p, env)
}
