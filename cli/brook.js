#!/usr/bin/env node
// `npx brook ...`: runs cli/main.ts on Bun (default) or Deno (BROOK_RUNTIME=deno), both installed
// as dev dependencies, so the command works right after `npm install`.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const runtime = process.env.BROOK_RUNTIME === "deno" ? "deno" : "bun"
const local = join(root, "node_modules", ".bin", runtime)
const bin = existsSync(local) ? local : runtime
const main = join(root, "cli", "main.ts")
// Garbage in the JS heaps is memory the budget cannot see. V8 (Deno): a small young generation and
// gc() exposed, which tiledCosine calls once a second; JavaScriptCore (Bun): heap sized for 128 MB
// (Bun.gc needs no flag). Measured in BENCHMARKS.md; speed is unchanged.
const args = runtime === "deno"
  ? ["run", "-A", "--quiet", "--v8-flags=--max-semi-space-size=1,--expose-gc", main, ...process.argv.slice(2)]
  : [main, ...process.argv.slice(2)]
const env = { ...process.env }
if (runtime === "bun") env.BUN_JSC_forceRAMSize ??= String(128 * 1024 * 1024)
const child = spawn(bin, args, { stdio: "inherit", cwd: process.cwd(), env })
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig))
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)))
