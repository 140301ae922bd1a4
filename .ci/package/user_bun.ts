// A user's Bun script: brook imported by its package name, pipelines built and run from a file and from
// vectors in memory. usage (in a project where brook is installed): bun user_bun.ts EMB.npy OUT.tsv
import { collect, type EdgeBatch, pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "brook"

const [input, out] = process.argv.slice(2)
const report = await run(
  pipe(readEmbeddings(input), tiledCosine({ threshold: 0.8 }), thresholdEdges(), writeEdges(out)),
  { memory: "256MB" },
)
// vectors held in memory: two near-duplicate pairs and two loners
const vectors = Float32Array.from([1, 0, 0, 0.99, 0.1, 0, 0, 1, 0, 0, 0.99, 0.1, 0, 0, 1, -1, 0, 0])
const edges: { batches: EdgeBatch[] } = { batches: [] }
await run(
  pipe(readEmbeddings({ vectors, dim: 3, ids: ["a", "b", "c", "d", "e", "f"] }), tiledCosine({ threshold: 0.9 }),
    thresholdEdges(), collect(edges)),
  { memory: "64MB" },
)
const pairs = edges.batches.flatMap((e) => Array.from(e.src, (s, k) => `${s}-${e.dst[k]}`)).sort()
if (pairs.join(" ") !== "0-1 2-3") throw new Error(`in-memory pairs: ${pairs.join(" ")}`)
console.log(`bun: ${report.stages.length} stages, peak reserved ${report.peakReserved} B; in memory: ${pairs.join(" ")}`)
