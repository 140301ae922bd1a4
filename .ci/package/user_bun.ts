// A user's Bun script: brook imported by its package name, a small pipeline built and run.
// usage (in a project where brook is installed): bun user_bun.ts EMB.npy OUT.tsv
import { collect, type EdgeBatch, pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "brook"

const [input, out] = process.argv.slice(2)
const edges: { batches: EdgeBatch[] } = { batches: [] }
await run(pipe(readEmbeddings(input), tiledCosine({ threshold: 0.8 }), thresholdEdges(), collect(edges)), {
  memory: "256MB",
})
const report = await run(
  pipe(readEmbeddings(input), tiledCosine({ threshold: 0.8 }), thresholdEdges(), writeEdges(out)),
  { memory: "256MB" },
)
const count = edges.batches.reduce((n, e) => n + e.length, 0)
console.log(`bun: ${count} edges collected, ${report.stages.length} stages, peak reserved ${report.peakReserved} B`)
