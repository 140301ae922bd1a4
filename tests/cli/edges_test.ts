/** `brook edges` as users run it: exit codes, one-line errors, stdout output. */
import { expect, test } from "bun:test"
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
  expect(r.stdout).toBe("0\t1\t1000000\n")
}, SLOW_TEST)

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
}, SLOW_TEST)
