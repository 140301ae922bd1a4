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
import { leidenRecursive } from "../operators/leiden/leiden_recursive.ts"
import type { ClusterBatch, EdgeBatch } from "../core/batches.ts"
import { InvalidInput } from "../core/errors.ts"
import type { Pipeline, Sink } from "../core/operator.ts"
import * as Effect from "effect/Effect"
import {
  MEMORY_HELP,
  memoryOption,
  type OptionSpec,
  parseCommand,
  parseShard,
  iterationsOption,
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
import { clusterSink, commandLine, edgeSink, formatOfName, type Output, outputOption } from "./output.ts"
import type { CommandEnv } from "./main.ts"
import { reportHelp, reportOption, saveReport } from "./report_option.ts"

const COMMON = `${MEMORY_HELP("this stage's memory budget")}
${PROGRESS_HELP(false)}
  --verbose            a summary line (time, peak reserved per stage) on stderr
${reportHelp()}`

const CHAIN =
  `brook read-embeddings emb.npy | brook tiled-cosine -t 0.8 | brook threshold-edges | brook write-tsv -o edges.tsv`

export const READ_EMBEDDINGS_HELP = `usage: brook read-embeddings EMB [options] > emb.arrows

Reads EMB (.npy float32/float64, or .parquet with a LIST<FLOAT|DOUBLE> or FLOAT[d] column) and writes
an Arrow IPC stream on stdout: embedding: fixed_size_list<float32>[dim], row: uint32 (and id: utf8 or
int64 when the Parquet file has an id column), with schema metadata brook.stream=embeddings, brook.dim,
brook.rows, brook.file (brook.id_type). The ids travel down the pipe: write-tsv writes them.

options:
${READ_HELP} (skip: the row column keeps the other rows' numbers)
${COMMON}

example:
  ${CHAIN}`

export const TILED_COSINE_HELP = `usage: brook tiled-cosine -t T [options] < emb.arrows > pairs.arrows

Every pair i < j of the embedding rows on stdin (an Arrow IPC stream from brook read-embeddings, or
any stream with a list<float> column) whose cosine is > T, as an Arrow IPC stream on stdout:
i: uint32, j: uint32, score: float32, with brook.threshold in the schema metadata.

options:
  -t, --threshold T    cosine threshold in [-1, 1] (required)
  -j, --threads N      tile workers (default: one per core)
  --shard i/k          part i (0-based) of k of the tile grid (brook.shard in the metadata)
${COMMON}

example:
  ${CHAIN}`

export const THRESHOLD_EDGES_HELP =
  `usage: brook threshold-edges [--threshold T] [--weight EXPR] [options] < pairs.arrows > edges.arrows

Scored pairs on stdin to weighted edges on stdout (src: uint32, dst: uint32, weight: float32, similarity:
float32). Keeps
s > T, where T defaults to the threshold in the stream's metadata (brook.threshold); weight =
1/(1 - min(s,1) + eps) or a mathjs expression in s.

options:
  -t, --threshold T    keep s > T (default: the upstream threshold; may only be raised)
${WEIGHT_HELP}
${COMMON}

example:
  ${CHAIN}`

export const LEIDEN_RECURSIVE_HELP =
  `usage: brook leiden-recursive [--max-size N] [options] < edges.arrows > clusters.arrows

Clusters the edge stream on stdin (from brook threshold-edges) with recursive Leiden once it has all
arrived, and writes a cluster stream on stdout: node: uint32, path: utf8, level: int32, cluster_size:
uint32, cluster: uint32 (and id when the embeddings had ids), one row per node of the embedding input
(brook.rows).

options:
  --objective NAME     modularity (default) or cpm
  --resolution G       resolution gamma (default 1)
  --max-size N         re-cluster any cluster larger than N on its own subgraph
  --seed S             random seed (default 0)
  --iterations K       Leiden iterations; -1: until an iteration moves no node (default: until three in a
                       row each gain less than 1e-4 in modularity)
${COMMON}
                       (here with a histogram of cluster sizes)

example:
  brook read-embeddings emb.npy | brook tiled-cosine -t 0.8 | brook threshold-edges |
    brook leiden-recursive --max-size 1000 | brook write-parquet -o clusters.parquet`

const writeHelp = (format: "tsv" | "parquet") =>
  `usage: brook write-${format} -o FILE [options] < edges.arrows (or clusters.arrows)
       brook write-${format} FILE [options]

Closes a pipe: writes the edge stream on stdin to FILE as ${
    format === "tsv" ? "TSV (- for stdout)" : "Parquet"
  } (src, dst, weight, similarity), or a cluster stream from brook leiden-recursive (id, cluster, top, path,
level, size). The file appears under its name only when the whole stream arrived (temp name, then rename).

options:
  -o, --out FILE       the file (${format === "tsv" ? ".tsv or any name but another format's, or -" : ".parquet"})
${COMMON}

example:
  brook read-embeddings emb.npy | brook tiled-cosine -t 0.8 | brook threshold-edges | brook write-${format} -o edges.${format}`

export const WRITE_TSV_HELP = writeHelp("tsv")
export const WRITE_PARQUET_HELP = writeHelp("parquet")

const STAGE_OPTIONS: OptionSpec = { memory: "string", verbose: "flag", progress: "flag", report: "string" }

/** Parses a stage's arguments; --help prints `help` and returns undefined. */
function parse(argv: string[], help: string, spec: OptionSpec, positionals: number) {
  const parsed = parseCommand(argv, { ...STAGE_OPTIONS, ...spec }, help)
  if (!parsed) return undefined
  reportOption(parsed.options)
  memoryOption(parsed.options)
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
    memory: memoryOption(o),
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
  const p = parse(argv, READ_EMBEDDINGS_HELP, READ_SPEC, 1)
  if (!p) return
  const source = readEmbeddings(p.positional[0], readOptions(p.options))
  await runStage("read-embeddings", pipe(source, writeArrow(stdoutOutput(), "embeddings")), p, env)
}

export async function tiledCosineCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, TILED_COSINE_HELP, { threshold: "number", threads: "number", shard: "string" }, 0)
  if (!p) return
  const o = p.options
  if (o.threshold === undefined) throw new UsageError("-t/--threshold is required")
  const pipeline = pipe(
    readArrow(stdinInput(), "embeddings"),
    tiledCosine({
      threshold: o.threshold as number,
      threads: positiveInteger(o, "threads"),
      shard: parseShard(o.shard as string | undefined),
    }),
    writeArrow(stdoutOutput(), "scored_pairs"),
  )
  await runStage("tiled-cosine", pipeline, p, env)
}

