/**
 * leidenRecursive: edges in, clusters out. Builds the CSR from the edge stream under the budget, runs
 * recursive Leiden once the stream ends, and emits ClusterBatch rows for every node in node order.
 *
 * Memory: the CSR build peaks at 24 B per edge plus 8 B per node, then the CSR holds 16 B per edge plus
 * 4 B per node and Leiden adds LEIDEN_BYTES_PER_NODE (36) per node (plus aggregate graphs, reserved when
 * built): the plan, max(24m + 8n, 16m + 40n), stays within 24 B per edge plus 40 B per node on every graph.
 * When the edge count is known up front (edge files) the whole plan is checked before any data moves;
 * from a live edge stream (`brook cluster`) the node part is checked up front and edges are reserved as
 * they arrive, failing with BudgetExceeded (what was needed, what was left) the moment they do not fit.
 */
import * as Effect from "effect/Effect"
import type { ClusterBatch, EdgeBatch, StreamInfo } from "../../core/batches.ts"
import { allowance } from "../../core/budget.ts"
import { Cancelled, InvalidInput, InvalidOption } from "../../core/errors.ts"
import type { Transform } from "../../core/operator.ts"
import { Progress } from "../../core/progress.ts"
import { collectGarbageNow } from "../../core/gc.ts"
import { CHUNK_EDGES, CsrBuilder } from "../../graph/csr_builder.ts"
import { csrBytes } from "../../graph/csr.ts"
import { LEIDEN_BYTES_PER_NODE, type Objective } from "./leiden.ts"
import { type Clustering, clusterSteps } from "./recursive.ts"

export interface LeidenRecursiveOptions {
  readonly objective?: Objective
  readonly resolution?: number
  readonly maxSize?: number
  readonly seed?: number
  readonly iterations?: number
  readonly randomness?: number
  /** Nodes 0 .. n-1 at least (default: the rows upstream, else the highest id + 1). */
  readonly nodes?: number
  readonly keepSelfLoops?: boolean
  /** Receives the summary once clustering is done. */
  readonly onResult?: (summary: ClusterSummary) => void
  /**
   * Clustering gives the event loop a turn at the first pause (after a Leiden iteration, or between
   * sub-problems) once this many milliseconds have passed since the last turn (default 100): that is
   * when a cancelled run (Ctrl-C, AbortSignal) stops it.
   */
  readonly pauseMs?: number
}

export interface ClusterSummary {
  readonly nodes: number
  readonly edges: number
  readonly clusters: number
  readonly topClusters: number
  /** Modularity (or CPM quality) of the top level on the whole graph. */
  readonly quality: number
  readonly objective: Objective
  readonly depth: number
  readonly sizes: Uint32Array
  readonly buildSeconds: number
  readonly clusterSeconds: number
}

/** Nodes per emitted ClusterBatch. */
const OUT_BATCH = 1 << 16

/** Bytes for a graph of n nodes and m edges: the larger of the build peak and CSR + Leiden state. */
export const leidenPlanBytes = (n: number, m: number): number =>
  Math.max(24 * m + 8 * (n + 1), csrBytes(n, 2 * m) + LEIDEN_BYTES_PER_NODE * n) + OUT_BATCH * 8

