/**
 * The cosine-similarity graph of an embedding file, as a library call.
 * usage: bun examples/edges.ts [EMB.npy] [OUT.tsv]   (or: deno run -A examples/edges.ts ...)
 * Without arguments it makes a small random set in the temp directory.
 */
import * as os from "node:os"
import * as path from "node:path"
import { formatBytes, pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "../mod.ts"
import { randomValues, writeNpy } from "../tests/helpers.ts"

let [input, output] = process.argv.slice(2)
if (!input) {
  input = path.join(os.tmpdir(), "brook-example.npy")
  writeNpy(input, 2000, 64, randomValues(2000 * 64, 42))
}
output ??= path.join(os.tmpdir(), "brook-example-edges.tsv")

const report = await run(
  pipe(readEmbeddings(input), tiledCosine({ threshold: 0.3 }), thresholdEdges(), writeEdges(output)),
  { memory: "256MB" },
)
console.log(`wrote ${output} in ${report.seconds.toFixed(2)} s; peak reserved ${formatBytes(report.peakReserved)}`)
for (const s of report.stages) console.log(`  ${s.name}: ${formatBytes(s.peakReserved)} ${s.plan.notes ?? ""}`)
