/**
 * What a format's mutants end in, most common first: `bun bench/fuzz/reasons.ts FORMAT --seed S --count N`
 * (in process, no watchdog: for looking at how deep the mutants get, not for finding hangs).
 */
import * as os from "node:os"
import * as path from "node:path"
import * as fs from "node:fs"
import { prepare, runCase } from "./cases.ts"
import { TARGETS } from "./targets.ts"

const args = process.argv.slice(2)
const flag = (
  name: string,
  dflt: number,
) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : dflt)
const p = await prepare(TARGETS[args[0]], fs.mkdtempSync(path.join(os.tmpdir(), "brook-reasons-")))
const counts = new Map<string, number>()
for (let k = flag("from", 0), n = flag("count", 1000); n > 0; k++, n--) {
  const r = await runCase(p, flag("seed", 1), k)
  const key = `${r.outcome} ${
    r.outcome === "ok"
      ? ""
      : r.detail.split("\n")[0].replace(/\d+/g, "#").replace(/^[^:]*: [^ ]*\.[a-z]+ \([^)]*\): /, "").slice(0, 110)
  }`
  counts.set(key, (counts.get(key) ?? 0) + 1)
}
for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(n).padStart(6), k)
process.exit(0)
