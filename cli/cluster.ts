/**
 * `brook leiden` (edge file -> clusters) and `brook cluster` (embeddings -> clusters in one pipeline:
 * readEmbeddings -> tiledCosine -> thresholdEdges -> leidenRecursive -> clusters, no intermediate file).
 */
import { pipe } from "../core/pipe.ts"
import { run, type RunReport } from "../core/run.ts"
import { formatBytes } from "../core/size.ts"
import { type ClusterSummary, leidenRecursive } from "../operators/leiden/leiden_recursive.ts"
import type { Objective } from "../operators/leiden/leiden.ts"
import { thresholdEdges } from "../operators/threshold_edges.ts"
import { tiledCosine } from "../operators/tiled_cosine/tiled_cosine.ts"
import { readEdges } from "../sources/read_edges.ts"
import { readEmbeddings } from "../sources/read_embeddings/read_embeddings.ts"
import { writeClusters } from "../sinks/write_clusters.ts"
import { parseArgs, UsageError } from "./args.ts"
import type { CommandEnv } from "./main.ts"
import { reportHelp, reportOption, saveReport } from "./report_option.ts"

const LEIDEN_OPTIONS = `  --objective NAME     modularity (default) or cpm
  --resolution G       resolution gamma (default 1)
  --max-size N         re-cluster any cluster larger than N on its own subgraph (default: no recursion)
  --seed S             random seed (default 0); the same seed gives the same clusters on Deno and Bun
  --iterations K       Leiden iterations; -1: until an iteration moves no node (default: until three in a
                       row each gain less than 1e-4 in modularity: LEIDEN_TOLERANCE, LEIDEN_PATIENCE)
  --memory SIZE        memory budget, e.g. 512MB, 2GiB (default 1GiB)
${reportHelp(true)}
  --quiet              no progress or summary on stderr`

export const LEIDEN_HELP = `usage: brook leiden EDGES... --out FILE [options]

Clusters the graph in EDGES with Leiden (Traag et al. 2019), recursively when --max-size is given.
EDGES is TSV (\`i j [w]\` per line; integer ids are node numbers, anything else is an id string) or Parquet
(src, dst, weight) as \`brook edges\` writes it. Several files are read as one graph (the parts
that \`brook edges --shard i/k\` runs write). Output: TSV \`id<TAB>path\` per node (path like 3.1.4:
cluster numbers per level, 0 the largest) or Parquet (id, path, level, cluster_size).

options:
  --out FILE           .tsv, .parquet, or - for TSV on stdout (required)
  --nodes N            the graph has at least N nodes 0 .. N-1 (isolated ones become their own clusters)
${LEIDEN_OPTIONS}

example:
  brook leiden edges.parquet --max-size 1000 --seed 1 --out clusters.parquet`

export const CLUSTER_HELP = `usage: brook cluster EMB --threshold T --out FILE [options]

Embeddings to hierarchical clusters in one pipeline: the exact graph of pairs with cosine > T (weight
1/(1 - s + eps)), clustered by recursive Leiden. EMB is .npy or .parquet as for \`brook edges\`. Every row
gets a cluster (rows with no edge are clusters of one). Output as for \`brook leiden\`.

options:
  --threshold T        cosine threshold (required)
  --out FILE           .tsv, .parquet, or - for TSV on stdout (required)
  --threads N          tile workers (default: one per core)
  --weight EXPR        edge weight as a mathjs expression in s (default 1/(1-s+eps))
  --zero-vectors MODE  error (default) or skip
${LEIDEN_OPTIONS}

example:
  brook cluster emb.npy --threshold 0.8 --max-size 1000 --memory 512MB --out clusters.parquet`

const leidenSpec = {
  out: "string",
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
  if (o.out === undefined) throw new UsageError("--out is required (a .tsv or .parquet file, or - for stdout)")
  for (const k of ["max-size", "iterations"]) {
    const v = o[k] as number | undefined
    if (v !== undefined && !(Number.isInteger(v) && (v >= 1 || (k === "iterations" && v === -1)))) {
      throw new UsageError(`--${k} must be a positive integer${k === "iterations" ? " or -1" : ""}`)
    }
  }
  return {
    objective: objective as Objective,
    resolution: o.resolution as number | undefined,
    maxSize: o["max-size"] as number | undefined,
    seed: o.seed as number | undefined,
    iterations: o.iterations as number | undefined,
    onResult,
  }
}

export async function leidenCommand(argv: string[], env: CommandEnv): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) return console.log(LEIDEN_HELP)
  const { positional, options: o } = parseArgs(argv, { ...leidenSpec, nodes: "number" })
  if (positional.length === 0) throw new UsageError(`expected an edge file\n\n${LEIDEN_HELP}`)
  const reportFile = reportOption(o)
  let summary: ClusterSummary | undefined
  const report = await run(
    pipe(
      readEdges(positional),
      leidenRecursive({ ...leidenOptions(o, (s) => (summary = s)), nodes: o.nodes as number | undefined }),
      writeClusters(o.out as string),
    ),
    { memory: o.memory as string | undefined, signal: env.signal, progress: env.progress },
  )
  saveReport(reportFile, "leiden", argv, report, summary?.sizes)
  printSummary("leiden", report, summary, o.out as string, reportFile, env)
}

export async function clusterCommand(argv: string[], env: CommandEnv): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) return console.log(CLUSTER_HELP)
  const { positional, options: o } = parseArgs(argv, {
    ...leidenSpec,
    threshold: "number",
    threads: "number",
    weight: "string",
    "zero-vectors": "string",
  })
  if (positional.length !== 1) {
    throw new UsageError(`expected one embedding file, got ${positional.length}\n\n${CLUSTER_HELP}`)
  }
  if (o.threshold === undefined) throw new UsageError("--threshold is required")
  const reportFile = reportOption(o)
  const zero = (o["zero-vectors"] ?? "error") as string
  if (zero !== "error" && zero !== "skip") throw new UsageError("--zero-vectors must be error or skip")
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && (o.threads as number) >= 1)) {
    throw new UsageError("--threads must be a positive integer")
  }
  let summary: ClusterSummary | undefined
  const report = await run(
    pipe(
      readEmbeddings(positional[0], { zeroVectors: zero as "error" | "skip" }),
      tiledCosine({ threshold: o.threshold as number, threads: o.threads as number | undefined }),
      thresholdEdges({ weight: o.weight as string | undefined }),
      leidenRecursive(leidenOptions(o, (s) => (summary = s))),
      writeClusters(o.out as string),
    ),
    { memory: o.memory as string | undefined, signal: env.signal, progress: env.progress },
  )
  saveReport(reportFile, "cluster", argv, report, summary?.sizes)
  printSummary("cluster", report, summary, o.out as string, reportFile, env)
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
  const rss = process.resourceUsage().maxRSS * 1024
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
      `Leiden ${s.clusterSeconds.toFixed(2)} s); memory: budget ${formatBytes(report.budget)}, peak reserved ${
        formatBytes(report.peakReserved)
      }, peak RSS ${formatBytes(rss)}`,
  )
  env.log(
    `  wrote ${out === "-" ? "stdout" : out}${reportFile ? `; report (memory, timings, sizes) ${reportFile}` : ""}`,
  )
}