export async function thresholdEdgesCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parse(argv, THRESHOLD_EDGES_HELP, { threshold: "number", ...WEIGHT_SPEC }, 0)
  if (!p) return
  const o = p.options
  const pipeline = pipe(
    readArrow(stdinInput(), "scored_pairs"),
    thresholdEdges({ threshold: o.threshold as number | undefined, ...weightOptions(o) }),
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
  const maxSize = positiveInteger(o, "max-size"), iterations = iterationsOption(o)
  let sizes: Uint32Array | undefined
  const pipeline = pipe(
    readArrow(stdinInput(), "edges"),
    leidenRecursive({
      objective,
      resolution: o.resolution as number | undefined,
      maxSize,
      seed: o.seed as number | undefined,
      iterations,
      onResult: (s) => (sizes = s.sizes),
    }),
    writeArrow(stdoutOutput(), "clusters"),
  )
  await runStage("leiden-recursive", pipeline, p, env, () => sizes)
}

/** The file sink for whatever stream arrives: edges or clusters, in `out`'s format. */
function fileSink(out: Output, command: string, argv: string[]): Sink<EdgeBatch | ClusterBatch> {
  let inner: Sink<EdgeBatch> | Sink<ClusterBatch> | undefined
  const get = () => inner!
  return {
    kind: "sink",
    name: command,
    weight: 0,
    describe: (up) => {
      const provenance = {
        command: commandLine(command, argv),
        input: up.file,
        threshold: up.threshold,
        shard: up.shard,
      }
      if (up.stream === "edges") inner = edgeSink(out, provenance)
      else if (up.stream === "clusters") inner = clusterSink(out, provenance)
      else {
        return Effect.fail(
          new InvalidInput({ file: "stdin", reason: `${command} takes edges or clusters, not ${up.stream}` }),
        )
      }
      return inner.describe(up)
    },
    minimum: (info) => get().minimum(info),
    plan: (share, info) => get().plan(share, info),
    make: (plan, info, reservation) => (get() as Sink<EdgeBatch | ClusterBatch>).make(plan, info, reservation),
  }
}

/** write-tsv and write-parquet: `-o FILE` or the old trailing FILE; a name another format owns is refused. */
async function writeCommand(format: "tsv" | "parquet", argv: string[], env: CommandEnv): Promise<void> {
  const command = `write-${format}`
  const p = parseCommand(argv, { ...STAGE_OPTIONS, out: "string" }, format === "tsv" ? WRITE_TSV_HELP : WRITE_PARQUET_HELP)
  if (!p) return
  reportOption(p.options)
  memoryOption(p.options)
  if (p.positional.length > 1) throw new UsageError(`expected one output file, got ${p.positional.length}`)
  // the command names the format: any file name will do but one that names another format
  const out: Output = outputOption({ ...p.options, format }, [format], p.positional[0])
  const other = formatOfName(out.file)
  if (other !== undefined && other !== format) {
    throw new UsageError(`'${out.file}' names a .${other} file; ${command} writes ${format}`)
  }
  await runStage(command, pipe(readArrow(stdinInput(), "any"), fileSink(out, command, argv)), { ...p, argv }, env)
}

export function writeTsvCommand(argv: string[], env: CommandEnv): Promise<void> {
  return writeCommand("tsv", argv, env)
}

export function writeParquetCommand(argv: string[], env: CommandEnv): Promise<void> {
  return writeCommand("parquet", argv, env)
}
