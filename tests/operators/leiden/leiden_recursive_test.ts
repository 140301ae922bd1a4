/** leidenRecursive in pipelines: one-pipeline clustering equals edges-then-leiden; sinks; errors; budget. */
import { describe, expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import * as fs from "node:fs"
import * as path from "node:path"
import {
  leidenRecursive,
  pipe,
  readEdges,
  readEmbeddings,
  run,
  thresholdEdges,
  tiledCosine,
  writeClusters,
  writeEdges,
} from "../../../mod.ts"
import { lines, spawnSyncGroup, tempDir, writeNpy } from "../../helpers.ts"
import { Rng } from "../../../operators/leiden/random.ts"

const dir = tempDir()
const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "..")
const fixtures = path.join(root, "tests", "fixtures", "parquet")

/** Clustered unit vectors: `groups` centres, members within a small angle, some loners. */
function clusteredEmbeddings(file: string, rows: number, dim: number, groups: number, seed: number): void {
  const rng = new Rng(seed)
  const centres = Array.from({ length: groups }, () => Array.from({ length: dim }, () => rng.next() - 0.5))
  const values = new Float32Array(rows * dim)
  for (let r = 0; r < rows; r++) {
    const c = centres[rng.below(groups)]
    const spread = r % 10 === 0 ? 3 : 0.12
    for (let k = 0; k < dim; k++) values[r * dim + k] = c[k] + spread * (rng.next() - 0.5)
  }
  writeNpy(file, rows, dim, values)
}

const emb = path.join(dir, "emb.npy")
clusteredEmbeddings(emb, 3000, 24, 40, 5)

describe("brook cluster as one pipeline", () => {
  test("equals edges written to a file and clustered from it (TSV and Parquet edges)", async () => {
    const direct = path.join(dir, "direct.tsv")
    await run(
      pipe(
        readEmbeddings(emb),
        tiledCosine({ threshold: 0.8 }),
        thresholdEdges(),
        leidenRecursive({ maxSize: 30, seed: 3 }),
        writeClusters(direct),
      ),
      { memory: "256MB" },
    )
    for (const ext of ["tsv", "parquet"]) {
      const edges = path.join(dir, `edges.${ext}`)
      await run(pipe(readEmbeddings(emb), tiledCosine({ threshold: 0.8 }), thresholdEdges(), writeEdges(edges)))
      const viaFile = path.join(dir, `via-${ext}.tsv`)
      await run(pipe(readEdges(edges), leidenRecursive({ maxSize: 30, seed: 3, nodes: 3000 }), writeClusters(viaFile)))
      expect(lines(viaFile)).toEqual(lines(direct))
    }
    const rows = lines(direct).map((l) => l.split("\t"))
    expect(rows.length).toBe(3000)
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 3000 }, (_, k) => String(k)))
    // recursion happened and every leaf is at most 30 nodes unless it would not split
    expect(rows.some((r) => r[3].includes("."))).toBe(true)
  })

  test("Parquet clusters read by DuckDB agree with the TSV: cluster, top, path, level and size", async () => {
    const tsv = path.join(dir, "c.tsv"), pq = path.join(dir, "c.parquet")
    let summary: { clusters: number } | undefined
    for (const out of [tsv, pq]) {
      await run(
        pipe(
          readEmbeddings(emb),
          tiledCosine({ threshold: 0.85 }),
          thresholdEdges(),
          leidenRecursive({ maxSize: 25, seed: 1, onResult: (s) => (summary = s) }),
          writeClusters(out),
        ),
      )
    }
    const db = await DuckDBInstance.create(":memory:")
    const c = await db.connect()
    const rows = (await c.runAndReadAll(
      `select id::varchar as id, cluster::integer as cluster, top::integer as top, path, level, size::integer as size,
        typeof(id) as t from read_parquet('${pq}')`,
    )).getRowObjects() as Array<
      { id: string; cluster: number; top: number; path: string; level: number; size: number; t: string }
    >
    const text = lines(tsv).map((l) => l.split("\t"))
    expect(rows.length).toBe(text.length)
    expect(rows[0].t).toBe("BIGINT")
    const count = new Map<string, number>()
    for (const r of text) count.set(r[3], (count.get(r[3]) ?? 0) + 1)
    const clusterOf = new Map<string, number>()
    rows.forEach((r, k) => {
      expect([r.id, r.cluster, r.top, r.path, r.level, r.size].map(String)).toEqual(text[k])
      expect(r.level).toBe(r.path.split(".").length - 1)
      expect(r.size).toBe(count.get(r.path)!)
      expect(r.top).toBe(Number(r.path.split(".")[0]))
      expect(clusterOf.get(r.path) ?? r.cluster).toBe(r.cluster)
      clusterOf.set(r.path, r.cluster)
    })
    expect(count.size).toBe(summary!.clusters)
    // one number per leaf, 0.. in path order (depth first)
    expect(new Set(clusterOf.values()).size).toBe(count.size)
    expect(Math.max(...clusterOf.values())).toBe(count.size - 1)
  })

  test("string ids from a Parquet embedding file label the clusters", async () => {
    const out = path.join(dir, "ids.tsv")
    await run(
      pipe(
        readEmbeddings(path.join(fixtures, "list_float_zstd.parquet")),
        tiledCosine({ threshold: 0.99 }),
        thresholdEdges(),
        leidenRecursive(),
        writeClusters(out),
      ),
    )
    const ids = lines(out).map((l) => l.split("\t")[0])
    expect(ids.length).toBe(37)
    expect(ids.every((id) => !/^\d+$/.test(id))).toBe(true)
  })
})

