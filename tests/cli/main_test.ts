/** cli/main.ts: what brook says: plain (never coloured) lines, the user's file names, exit codes. */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { tempDir, writeNpy } from "../helpers.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const bin = path.join(root, "bin", "brook")
const dir = tempDir()
const emb = path.join(dir, "three.npy")
writeNpy(emb, 3, 2, [1, 0, 1, 0, 0, 1])
const hasScript = spawnSync("script", ["--version"]).status === 0
/** Colour escapes (SGR); the progress line's own erase-line escape is not one. */
const COLOUR = /\x1b\[[0-9;]*m/

for (const runtime of ["bun", "deno"]) {
  const env = { ...process.env, BROOK_RUNTIME: runtime }
  const brook = (...args: string[]) => spawnSync(bin, args, { encoding: "utf8", timeout: 60_000, env, cwd: dir })

  test.skipIf(!hasScript)(`${runtime}: on a terminal the summary is plain text, not coloured`, () => {
    // `script` gives brook a terminal for stdout and stderr, as a user's shell does
    const r = spawnSync("script", ["-qec", `${bin} edges ${emb} -t 0.5 -o ${path.join(dir, `tty-${runtime}.tsv`)}`, "/dev/null"], {
      encoding: "utf8",
      timeout: 60_000,
      env,
    })
    expect(r.status).toBe(0)
    expect(r.stdout).toContain("brook edges: ")
    expect(r.stdout).not.toMatch(COLOUR)
    const usage = spawnSync("script", ["-qec", `${bin} edges ${emb} -o x.json`, "/dev/null"], { encoding: "utf8", env })
    expect(usage.stdout).toContain("brook edges: -t/--threshold is required")
    expect(usage.stdout).not.toMatch(COLOUR)
  })

  test(`${runtime}: an output that cannot be written is refused up front, or named (never brook's temp name)`, () => {
    for (const ext of ["tsv", "csv", "parquet", "arrows"]) {
      const target = path.join(dir, "no-such-dir", `o.${ext}`)
      const r = brook("edges", emb, "-t", "0.5", "-o", target)
      expect([r.status, r.stderr]).toEqual([
        2,
        `brook edges: -o ${target}: the directory ${path.join(dir, "no-such-dir")} does not exist\n`,
      ])
    }
    const folder = path.join(dir, `folder-${runtime}.tsv`)
    fs.mkdirSync(folder)
    const r = brook("edges", emb, "-t", "0.5", "-o", folder)
    expect([r.status, r.stderr]).toEqual([2, `brook edges: -o ${folder} is a directory: name a file in it\n`])
    const pipe = spawnSync(
      "sh",
      ["-c", `${bin} read-embeddings three.npy | ${bin} tiled-cosine -t 0.5 | ${bin} threshold-edges | ${bin} write-parquet -o gone/p.parquet`],
      { encoding: "utf8", env, cwd: dir },
    )
    expect(pipe.stderr).toBe(`brook write-parquet: -o gone/p.parquet: the directory gone does not exist\n`)
    const fa = path.join(dir, "g.fa")
    fs.writeFileSync(fa, ">c\nACGTACGTAC\n")
    const archive = path.join(dir, "gone", "g.brk")
    const pack = brook("pack", "-o", archive, fa)
    expect([pack.status, pack.stderr]).toEqual([
      2,
      `brook pack: -o ${archive}: the directory ${path.join(dir, "gone")} does not exist\n`,
    ])
  })

  test(`${runtime}: --version and --help go to stdout, an unknown command to stderr with exit 2`, () => {
    const v = brook("-V")
    expect([v.status, v.stderr]).toEqual([0, ""])
    expect(v.stdout).toMatch(/^brook \d+\.\d+\.\d+/)
    const h = brook("--help")
    expect([h.status, h.stderr]).toEqual([0, ""])
    expect(h.stdout).toContain("usage: brook <command>")
    const u = brook("frobnicate")
    expect(u.status).toBe(2)
    expect(u.stderr.split("\n")[0]).toBe("brook: unknown command 'frobnicate'")
    expect(fs.existsSync(path.join(dir, "x.json"))).toBe(false)
  })
}
