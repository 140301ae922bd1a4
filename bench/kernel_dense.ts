/**
 * tiledCosine over EMB at threshold T with the int8 screen and the float32 FMA kernel: wall seconds of
 * each whole run and the pairs found (equal, or the run is wrong). usage: kernel_dense.ts EMB.npy T
 */
import { collect, pipe, readEmbeddings, run, tiledCosine } from "../mod.ts"
import type { KernelVariant } from "../operators/tiled_cosine/kernel.ts"

const [file, t] = process.argv.slice(2)
const runtime = "Deno" in globalThis ? "deno" : "bun"
for (const kernel of ["int8", "relaxed"] as KernelVariant[]) {
  const got = { batches: [] as { length: number }[] }
  const r = await run(
    pipe(readEmbeddings(file), tiledCosine({ threshold: Number(t), kernel }), collect(got)),
    { memory: "2GiB" },
  )
  const pairs = got.batches.reduce((a, b) => a + b.length, 0)
  console.log(`${runtime} ${kernel}: ${r.seconds.toFixed(2)} s, ${pairs} pairs`)
}
process.exit(0)
