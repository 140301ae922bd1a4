/** `brook edges` as users run it: exit codes, one-line errors, stdout output. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { randomValues, SLOW_TEST, spawnSyncGroup, tempDir, writeNpy } from "../helpers.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const dir = tempDir()
const brook = (...args: string[]) =>
  spawnSyncGroup(path.join(root, "bin", "brook"), ["edges", ...args])

test("success writes TSV to stdout and exits 0", () => {
  const file = path.join(dir, "ok.npy")
  writeNpy(file, 3, 2, [1, 0, 1, 0, 0, 1])
  const r = brook(file, "--threshold", "0.5", "--out", "-", "--quiet")
  expect(r.status).toBe(0)
  expect(r.stdout).toBe("0\t1\t1000000\t1\n")
})

test("usage errors exit 2", () => {
  expect(brook("--threshold", "0.5", "--out", "-").status).toBe(2)
  expect(brook("x.npy", "--out", "-").status).toBe(2)
  expect(brook("x.npy", "--threshold", "abc", "--out", "-").status).toBe(2)
  expect(brook("x.npy", "--threshold", "0.5", "--out", "-", "--bogus").status).toBe(2)
}, SLOW_TEST)

test("bad input exits 1 with one line naming the file and the row", () => {
  const file = path.join(dir, "nan.npy")
  writeNpy(file, 4, 3, [...randomValues(6), NaN, 1, 1, 1, 1, 1])
  const r = brook(file, "--threshold", "0.5", "--out", path.join(dir, "nan.tsv"))
  expect(r.status).toBe(1)
  const lines = r.stderr.trim().split("\n")
  expect(lines.length).toBe(1)
  expect(lines[0]).toContain(file)
  expect(lines[0]).toContain("row 2")
}, SLOW_TEST)

test("--help describes the command with an example", () => {
  const r = brook("--help")
  expect(r.status).toBe(0)
  expect(r.stdout).toContain("example:")
})

for (const runtime of ["bun", "deno"]) {
  const run = (...args: string[]) =>
    spawnSyncGroup(path.join(root, "bin", "brook"), ["edges", ...args], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, BROOK_RUNTIME: runtime },
    })

  test(`${runtime}: short flags and -- as in the issue: edges e.npy -t 0.8 -o o.tsv`, () => {
    const file = path.join(dir, "short.npy")
    writeNpy(file, 3, 2, [1, 0, 1, 0, 0, 1])
    const out = path.join(dir, `short-${runtime}.tsv`)
    const r = run(file, "-t", "0.8", "-o", out, "-m", "64M", "-j", "1", "-q")
    expect([r.status, r.stderr]).toEqual([0, ""])
    expect(fs.readFileSync(out, "utf8")).toBe("0\t1\t1000000\t1\n")
    // a file whose name starts with a dash, after --
    const dashed = path.join(dir, `-dash-${runtime}.npy`)
    fs.copyFileSync(file, dashed)
    expect(run("-qt", "0.8", "-o", "-", "--", dashed).stdout).toBe("0\t1\t1000000\t1\n")
    const missing = run(file, "-t", "0.8", "-o")
    expect([missing.status, missing.stderr]).toEqual([2, "brook edges: -o/--out needs a value\n"])
    const unknown = run(file, "-t", "0.8", "-o", "-", "-x")
    expect([unknown.status, unknown.stderr]).toEqual([2, "brook edges: unknown option -x\n"])
  })

  test(`${runtime}: the input's format is its content: a .npy named .csv is .npy, Parquet named .npy is Parquet`, async () => {
    const npy = path.join(dir, `renamed-${runtime}.csv`)
    writeNpy(npy, 3, 2, [1, 0, 1, 0, 0, 1])
    expect(run(npy, "-t", "0.5", "-o", "-", "-q").stdout).toBe("0\t1\t1000000\t1\n")
    const { DuckDBInstance } = await import("@duckdb/node-api")
    const c = await (await DuckDBInstance.create(":memory:")).connect()
    const pq = path.join(dir, `renamed-${runtime}.npy`)
    await c.run(
      `copy (select * from (values ('a', [1.0, 0.0]::float[]), ('b', [1.0, 0.0]::float[]), ('c', [0.0, 1.0]::float[]))
        t(doc_id, vec)) to '${pq}' (format parquet)`,
    )
    expect(run(pq, "-t", "0.5", "--id-column", "doc_id", "-o", "-", "-q").stdout).toBe("a\tb\t1000000\t1\n")
    // neither: the .npy reader says what it found
    const text = path.join(dir, `text-${runtime}.npy`)
    fs.writeFileSync(text, "id,vec\n")
    const bad = run(text, "-t", "0.5", "-o", "-")
    expect(bad.status).toBe(1)
    expect(bad.stderr.trim().split("\n").length).toBe(1)
    expect(bad.stderr).toContain(text)
  })

  test(`${runtime}: --memory needs a unit and fits the machine`, () => {
    const file = path.join(dir, "ok.npy")
    const bare = run(file, "-t", "0.5", "-o", "-", "-m", "512")
    expect([bare.status, bare.stderr]).toEqual([
      2,
      'brook edges: --memory: "512" has no unit: write e.g. 512M, 2G (K, M, G, T: powers of 1024, with or without B)\n',
    ])
    const huge = run(file, "-t", "0.5", "-o", "-", "--memory", "1000T")
    expect(huge.status).toBe(2)
    expect(huge.stderr).toMatch(/^brook edges: --memory 1000T is more than this machine's memory \([\d.]+ GiB\): give less\n$/)
    expect(run(file, "-t", "0.5", "-o", "-", "-m", "256MB", "-q").status).toBe(0)
  })
}

test("float16 and big-endian inputs (.npy <f2 >f2 >f4 >f8, Parquet LIST<FLOAT16>) give the edges of the float32 file", async () => {
  const { parquetWriteBuffer } = await import("hyparquet-writer")
  const rows = 60, dim = 6
  // values binary16 holds exactly (multiples of 1/64 up to 4), so every file holds the same float32 rows
  const values = Float32Array.from(randomValues(rows * dim, 5), (x) => Math.round(x * 256) / 64)
  for (let r = 0; r < rows; r++) values[r * dim] += 1 // no zero rows
  const edgesOf = (file: string) => {
    const r = brook(file, "-t", "0.3", "-o", "-", "--quiet")
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    return r.stdout
  }
  const f4 = path.join(dir, "same_f4.npy")
  writeNpy(f4, rows, dim, values)
  const want = edgesOf(f4)
  expect(want.split("\n").length).toBeGreaterThan(rows)
  for (const dtype of ["<f2", ">f2", ">f4", ">f8", "<f8"] as const) {
    const file = path.join(dir, `same_${dtype[0] === "<" ? "le" : "be"}${dtype.slice(1)}.npy`)
    writeNpy(file, rows, dim, values, dtype)
    expect(`${dtype}\n${edgesOf(file)}`).toBe(`${dtype}\n${want}`)
  }
  const pq = path.join(dir, "same_f16.parquet")
  const bytes = parquetWriteBuffer({
    schema: [
      { name: "root", num_children: 1 },
      { name: "embedding", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      {
        name: "element",
        type: "FIXED_LEN_BYTE_ARRAY",
        type_length: 2,
        logical_type: { type: "FLOAT16" },
        repetition_type: "REQUIRED",
      },
    ] as never,
    columnData: [{
      name: "embedding",
      data: Array.from({ length: rows }, (_, r) => Array.from(values.subarray(r * dim, (r + 1) * dim))),
    }],
  })
  fs.writeFileSync(pq, new Uint8Array(bytes))
  expect(edgesOf(pq)).toBe(want)
}, SLOW_TEST)
