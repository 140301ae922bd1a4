/** Archive (formats/brk/archive.ts) on catalogs that disagree with their packs: InvalidInput, never a TypeError. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { brk, brkBuild, brkParts } from "../../../bench/fuzz/targets.ts"
import { Archive } from "../../../formats/brk/archive.ts"
import { InvalidInput } from "../../../core/errors.ts"
import type { Catalog } from "../../../formats/brk/format.ts"
import { tempDir } from "../../helpers.ts"

const dir = tempDir()
const base = (await brk.build(dir))[0].bytes

/** Restores every sample of the archive `edit` makes of the base's catalog; returns what it failed with. */
function restoreEdited(name: string, edit: (c: Catalog) => void): unknown {
  const parts = brkParts(base)
  edit(parts.catalog)
  const file = path.join(dir, name)
  fs.writeFileSync(file, brkBuild(parts))
  try {
    const a = Archive.open(file)
    try {
      for (const s of a.samples) a.restoreSample(s, () => {})
    } finally {
      a.close()
    }
  } catch (e) {
    return e
  }
  return undefined
}

test("a segment naming a group the archive lacks is InvalidInput naming the file and the group", () => {
  const e = restoreEdited("group.brk", (c) => {
    ;(c.samples[0].contigs[0].segments[1] as { group: number }).group = 1000
  })
  expect(e).toBeInstanceOf(InvalidInput)
  expect((e as InvalidInput).message).toContain("group.brk: catalog: a segment refers to group 1000")
})

test("a contig line layout shorter than its bases is InvalidInput naming the contig", () => {
  const e = restoreEdited("lines.brk", (c) => {
    c.samples[0].contigs[0].side.lines[0] = 52
  })
  expect(e).toBeInstanceOf(InvalidInput)
  expect((e as InvalidInput).message).toMatch(
    /lines\.brk: contig 'ref#1': sequence longer than the contig's line layout/,
  )
})

test("a version 1 archive (written before bases, tests/fixtures/brk/v1.brk) restores byte for byte", () => {
  const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "../../fixtures/brk")
  const a = Archive.open(path.join(fixtures, "v1.brk"))
  try {
    expect(a.samples.map((s) => s.name)).toEqual(["ref", "a", "b"])
    for (const s of a.samples) {
      const parts: Uint8Array[] = []
      a.restoreSample(s, (b) => parts.push(b.slice()))
      expect(Buffer.concat(parts).equals(fs.readFileSync(path.join(fixtures, s.file)))).toBe(true)
    }
  } finally {
    a.close()
  }
})

test("appending to a version 1 archive adds a version 2 session; every sample restores", async () => {
  const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "../../fixtures/brk")
  const work = tempDir()
  const out = path.join(work, "v1.brk")
  fs.copyFileSync(path.join(fixtures, "v1.brk"), out)
  const c = path.join(work, "c.fa")
  fs.writeFileSync(c, fs.readFileSync(path.join(fixtures, "a.fa"), "utf8").replace(">a1", ">c1"))
  const { appendCommand } = await import("../../../cli/genomes.ts")
  await appendCommand([out, c], { signal: new AbortController().signal, progress: undefined, log: () => {} })
  const a = Archive.open(out)
  try {
    expect(a.samples.map((s) => s.name)).toEqual(["ref", "a", "b", "c"])
    for (const s of a.samples) {
      const parts: Uint8Array[] = []
      a.restoreSample(s, (b) => parts.push(b.slice()))
      const original = s.name === "c" ? c : path.join(fixtures, s.file)
      expect(Buffer.concat(parts).equals(fs.readFileSync(original))).toBe(true)
    }
  } finally {
    a.close()
  }
})
