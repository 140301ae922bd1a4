/** `brook exodus`: JSON on stdout, exit codes 0/1/2, one-line errors. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { SLOW_TEST, spawnSyncGroup, tempDir } from "../helpers.ts"
import { sharedFiles } from "../ncdump.ts"

const dir = tempDir()
const eightBlock = sharedFiles.find((f) => f.endsWith("8-block.g"))
const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")

test.skipIf(!eightBlock)(
  "brook exodus: stats lines on stdout, exit 2 for usage errors, 1 for bad files, one-line errors",
  () => {
    const brook = (...args: string[]) =>
      spawnSyncGroup(path.join(root, "bin", "brook"), ["exodus", ...args])
    const ok = brook("stats", eightBlock!, "--vars", "eqps", "--steps", "3:", "--quiet")
    expect(ok.status).toBe(0)
    expect(ok.stdout.trim().split("\n").map((l) => JSON.parse(l).var)).toEqual([
      "coordinates",
      ...Array(8).fill("eqps"),
    ])
    expect(JSON.parse(ok.stdout.split("\n")[1]).count).toBe(9 * 8)
    const info = JSON.parse(brook("info", eightBlock!).stdout)
    expect([info.format, info.steps, info.blocks.length, info.variables.nodal.length]).toEqual([
      "CDF-2 (64-bit offset)",
      11,
      8,
      12,
    ])
    const usage = brook("stats", eightBlock!, "--vars", "nope")
    expect([usage.status, usage.stderr.trim().split("\n").length]).toEqual([2, 1])
    const bad = path.join(dir, "bad.exo")
    fs.writeFileSync(bad, "CDF\u0002 garbage")
    const broken = brook("info", bad)
    expect(broken.status).toBe(1)
    expect(broken.stderr).toMatch("InvalidInput")
    expect(brook("stats").status).toBe(2)
  },
  60_000,
)

test.skipIf(!eightBlock)("brook exodus copy and to-parquet write their outputs; a missing input is exit 1", () => {
  const brook = (...args: string[]) =>
    spawnSyncGroup(path.join(root, "bin", "brook"), ["exodus", ...args])
  const exo = path.join(dir, "copy.exo")
  const pq = path.join(dir, "values.parquet")
  expect(brook("copy", eightBlock!, exo, "--vars", "eqps", "--steps", "2:3", "--quiet").status).toBe(0)
  expect(brook("to-parquet", exo, pq, "--quiet").status).toBe(0)
  const info = JSON.parse(brook("info", exo).stdout)
  expect([info.format, info.steps, info.variables.element.map((v: { name: string }) => v.name)]).toEqual([
    "CDF-2 (64-bit offset)",
    2,
    ["eqps"],
  ])
  expect(fs.statSync(pq).size).toBeGreaterThan(100)
  const missing = brook("stats", path.join(dir, "nope.exo"))
  expect([missing.status, missing.stderr.trim().split("\n").length]).toEqual([1, 1])
}, SLOW_TEST)
