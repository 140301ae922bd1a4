// Prints the README's tarball section from `npm pack --dry-run --json`: size, file count, and the files by folder.
// usage: node tools/tarball_listing.mjs
import { execFileSync } from "node:child_process"

const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--silent"], { encoding: "utf8" })
const [pack] = JSON.parse(out.slice(out.indexOf("[")))
const kb = (n) => `${(n / 1000).toFixed(1)} kB`
const folders = new Map()
for (const f of pack.files) {
  const dir = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/") + 1) : "./"
  const entry = folders.get(dir) ?? { files: 0, bytes: 0, names: [] }
  entry.files++
  entry.bytes += f.size
  entry.names.push(f.path.slice(dir === "./" ? 0 : dir.length))
  folders.set(dir, entry)
}
console.log(`The tarball (\`npm pack\`, ${pack.filename}): ${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked, ${pack.entryCount} files: the built \`lib/\` (JavaScript, \`.d.ts\`, the one \`.wasm\` read at run time), \`bin/brook\`, README, LICENSE, package.json; no sources, tests, bench or fixtures. By folder (\`node tools/tarball_listing.mjs\` prints this):`)
console.log("\n```")
for (const [dir, e] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  const names = e.names.map((n) => n.replace(/\.(js|d\.ts)$/, "")).filter((n, k, all) => all.indexOf(n) === k)
  console.log(`${dir.padEnd(32)} ${String(e.files).padStart(3)} files ${kb(e.bytes).padStart(9)}  ${names.join(" ")}`)
}
console.log("```")
