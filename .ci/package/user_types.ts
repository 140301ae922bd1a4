// A user's file, type-checked with `tsc --strict` against brook's published .d.ts (nothing else installed).
import {
  BudgetExceeded,
  type EdgeBatch,
  InvalidInput,
  pipe,
  readEmbeddings,
  run,
  type RunReport,
  thresholdEdges,
  tiledCosine,
  writeEdges,
} from "brook"

export async function edges(file: string, out: string): Promise<RunReport> {
  try {
    return await run(pipe(readEmbeddings(file), tiledCosine({ threshold: 0.8 }), thresholdEdges(), writeEdges(out)), {
      memory: "512MB",
      signal: AbortSignal.timeout(60_000),
    })
  } catch (e) {
    if (e instanceof InvalidInput || e instanceof BudgetExceeded) throw new Error(`brook: ${e.message}`)
    throw e
  }
}

export const weightOf = (batch: EdgeBatch, k: number): number => batch.weight[k]