describe("readEdges and leidenRecursive errors", () => {
  const edgeFile = (name: string, text: string) => {
    const f = path.join(dir, name)
    fs.writeFileSync(f, text)
    return f
  }
  const cluster = (file: string, memory?: string, out = path.join(dir, "out.tsv")) =>
    run(pipe(readEdges(file), leidenRecursive(), writeClusters(out)), { memory })

  test("string ids are interned and come back", async () => {
    const f = edgeFile("names.tsv", "# comment\nalice\tbob\t2\nbob carol\ncarol\talice\ndave\terin\n")
    const out = path.join(dir, "names-out.tsv")
    await cluster(f, undefined, out)
    // id, cluster, top, path, level, size
    expect(lines(out)).toEqual([
      "alice\t0\t0\t0\t0\t3",
      "bob\t0\t0\t0\t0\t3",
      "carol\t0\t0\t0\t0\t3",
      "dave\t1\t1\t1\t0\t2",
      "erin\t1\t1\t1\t0\t2",
    ])
  })

  test("several edge files are one graph (shard parts), and their id kinds must agree", async () => {
    const whole = edgeFile("whole.tsv", "0\t1\n1\t2\n0\t2\n3\t4\n4\t5\n3\t5\n2\t3\n")
    const a = edgeFile("part-a.tsv", "0\t1\n1\t2\n0\t2\n3\t4\n")
    const b = edgeFile("part-b.tsv", "4\t5\n3\t5\n2\t3\n")
    const one = path.join(dir, "whole-out.tsv"), two = path.join(dir, "parts-out.tsv")
    await run(pipe(readEdges(whole), leidenRecursive(), writeClusters(one)))
    await run(pipe(readEdges([a, b]), leidenRecursive(), writeClusters(two)))
    expect(lines(two)).toEqual(lines(one))
    const named = edgeFile("named.tsv", "x\ty\n")
    await expect(run(pipe(readEdges([a, named]), leidenRecursive(), writeClusters(two)))).rejects.toThrow(
      "its ids are strings",
    )
  })

  test("a malformed line names the file and the line", async () => {
    const f = edgeFile("bad.tsv", "0\t1\n1\t2\t0.5\n3\n")
    await expect(cluster(f)).rejects.toThrow(`${f} (row 3, byte offset 12)`)
  })

  test("a negative weight, and a string id among integer ids, are rejected", async () => {
    await expect(cluster(edgeFile("neg.tsv", "0\t1\t-2\n"))).rejects.toThrow("row 1")
    await expect(cluster(edgeFile("mixed.tsv", "0\t1\n1\tx\n"))).rejects.toThrow("row 2")
  })

  test("a missing file and a Parquet file without src/dst are InvalidInput", async () => {
    await expect(cluster(path.join(dir, "nope.tsv"))).rejects.toThrow("no such file")
    await expect(cluster(path.join(fixtures, "list_float_zstd.parquet"))).rejects.toThrow('no "src" column')
  })

  test("an edge file too big for the budget is refused before any output, naming the bytes", async () => {
    const rng = new Rng(1)
    let text = ""
    for (let k = 0; k < 200_000; k++) text += `${rng.below(50_000)}\t${rng.below(50_000)}\n`
    const f = edgeFile("big.tsv", text)
    const out = path.join(dir, "big-out.tsv")
    const err = await cluster(f, "8MB", out).catch((e) => e)
    expect(err._tag).toBe("BudgetExceeded")
    expect(err.message).toContain("leidenRecursive needs")
    expect(fs.existsSync(out)).toBe(false)
  })
})

