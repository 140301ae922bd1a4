/**
 * cli/signals.ts: Ctrl-C and SIGTERM end brook even when its main thread is stuck in a loop (issue 18:
 * once, a NaN made tiled-cosine spin, deaf to both), and a second signal ends a run whose clean abort
 * has not finished. The clean path itself (exit 130, no temp files) is tests/cli/pipes_test.ts's Ctrl-C
 * test. No test here depends on the machine's speed: each waits for the line that says the state it
 * needs was reached, under a deadline of minutes that kills the whole process group.
 */
import { expect, test } from "bun:test"
import * as path from "node:path"
import * as fs from "node:fs"
import { spawnGroup, tempDir } from "../helpers.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const script = path.join(root, "tests", "fixtures", "scripts", "stuck_main.ts")
const stuck = (runtime: "bun" | "deno", ...mode: string[]) =>
  spawnGroup(
    path.join(root, "node_modules", ".bin", runtime),
    runtime === "deno" ? ["run", "-A", "--quiet", script, ...mode] : [script, ...mode],
    300_000,
  )

for (const runtime of ["bun", "deno"] as const) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${runtime}: ${signal} ends a process whose main thread spins`, async () => {
      const p = stuck(runtime, "spin")
      await p.until(/event loop blocked/)
      process.kill(p.pid, signal)
      expect(await p.exit()).toEqual({ code: null, signal })
      expect(p.stderr()).not.toContain("first signal")
    }, 600_000)
  }

  test(`${runtime}: the first SIGINT starts the clean abort, a second one ends the process with 130`, async () => {
    const p = stuck(runtime, "idle")
    await p.until(/brook watchdog: watching/)
    process.kill(p.pid, "SIGINT")
    await p.until(/first signal: SIGINT/)
    // later than the 500 ms in which a second signal counts as a copy of the first
    await new Promise((r) => setTimeout(r, 700))
    process.kill(p.pid, "SIGINT")
    expect(await p.exit()).toEqual({ code: 130, signal: null })
  }, 600_000)

  test(`${runtime}: once the loop turns again, the first SIGINT is the clean abort again`, async () => {
    const go = path.join(tempDir(), "go")
    const p = stuck(runtime, "pause", go)
    await p.until(/event loop blocked/)
    fs.writeFileSync(go, "")
    await p.until(/signal handlers restored/)
    process.kill(p.pid, "SIGINT")
    await p.until(/first signal: SIGINT/)
    p.kill()
    await p.exit()
  }, 600_000)
}
