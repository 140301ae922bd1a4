/**
 * `brook leiden` (edge file -> clusters) and `brook cluster` (embeddings -> clusters in one pipeline:
 * readEmbeddings -> tiledCosine -> thresholdEdges -> leidenRecursive -> clusters, no intermediate file).
 */
import { pipe } from "../core/pipe.ts"
import { run, type RunReport } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { type ClusterSummary, leidenRecursive } from "../operators/leiden/leiden_recursive.ts"
import type { Objective } from "../operators/leiden/leiden.ts"
import { DEFAULT_EPS, thresholdEdges } from "../operators/threshold_edges.ts"
import { tiledCosine } from "../operators/tiled_cosine/tiled_cosine.ts"
import { readEdges } from "../sources/read_edges.ts"
import { readEmbeddings } from "../sources/read_embeddings/read_embeddings.ts"
import {
  iterationsOption,
  MEMORY_HELP,
  memoryOption,
  parseCommand,
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
import { clusterSink, commandLine, OUT_HELP, OUT_SPEC, outputOption } from "./output.ts"
import type { CommandEnv } from "./main.ts"
import { memoryPeaks, reportHelp, reportOption, saveReport } from "./report_option.ts"

const LEIDEN_OPTIONS = `  --objective NAME     modularity (default) or cpm
  --resolution G       resolution gamma (default 1)
  --max-size N         re-cluster any cluster larger than N on its own subgraph (default: no recursion)
  --seed S             random seed (default 0); the same seed gives the same clusters on Deno and Bun
  --iterations K       Leiden iterations; -1: until an iteration moves no node (default: until three in a
                       row each gain less than 1e-4 in modularity: LEIDEN_TOLERANCE, LEIDEN_PATIENCE)
${MEMORY_HELP()}
${reportHelp(true)}
${PROGRESS_HELP()}
  -q, --quiet          no progress or summary on stderr`

const CLUSTER_FILE = `one row per node: id, cluster (the leaf's number, unique), top (its
top-level cluster), path (like 3.1.4: the cluster's number at each level, 0 the largest), level (0 at
the top) and size (nodes in the leaf)`

export const LEIDEN_HELP = `usage: brook leiden EDGES... -o FILE [options]

Clusters the graph in EDGES with Leiden (Traag et al. 2019), recursively when --max-size is given.
EDGES is TSV (\`i j [w [s]]\` per line; integer ids are node numbers, anything else is an id string) or
Parquet (src, dst, weight) as \`brook edges\` writes it. Several files are read as one graph (the parts
that \`brook edges --shard i/k\` runs write). Output: ${CLUSTER_FILE}.

options:
${OUT_HELP}
  --nodes N            the graph has at least N nodes 0 .. N-1 (isolated ones become their own clusters)
${LEIDEN_OPTIONS}

example:
  brook leiden edges.parquet --max-size 1000 --seed 1 -o clusters.parquet`

export const CLUSTER_HELP = `usage: brook cluster EMB -t T -o FILE [options]

Embeddings to hierarchical clusters in one pipeline: the exact graph of pairs with cosine > T (weight
1/(1 - s + eps)), clustered by recursive Leiden. EMB is .npy or Parquet as for \`brook edges\`. Every row
gets a cluster (rows with no edge are clusters of one). Output: ${CLUSTER_FILE}.

options:
  -t, --threshold T    cosine threshold (required)
${OUT_HELP}
  -j, --threads N      tile workers (default: one per core)
${WEIGHT_HELP}
${READ_HELP}
${LEIDEN_OPTIONS}

example:
  brook cluster emb.npy -t 0.8 --max-size 1000 -m 512M -o clusters.parquet`

const leidenSpec = {
  ...OUT_SPEC,
  objective: "string",
  resolution: "number",
  "max-size": "number",
  seed: "number",
  iterations: "number",
  memory: "string",
  report: "string",
} as const

function leidenOptions(o: Record<string, unknown>, onResult: (s: ClusterSummary) => void) {
  const objective = (o.objective ?? "modularity") as string
  if (objective !== "modularity" && objective !== "cpm") throw new UsageError("--objective must be modularity or cpm")
  return {
    objective: objective as Objective,
    resolution: o.resolution as number | undefined,
    maxSize: positiveInteger(o, "max-size"),
    seed: o.seed as number | undefined,
    iterations: iterationsOption(o),
    onResult,
  }
}

/** What the cluster file's metadata says about the clustering. */
const leidenProvenance = (o: Record<string, unknown>) => ({
  objective: (o.objective ?? "modularity") as string,
  resolution: (o.resolution ?? 1) as number,
  max_size: o["max-size"] as number | undefined,
  seed: (o.seed ?? 0) as number,
  iterations: o.iterations as number | undefined,
})

export async function leidenCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parseCommand(argv, { ...leidenSpec, nodes: "number" }, LEIDEN_HELP)
  if (!p) return
  const { positional, options: o } = p
  if (positional.length === 0) throw new UsageError("expected an edge file (brook leiden --help)")
  const out = outputOption(o)
  const memory = memoryOption(o)
  const reportFile = reportOption(o)
  let summary: ClusterSummary | undefined
  const report = await run(
    pipe(
      readEdges(positional),
      leidenRecursive({ ...leidenOptions(o, (s) => (summary = s)), nodes: positiveInteger(o, "nodes") }),
      clusterSink(out, { command: commandLine("leiden", argv), input: positional.join(" "), ...leidenProvenance(o) }),
    ),
    { memory, signal: env.signal, progress: env.progress },
  )
  saveReport(reportFile, "leiden", argv, report, summary?.sizes)
  printSummary("leiden", report, summary, out.file, reportFile, env)
}