describe("cancelling a clustering", () => {
  test("an abort during recursive Leiden stops it at its next pause: Cancelled, no output, no temp file", async () => {
    const sub = path.join(dir, "cancel")
    fs.mkdirSync(sub, { recursive: true })
    const clusterWith = (out: string, onSplit: (done: number) => void, signal?: AbortSignal) =>
      run(
        pipe(
          readEmbeddings(emb),
          tiledCosine({ threshold: 0.8 }),
          thresholdEdges(),
          leidenRecursive({ maxSize: 5, seed: 3, pauseMs: 0 }),
          writeClusters(out),
        ),
        {
          memory: "256MB",
          signal,
          progress: {
            update: (_stage, u) => void (u.unit === "clusters split" && onSplit(u.done)),
            finish: () => {},
          },
        },
      )
    let whole = 0
    await clusterWith(path.join(sub, "whole.tsv"), () => whole++)
    expect(whole).toBeGreaterThan(20) // sub-problems a cancelled run must not all solve

    const controller = new AbortController()
    let after = 0
    const out = path.join(sub, "cancelled.tsv")
    const err = await clusterWith(out, () => {
      if (controller.signal.aborted) after++
      else controller.abort(new Error("interrupted (test)"))
    }, controller.signal).catch((e) => e)
    expect(err._tag).toBe("Cancelled")
    expect(after).toBeLessThan(3)
    expect(fs.readdirSync(sub).sort()).toEqual(["whole.tsv"])
  })
})

describe("brook leiden / brook cluster commands", () => {
  const brook = (...args: string[]) =>
    spawnSyncGroup(path.join(root, "bin", "brook"), [...args])

  test("leiden on a TSV edge list writes clusters to stdout", () => {
    const f = path.join(dir, "two.tsv")
    fs.writeFileSync(f, "0 1\n1 2\n0 2\n3 4\n4 5\n3 5\n2 3\n")
    const r = brook("leiden", f, "--out", "-", "--quiet")
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(
      "0\t0\t0\t0\t0\t3\n1\t0\t0\t0\t0\t3\n2\t0\t0\t0\t0\t3\n3\t1\t1\t1\t0\t3\n4\t1\t1\t1\t0\t3\n5\t1\t1\t1\t0\t3\n",
    )
  })

  test("cluster prints a summary; usage errors exit 2; --help has an example", () => {
    const out = path.join(dir, "cli.parquet")
    const r = brook("cluster", emb, "--threshold", "0.8", "--max-size", "50", "--memory", "256MB", "--out", out)
    expect(r.status).toBe(0)
    expect(r.stderr).toContain("clusters")
    expect(r.stderr).toContain("modularity")
    expect(r.stderr).toMatch(/peak reserved [\d.]+ [KMG]iB, sampled RSS peak [\d.]+ [KMG]iB at [\d.]+ s/)
    expect(fs.existsSync(out)).toBe(true)
    expect(brook("cluster", emb, "--out", out).status).toBe(2)
    expect(brook("leiden", "x.tsv", "--out", "-", "--objective", "louvain").status).toBe(2)
    expect(brook("leiden", "x.tsv", "--out", "-", "--max-size", "0").status).toBe(2)
    for (const c of ["cluster", "leiden"]) expect(brook(c, "--help").stdout).toContain("example:")
  })

  test("a bad edge file exits 1 with one line naming it", () => {
    const f = path.join(dir, "cli-bad.tsv")
    fs.writeFileSync(f, "0 1\nzero\n")
    const r = brook("leiden", f, "--out", "-")
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split("\n").length).toBe(1)
    expect(r.stderr).toContain(f)
  })
})
