/**
 * Kernel throughput on all cores, per variant: tiledCosine over N x D rows at a threshold high
 * enough that the screen, not the output, dominates. Prints effective float32 GFLOPS
 * (upper triangle: n(n-1)/2 pairs x 2D flops). usage: kernel.ts EMB.npy [THRESHOLD=0.99] [THREADS]
 */
import { collect, pipe, readEmbeddings, run, tiledCosine } from "../mod.ts"
import type { KernelVariant } from "../operators/tiled_cosine/kernel.ts"
import { openNpy } from "../formats/npy.ts"

const [file, tText, threadsText] = process.argv.slice(2)
const npy = openNpy(file)
npy.close()
const flops = (npy.rows * (npy.rows - 1)) / 2 * 2 * npy.dim
const runtime = "Deno" in globalThis ? "deno" : "bun"
for (const kernel of ["int8", "relaxed", "simd"] as KernelVariant[]) {
  const times: number[] = []
  for (let rep = 0; rep < 3; rep++) {
    const report = await run(
      pipe(
        readEmbeddings(file),
        tiledCosine({
          threshold: Number(tText ?? 0.99),
          kernel,
          threads: threadsText ? Number(threadsText) : undefined,
        }),
        collect({ batches: [] }),
      ),
      { memory: "2GiB" },
    )
    times.push(report.seconds)
  }
  const best = Math.min(...times)
  console.log(
    `${runtime} ${kernel}: best of 3 ${best.toFixed(2)} s, ${(flops / best / 1e9).toFixed(1)} GFLOPS (f32-equivalent)`,
  )
}
process.exit(0)
