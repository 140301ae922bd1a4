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
const built = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" })
if (built.status !== 0) process.exit(built.status ?? 1)

// every .wasm beside an emitted module (read at run time through new URL("./x.wasm", import.meta.url))
let copied = 0
const walk = (dir) => {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(rel)
    else if (entry.name.endsWith(".wasm") && fs.existsSync(path.join(lib, dir))) {
      fs.copyFileSync(path.join(root, rel), path.join(lib, rel))
      copied++
    }
  }
}
for (const dir of ["core", "formats", "sources", "operators", "sinks", "graph", "report"]) {
  if (fs.existsSync(path.join(root, dir))) walk(dir)
}
console.log(`lib/: ${copied} .wasm copied`)
