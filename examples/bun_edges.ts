/**
 * brook as a library on Bun: the cosine graph of a small embedding file, collected in memory.
 * usage: npx bun examples/bun_edges.ts [EMB.npy]   (without an argument it writes a 6-row example)
 */
import { collect, type EdgeBatch, pipe, readEmbeddings, run, thresholdEdges, tiledCosine } from "../mod.ts"

const input = Bun.argv[2] ?? `${process.env.TMPDIR ?? "/tmp"}/brook-bun-example.npy`
if (!Bun.argv[2]) await Bun.write(input, npy([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99], [-1, 0], [-1, 0.05]]))

const edges: { batches: EdgeBatch[] } = { batches: [] }
const report = await run(
  pipe(readEmbeddings(input), tiledCosine({ threshold: 0.9, threads: 2 }), thresholdEdges(), collect(edges)),
  { memory: "64MB" },
)
for (const e of edges.batches) {
  for (let x = 0; x < e.length; x++) console.log(`${e.src[x]}\t${e.dst[x]}\t${e.weight[x].toPrecision(6)}`)
}
console.log(`bun: ${edges.batches.reduce((n, e) => n + e.length, 0)} edges, peak reserved ${report.peakReserved} B`)

/** A float32 .npy file (format version 1) holding `rows`. */
function npy(rows: number[][]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${rows[0].length}), }`
  header = header.padEnd(64 - 10 - 1) + "\n"
  const head = new Uint8Array([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, header.length, 0])
  const body = new Uint8Array(Float32Array.from(rows.flat()).buffer)
  return new Uint8Array([...head, ...new TextEncoder().encode(header), ...body])
}
