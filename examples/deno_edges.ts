/**
 * brook as a library on Deno: the cosine graph of a small embedding file, written as TSV.
 * usage: npx deno run -A examples/deno_edges.ts [EMB.npy] [OUT.tsv]   (without arguments: a 6-row example)
 */
import { pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "../mod.ts"

const tmp = Deno.env.get("TMPDIR") ?? "/tmp"
const input = Deno.args[0] ?? `${tmp}/brook-deno-example.npy`
const output = Deno.args[1] ?? `${tmp}/brook-deno-example.tsv`
if (!Deno.args[0]) await Deno.writeFile(input, npy([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99], [-1, 0], [-1, 0.05]]))

const report = await run(
  pipe(readEmbeddings(input), tiledCosine({ threshold: 0.9, threads: 2 }), thresholdEdges(), writeEdges(output)),
  { memory: "64MB" },
)
console.log(await Deno.readTextFile(output))
console.log(`deno: wrote ${output}, peak reserved ${report.peakReserved} B`)

/** A float32 .npy file (format version 1) holding `rows`. */
function npy(rows: number[][]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${rows[0].length}), }`
  header = header.padEnd(64 - 10 - 1) + "\n"
  const head = new Uint8Array([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, header.length, 0])
  const body = new Uint8Array(Float32Array.from(rows.flat()).buffer)
  return new Uint8Array([...head, ...new TextEncoder().encode(header), ...body])
}