export function leidenRecursive(options: LeidenRecursiveOptions = {}): Transform<EdgeBatch, ClusterBatch> {
  const name = "leidenRecursive"
  const nodesOf = (info: StreamInfo) => Math.max(options.nodes ?? 0, info.rows ?? 0, info.ids?.length ?? 0)
  return {
    kind: "transform",
    name,
    weight: 0.1,
    describe: (up) =>
      Effect.gen(function* () {
        const r = options.resolution ?? 1
        if (!(r >= 0) || !Number.isFinite(r)) {
          return yield* new InvalidOption({ option: "resolution", reason: `${r} must be a finite number >= 0` })
        }
        const max = options.maxSize
        if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
          return yield* new InvalidOption({ option: "max-size", reason: `${max} must be a positive integer` })
        }
        return up
      }),
    minimum: (info) => leidenPlanBytes(nodesOf(info), info.edges ?? CHUNK_EDGES),
    // what is known up front is reserved up front; edges of a live stream are reserved as they arrive, from
    // what the other stages' plans leave (hence the small weight: the rest of the share stays unreserved)
    plan: (_share, info) => Effect.succeed({ bytes: leidenPlanBytes(nodesOf(info), info.edges ?? CHUNK_EDGES) }),
    make: (plan, info) =>
      Effect.gen(function* () {
        const progress = yield* Progress
        // allocations are drawn from the plan first, then from what the budget has left
        const graph = yield* allowance(name, plan.bytes)
        const reserve = (bytes: number, what = "graph") =>
          graph.take(bytes, `${what} after ${builder.edges} edges; give --memory more room`)
        const release = (bytes: number) => graph.give(bytes)
        // the run's scope closes on success, failure or cancellation; a clustering still going then stops
        let closed = false
        yield* Effect.addFinalizer(() => Effect.sync(() => void (closed = true)))
        const builder = new CsrBuilder({ keepSelfLoops: options.keepSelfLoops, reserve, release })
        const t0 = performance.now()
        let seen = 0
        return new TransformStream<EdgeBatch, ClusterBatch>({
          transform(e) {
            try {
              builder.add(e.src, e.dst, e.weight, e.length)
            } catch (err) {
              if (err instanceof RangeError) {
                throw new InvalidInput({ file: info.file ?? "edges", row: seen, reason: err.message })
              }
              throw err
            }
            seen += e.length
            progress.update(name, { done: seen, total: info.edges, unit: "edges" })
          },
          async flush(controller) {
            const n = nodesOf(info)
            // what the stages before this one dropped when they finished (tiledCosine's shared memory, its
            // workers' heaps) goes before the graph is built in its place
            await new Promise((resolve) => setTimeout(resolve, 0))
            collectGarbageNow(true)
            const g = builder.build(n)
            // the edge chunks and the half CSR are garbage now: give their memory back before Leiden allocates
            collectGarbageNow(true)
            const t1 = performance.now()
            reserve(LEIDEN_BYTES_PER_NODE * g.n, "Leiden state")
            release(LEIDEN_BYTES_PER_NODE * g.n)
            const steps = clusterSteps(g, {
              objective: options.objective,
              resolution: options.resolution,
              maxSize: options.maxSize,
              seed: options.seed,
              iterations: options.iterations,
              randomness: options.randomness,
              reserve: (b) => reserve(b, "Leiden state"),
              release,
              onStep: (done, total) => progress.update(name, { done, total, unit: "clusters split" }),
            })
            const pauseMs = options.pauseMs ?? 100
            let result: Clustering, turn = performance.now()
            for (;;) {
              const step = steps.next()
              if (step.done) {
                result = step.value
                break
              }
              if (performance.now() - turn < pauseMs) continue
              await new Promise((resolve) => setTimeout(resolve, 0))
              if (closed) throw new Cancelled({ reason: "the run ended while clustering" })
              turn = performance.now()
            }
            const t2 = performance.now()
            collectGarbageNow(true)
            for (let a = 0; a < g.n; a += OUT_BATCH) {
              const count = Math.min(OUT_BATCH, g.n - a)
              const node = new Uint32Array(count)
              for (let k = 0; k < count; k++) node[k] = a + k
              controller.enqueue({
                node,
                cluster: result.leaf.slice(a, a + count),
                length: count,
                clusters: result.table,
              })
            }
            options.onResult?.({
              nodes: g.n,
              edges: g.targets.length / 2,
              clusters: result.table.paths.length,
              topClusters: result.topCommunities,
              quality: result.topQuality,
              objective: options.objective ?? "modularity",
              depth: result.depth,
              sizes: result.table.size,
              buildSeconds: (t1 - t0) / 1000,
              clusterSeconds: (t2 - t1) / 1000,
            })
          },
        })
      }),
  }
}
