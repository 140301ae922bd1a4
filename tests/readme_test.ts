/**
 * README.md: the command examples of its shell blocks run as written (on small data under the names they use),
 * exit 0. Synopses (with [optional] parts or ...) and non-brook lines (npm) are not examples and are skipped.
 */
import { expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { randomValues, tempDir, writeNpy } from "./helpers.ts"
import { fasta, mutate, randomBases, rng } from "./operators/segment_pack/genomes.ts"
import { SHARED_EXODUS } from "./ncdump.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..")

/** Command lines of the README's sh/bash/plain blocks: continuations joined, comments dropped, examples only. */
export function readmeCommands(text: string): string[] {
  const out: string[] = []
  let fence: string | undefined
  let pending = ""
  for (const line of text.split("\n")) {
    const open = /^```(\w*)\s*$/.exec(line)
    if (open) {
      fence = fence === undefined ? open[1] : undefined
      continue
    }
    if (fence === undefined || !["", "sh", "bash"].includes(fence)) continue
    const joined = pending + line.trim()
    if (joined.endsWith("\\")) {
      pending = joined.slice(0, -1) + " "
      continue
    }
    pending = ""
    const command = joined.replace(/\s+#\s.*$/, "").trim()
    if (!/^(\.\/)?brook\s/.test(command) || command.includes("[") || command.includes("...")) continue
    out.push(command)
  }
  return out
}

const commands = readmeCommands(fs.readFileSync(path.join(root, "README.md"), "utf8"))
const exodus = path.join(SHARED_EXODUS, "8-block.g")

test("the README has command examples for edges, cluster, the pipe stages, exodus", () => {
  for (const c of ["brook edges", "brook cluster", "brook read-embeddings", "brook exodus to-parquet", "brook pack"]) {
    expect(commands.some((x) => x.replace(/^\.\//, "").startsWith(c))).toBe(true)
  }
})

test.skipIf(!fs.existsSync(exodus))("every command example in README.md runs as written (on Bun and Deno)", async () => {
  const dir = tempDir()
  writeNpy(path.join(dir, "emb.npy"), 300, 16, randomValues(300 * 16, 11))
  const c = await (await DuckDBInstance.create(":memory:")).connect()
  await c.run(
    `copy (select 'doc-' || i as id, [sin(i), cos(i), sin(2 * i), cos(3 * i)]::float[] as vec from range(300) t(i))
      to '${path.join(dir, "emb.parquet")}' (format parquet)`,
  )
  fs.copyFileSync(exodus, path.join(dir, "results.exo"))
  // a genome collection: the reference and three haplotypes, contigs chr1 and chr2 each
  const chr = [randomBases(3000, rng(1)), randomBases(2500, rng(2))]
  const genome = (k: number) => fasta(chr.map((c, i) => [`chr${i + 1}`, k ? mutate(c, rng(10 + k)) : c] as [string, string]))
  fs.writeFileSync(path.join(dir, "ref.fa"), genome(0))
  fs.writeFileSync(path.join(dir, "hap001.fa.gz"), zlib.gzipSync(genome(1)))
  fs.writeFileSync(path.join(dir, "hap002.fa"), genome(2))
  fs.writeFileSync(path.join(dir, "hap003.fa"), genome(3))
  // `brook` on PATH, and `./brook` where a script calls it so
  const bin = path.join(dir, "bin")
  fs.mkdirSync(bin)
  fs.symlinkSync(path.join(root, "bin", "brook"), path.join(bin, "brook"))
  fs.symlinkSync(path.join(root, "bin", "brook"), path.join(dir, "brook"))
  for (const runtime of ["bun", "deno"]) {
    for (const command of commands) {
      const r = spawnSync("bash", ["-o", "pipefail", "-c", command], {
        cwd: dir,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, BROOK_RUNTIME: runtime, SLURM_ARRAY_TASK_ID: "3" },
      })
      expect({ runtime, command, status: r.status, stderr: r.status ? r.stderr : "" }).toEqual({
        runtime,
        command,
        status: 0,
        stderr: "",
      })
    }
    // the outputs go, the inputs stay for the other runtime
    const inputs = ["emb.npy", "emb.parquet", "results.exo", "bin", "brook", "ref.fa", "hap001.fa.gz", "hap002.fa", "hap003.fa"]
    for (const f of fs.readdirSync(dir)) if (!inputs.includes(f)) fs.rmSync(path.join(dir, f), { recursive: true })
  }
}, 600_000)
