// npm run build (and `prepare`, which `npm pack` and installs from git run): the package's lib/ from the
// sources. tsc emits JavaScript and .d.ts (tsconfig.build.json); the .wasm files a module reads beside
// itself are copied next to its .js. Node only, so it runs wherever npm does.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const lib = path.join(root, "lib")
fs.rmSync(lib, { recursive: true, force: true })
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc")
const built = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: ["inherit", "inherit", "inherit"].map((_, k) => (k === 1 ? 2 : "inherit")) })
if (built.status !== 0) process.exit(built.status ?? 1)

// each .wasm that a module beside it reads at run time (new URL("./x.wasm", import.meta.url)); the cosine
// kernels are inlined as bytes (operators/kernels/cosine_bytes.ts) and need no copy
const readBeside = (dir, name) =>
  fs.readdirSync(path.join(root, dir)).some((f) =>
    f.endsWith(".ts") && fs.readFileSync(path.join(root, dir, f), "utf8").includes(`"./${name}"`)
  )
let copied = 0
const walk = (dir) => {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(rel)
    else if (entry.name.endsWith(".wasm") && fs.existsSync(path.join(lib, dir)) && readBeside(dir, entry.name)) {
      fs.copyFileSync(path.join(root, rel), path.join(lib, rel))
      copied++
    }
  }
}
for (const dir of ["core", "formats", "sources", "operators", "sinks", "graph", "report"]) {
  if (fs.existsSync(path.join(root, dir))) walk(dir)
}
console.error(`lib/: ${copied} .wasm copied`) // stderr: `npm pack --json` owns stdout
