/**
 * The layout stays true: every import of every .ts file runs down the floors
 *   cli -> mod.ts -> sources/ operators/ sinks/ -> formats/ graph/ report/ -> core/
 * and the stages never import one another (what they share is a type in core/batches.ts or a format).
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..")

/** Runnable scripts on top, which may import anything and which nothing imports. */
const SCRIPTS = 5
/** A folder's floor: a file may import its own floor's folder and any floor below. */
const FLOORS: Record<string, number> = {
  core: 0,
  formats: 1,
  graph: 1,
  report: 1,
  sources: 2,
  operators: 2,
  sinks: 2,
  "mod.ts": 3,
  cli: 4,
  examples: SCRIPTS,
  tests: SCRIPTS,
  bench: SCRIPTS,
}
/** Floors whose entries are stages: each file or folder directly inside is one stage, closed to the others. */
const STAGE_FLOOR = 2
/** Inside operators/, the WASM kernels any operator may use (they are no stage). */
const SHARED = new Set(["operators/kernels"])

/** The folder (or mod.ts) a repository path lives in, and within a stage floor the stage it belongs to. */
function placeOf(file: string): { top: string; unit: string } {
  const parts = file.split("/")
  const top = parts[0]
  const unit = FLOORS[top] === STAGE_FLOOR ? parts.slice(0, 2).join("/").replace(/\.ts$/, "") : top
  return { top, unit }
}

/** Why `from` may not import `to` (repository paths), or undefined when it may. */
export function wrongWay(from: string, to: string): string | undefined {
  const a = placeOf(from), b = placeOf(to)
  const fa = FLOORS[a.top], fb = FLOORS[b.top]
  if (fa === undefined || fb === undefined) return undefined
  if (fb > fa) return `${a.top} sits below ${b.top}`
  if (fa === SCRIPTS) return undefined
  if (fa === STAGE_FLOOR && fb === STAGE_FLOOR && a.unit !== b.unit && !SHARED.has(b.unit)) return `the stages ${a.unit} and ${b.unit}`
  if (fb === fa && a.top !== b.top) return `${a.top} and ${b.top} share a floor`
  return undefined
}

/** Relative specifiers a file imports: static and dynamic imports, re-exports, and workers or .wasm by URL. */
export function importsOf(source: string): string[] {
  // comment lines (JSDoc examples import from "./mod.ts") are no imports
  const code = source.split("\n").filter((l) => !/^\s*(\*|\/\*|\/\/)/.test(l)).join("\n")
  const patterns = [
    /^(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/gm,
    /^import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\bnew URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g,
  ]
  return patterns.flatMap((re) => [...code.matchAll(re)].map((m) => m[1])).filter((s) => s.startsWith("."))
}

function tsFiles(dir: string): string[] {
  const full = path.join(root, dir)
  if (!fs.statSync(full).isDirectory()) return dir.endsWith(".ts") ? [dir] : []
  return fs.readdirSync(full).filter((e) => e !== "node_modules" && e !== "fixtures" && e !== "out")
    .flatMap((e) => tsFiles(path.posix.join(dir, e)))
}

test("wrongWay refuses imports up the floors, across a floor and between stages", () => {
  expect(wrongWay("sources/brk_archive.ts", "sinks/fasta.ts")).toBe("the stages sources/brk_archive and sinks/fasta")
  expect(wrongWay("operators/threshold_edges.ts", "operators/tiled_cosine/plan.ts"))
    .toBe("the stages operators/threshold_edges and operators/tiled_cosine")
  expect(wrongWay("core/run.ts", "formats/arrow/ipc.ts")).toBe("core sits below formats")
  expect(wrongWay("formats/npy.ts", "graph/csr.ts")).toBe("formats and graph share a floor")
  expect(wrongWay("cli/main.ts", "mod.ts")).toBeUndefined()
  expect(wrongWay("cli/main.ts", "core/run.ts")).toBeUndefined()
  expect(wrongWay("sinks/write_edges.ts", "formats/text_lines.ts")).toBeUndefined()
  expect(wrongWay("operators/tiled_cosine/tiled_cosine.ts", "operators/tiled_cosine/worker.ts")).toBeUndefined()
  expect(wrongWay("operators/tiled_cosine/kernel.ts", "operators/kernels/cosine_bytes.ts")).toBeUndefined()
  expect(wrongWay("formats/exodus/model.ts", "formats/netcdf/types.ts")).toBeUndefined()
  expect(wrongWay("tests/layout_test.ts", "sources/read_fasta.ts")).toBeUndefined()
  expect(wrongWay("sources/read_fasta.ts", "tests/helpers.ts")).toBe("sources sits below tests")
})

test("importsOf finds every kind of import and skips comments", () => {
  const source = [
    "/**",
    ' * import { run } from "./mod.ts"',
    " */",
    'import { a } from "./a.ts"',
    "import {",
    "  b,",
    '} from "../b.ts"',
    'import type { C } from "./c.ts"',
    'export { d } from "./d.ts"',
    'import "./e.ts"',
    'const f = await import("./f.ts")',
    'const w = new Worker(new URL("./g.ts", import.meta.url))',
    'import { h } from "effect"',
    '// import { x } from "./x.ts"',
  ].join("\n")
  expect(importsOf(source).sort()).toEqual(["../b.ts", "./a.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts", "./g.ts"])
})

test("every import runs down the floors, and no stage imports another", () => {
  const files = Object.keys(FLOORS).flatMap(tsFiles)
  const wrong: string[] = []
  let imports = 0
  for (const file of files) {
    for (const spec of importsOf(fs.readFileSync(path.join(root, file), "utf8"))) {
      imports++
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
      const why = wrongWay(file, target)
      if (why) wrong.push(`${file} imports ${target}: ${why}`)
    }
  }
  expect(files.length).toBeGreaterThan(100)
  expect(imports).toBeGreaterThan(400)
  expect(wrong).toEqual([])
})
