// A user's Deno script: brook imported by its package name (from node_modules), a small pipeline run.
// usage: deno run -A user_deno.ts EMB.npy OUT.tsv
import { pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "brook"

const [input, out] = Deno.args
const report = await run(
  pipe(readEmbeddings(input), tiledCosine({ threshold: 0.8 }), thresholdEdges(), writeEdges(out)),
  { memory: "256MB" },
)
console.log(`deno: ${report.stages.length} stages, peak reserved ${report.peakReserved} B`)