export async function clusterCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parseCommand(argv, {
    ...leidenSpec,
    threshold: "number",
    threads: "number",
    ...WEIGHT_SPEC,
    ...READ_SPEC,
  }, CLUSTER_HELP)
  if (!p) return
  const { positional, options: o } = p
  if (positional.length !== 1) {
    throw new UsageError(`expected one embedding file, got ${positional.length} (brook cluster --help)`)
  }
  if (o.threshold === undefined) throw new UsageError("-t/--threshold is required")
  const out = outputOption(o)
  const memory = memoryOption(o)
  const reportFile = reportOption(o)
  const threads = positiveInteger(o, "threads")
  const weighing = weightOptions(o)
  let summary: ClusterSummary | undefined
  const report = await run(
    pipe(
      readEmbeddings(positional[0], readOptions(o)),
      tiledCosine({ threshold: o.threshold as number, threads }),
      thresholdEdges(weighing),
      leidenRecursive(leidenOptions(o, (s) => (summary = s))),
      clusterSink(out, {
        command: commandLine("cluster", argv),
        input: positional[0],
        threshold: o.threshold as number,
        weight: weighing.weight ?? `1/(1 - min(s,1) + ${weighing.eps ?? DEFAULT_EPS})`,
        ...leidenProvenance(o),
      }),
    ),
    { memory, signal: env.signal, progress: env.progress },
  )
  saveReport(reportFile, "cluster", argv, report, summary?.sizes)
  printSummary("cluster", report, summary, out.file, reportFile, env)
}

/** The summary on stderr: clusters, sizes, quality, time, memory, where the output went. */
function printSummary(
  command: string,
  report: RunReport,
  s: ClusterSummary | undefined,
  out: string,
  reportFile: string | undefined,
  env: CommandEnv,
): void {
  if (!s) return
  const sizes = Array.from(s.sizes).sort((a, b) => b - a)
  const singletons = sizes.filter((x) => x === 1).length
  const median = sizes.length ? sizes[sizes.length >> 1] : 0
  env.log(
    `brook ${command}: ${s.nodes} nodes, ${s.edges} edges -> ${s.clusters} clusters ` +
      `(${s.topClusters} at the top level, depth ${s.depth}); ${s.objective} ${s.quality.toFixed(4)}`,
  )
  env.log(
    `  sizes: largest ${sizes.slice(0, 5).join(", ")}${sizes.length > 5 ? ", ..." : ""}; median ${median}; ` +
      `${singletons} of one node`,
  )
  env.log(
    `  time: ${report.seconds.toFixed(2)} s in all (edges in ${s.buildSeconds.toFixed(2)} s, ` +
      `Leiden ${s.clusterSeconds.toFixed(2)} s); memory: budget ${formatBytes(report.budget)}, ${memoryPeaks(report)}`,
  )
  env.log(
    `  wrote ${out === "-" ? "stdout" : out}${reportFile ? `; report (memory, timings, sizes) ${reportFile}` : ""}`,
  )
}
