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
const args = runtime === "deno"
  ? ["run", "-A", "--quiet", main, ...process.argv.slice(2)]
  : [main, ...process.argv.slice(2)]
const child = spawn(bin, args, { stdio: "inherit", cwd: process.cwd() })
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig))
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)))
