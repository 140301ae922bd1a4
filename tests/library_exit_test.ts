/**
 * brook as a library: a script that ran the worker stages (tile workers, pack workers) ends by itself on
 * Bun and on Deno, without process.exit. An earlier Bun kept such a process alive, which is why the pool
 * asks each worker to close itself; Bun 1.4.5 exits even without that. A process still running after a
 * five minutes counts as hung.
 */
import { expect, test } from "bun:test"
import * as path from "node:path"
import { SLOW_TEST, spawnSyncGroup, tempDir } from "./helpers.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..")
const script = path.join(root, "tests", "fixtures", "scripts", "library_run.ts")

for (const runtime of ["bun", "deno"] as const) {
  test(`a library script that used workers exits by itself on ${runtime}`, () => {
    const bin = path.join(root, "node_modules", ".bin", runtime)
    const args = runtime === "deno" ? ["run", "-A", "--quiet", script, tempDir()] : [script, tempDir()]
    const r = spawnSyncGroup(bin, args, { timeout: 300_000 })
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: "" })
    expect(r.stdout).toMatch(/^done: \d+ edges, \d+ B archive\n$/)
  }, SLOW_TEST)
}
