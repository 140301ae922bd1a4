/**
 * Every command that writes a file, when writing goes wrong: the output's disk is full (a small tmpfs), its
 * file system is read-only, its directory is a file or is removed mid-run, the process is killed (SIGKILL) at
 * seeded points of the write, two runs write the same output at once. Each time: a non-zero exit and one line
 * naming the user's path (never brook's temp name), no stray temp file after a clean exit, and the output
 * either absent, the complete previous file or one run's complete output, never a complete-looking part.
 * The disk faults need `mount` (root here), the permission case `setpriv` to run as nobody (root writes
 * anywhere); without them they skip and say so.
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { randomValues, SLOW_TEST, spawnGroup, spawnSyncGroup, tempDir, writeNpy } from "../helpers.ts"
import { sharedFiles } from "../ncdump.ts"
import { fasta, mutate, randomBases, rng } from "../operators/segment_pack/genomes.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const bin = path.join(root, "bin", "brook")
const dir = tempDir("brook-faults-")
const exodus = sharedFiles.find((f) => f.endsWith("8-block.g"))
if (!exodus) console.warn("faults_test: ../shared/data/exodus/8-block.g is absent; the exodus cases skip")

const npy = path.join(dir, "e.npy")
writeNpy(npy, 1500, 8, randomValues(1500 * 8, 3))
const chr = randomBases(200_000, rng(9))
// s2 is a near copy of ref, new a sequence of its own (an append that writes more than a page)
const [ref, s1, s2, fresh] = [
  ["ref", chr],
  ["s1", mutate(chr, rng(1))],
  ["s2", mutate(chr, rng(2))],
  ["new", randomBases(100_000, rng(5))],
].map(([name, seq]) => {
  const f = path.join(dir, `${name}.fa`)
  fs.writeFileSync(f, fasta([[`${name}#1`, seq]]))
  return f
})

/**
 * brook runs on the runtime running the suite: `npm test` runs the file on Bun, then on Deno, so both are
 * covered without each half paying for both (BROOK_FAULTS_RUNTIMES="bun deno" runs both in one half).
 */
const RUNTIMES = (process.env.BROOK_FAULTS_RUNTIMES ?? ("Deno" in globalThis ? "deno" : "bun")).split(/\s+/)
const env = (runtime: string) => ({ ...process.env, BROOK_RUNTIME: runtime })
const brook = (runtime: string, args: string[]) => spawnSyncGroup(bin, args, { env: env(runtime) })

/** A tmpfs of `size` at a fresh directory, or undefined where mounting is not permitted. */
function mountTmpfs(size: string): string | undefined {
  const at = tempDir("brook-faults-mnt-")
  return spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", at]).status === 0 ? at : undefined
}
const unmount = (at: string) => spawnSync("umount", ["-l", at])
const canMount = (() => {
  const at = mountTmpfs("4k")
  if (at) unmount(at)
  else {console.warn(
      "faults_test: mount -t tmpfs is not permitted here (not root?); the disk-full and read-only cases skip",
    )}
  return at !== undefined
})()

/** Root here: the permission case runs brook as `nobody` (setpriv), since root writes anywhere. */
const asNobody = process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0
if (!asNobody) console.warn("faults_test: not root or no setpriv; the permission-denied case skips")
// the inputs readable by nobody
fs.chmodSync(dir, 0o755)

/** Every writer command, writing into `out` (a directory): its arguments and the file it writes. */
interface Writer {
  name: string
  args: (out: string) => string[]
  file: (out: string) => string
}
const archive = path.join(dir, "base.brk")
const writers: Writer[] = [
  ...["tsv", "csv", "parquet", "arrows"].map((ext) => ({
    name: `edges .${ext}`,
    args: (out: string) => ["edges", npy, "-t", "0.5", "-o", path.join(out, `x.${ext}`), "-q"],
    file: (out: string) => path.join(out, `x.${ext}`),
  })),
  {
    name: "cluster",
    args: (out) => ["cluster", npy, "-t", "0.5", "-o", path.join(out, "c.parquet"), "-q"],
    file: (out) => path.join(out, "c.parquet"),
  },
  ...(exodus
    ? [
      {
        name: "exodus copy",
        args: (out: string) => ["exodus", "copy", exodus, "-o", path.join(out, "c.exo"), "-q"],
        file: (out: string) => path.join(out, "c.exo"),
      },
      {
        name: "exodus to-parquet",
        args: (out: string) => ["exodus", "to-parquet", exodus, "-o", path.join(out, "v.parquet"), "-q"],
        file: (out: string) => path.join(out, "v.parquet"),
      },
    ]
    : []),
  {
    name: "pack",
    args: (out) => ["pack", path.join(out, "a.brk"), ref, s1, "-q"],
    file: (out) => path.join(out, "a.brk"),
  },
  {
    name: "unpack",
    args: (out) => ["unpack", archive, "--sample", "ref", "-o", path.join(out, "r.fa"), "-q"],
    file: (out) => path.join(out, "r.fa"),
  },
]

const packed = brook(RUNTIMES[0], ["pack", archive, ref, s1, "-q"])
if (packed.status !== 0) throw new Error(`faults_test: packing the archive failed: ${packed.stderr}`)

/** A failed run: exit 1, one line naming `file` (no temp name), nothing left in `out` but `before`. */
function expectCleanFailure(
  r: { status: number | null; stderr: string },
  file: string,
  out: string,
  why: RegExp,
  before: string[] = [],
) {
  const lines = r.stderr.trim().split("\n")
  expect([r.status, lines.length, r.stderr]).toEqual([1, 1, r.stderr])
  expect(lines[0]).toContain(`cannot write ${file}`)
  expect(lines[0]).toMatch(why)
  expect(lines[0]).not.toContain(".brook-")
  expect(fs.readdirSync(out).sort()).toEqual(before)
}

for (const runtime of RUNTIMES) {
  test.skipIf(!canMount)(`${runtime}: a full disk: every writer exits 1 naming its output, and leaves nothing`, () => {
    const out = mountTmpfs("4k")!
    try {
      for (const w of writers) {
        const r = brook(runtime, w.args(out))
        expectCleanFailure(r, w.file(out), out, /no space left on the device/)
      }
    } finally {
      unmount(out)
    }
  }, SLOW_TEST)

  test.skipIf(!canMount)(`${runtime}: append on a full disk: exit 1 and the archive as it was`, () => {
    const out = mountTmpfs("1m")!
    try {
      const a = path.join(out, "a.brk")
      fs.copyFileSync(archive, a)
      const before = fs.readFileSync(a)
      // fill the rest, page by page (tmpfs allocates pages): the archive's last page keeps its few spare bytes
      const filler = path.join(out, "filler")
      try {
        for (;;) fs.appendFileSync(filler, new Uint8Array(4096))
      } catch {
        // full
      }
      const r = brook(runtime, ["append", a, fresh, "-q"])
      expectCleanFailure(r, a, out, /no space left on the device/, ["a.brk", "filler"])
      expect(Buffer.compare(fs.readFileSync(a), before)).toBe(0)
    } finally {
      unmount(out)
    }
  }, SLOW_TEST)

  test.skipIf(!canMount)(`${runtime}: a read-only file system: every writer exits 1 naming its output`, () => {
    const out = mountTmpfs("1m")!
    try {
      fs.copyFileSync(archive, path.join(out, "a.brk"))
      expect(spawnSync("mount", ["-o", "remount,ro", out]).status).toBe(0)
      const list = fs.readdirSync(out)
      for (const w of writers.filter((w) => w.name !== "pack")) {
        expectCleanFailure(brook(runtime, w.args(out)), w.file(out), out, /read-only/, list)
      }
      // pack refuses an existing archive before writing: over a fresh name
      const p = brook(runtime, ["pack", path.join(out, "b.brk"), ref, "-q"])
      expectCleanFailure(p, path.join(out, "b.brk"), out, /read-only/, list)
      const a = brook(runtime, ["append", path.join(out, "a.brk"), s2, "-q"])
      expectCleanFailure(a, path.join(out, "a.brk"), out, /read-only/, list)
    } finally {
      unmount(out)
    }
  }, SLOW_TEST)

  test.skipIf(!asNobody)(
    `${runtime}: a directory the user may not write: every writer exits 1, permission denied`,
    () => {
      const out = tempDir("brook-faults-noperm-")
      fs.chmodSync(out, 0o755) // root's, readable by all, writable by root only
      fs.copyFileSync(archive, path.join(out, "b.brk"))
      const list = fs.readdirSync(out)
      const nobody = (args: string[]) =>
        spawnSyncGroup("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", bin, ...args], {
          env: { ...env(runtime), HOME: os.tmpdir() },
        })
      for (const w of writers) expectCleanFailure(nobody(w.args(out)), w.file(out), out, /permission denied/, list)
      const a = nobody(["append", path.join(out, "b.brk"), s2, "-q"])
      expectCleanFailure(a, path.join(out, "b.brk"), out, /permission denied/, list)
    },
    SLOW_TEST,
  )

  test(`${runtime}: a file where the output's directory should be: a non-zero exit naming the path`, () => {
    const file = path.join(dir, `plain-${runtime}`)
    fs.writeFileSync(file, "not a directory")
    for (const w of writers) {
      const r = brook(runtime, w.args(file))
      expect(r.status === 1 || r.status === 2).toBe(true)
      expect(r.stderr.trim().split("\n").length).toBe(1)
      expect(r.stderr).toContain(file)
      expect(r.stderr).not.toContain(".brook-")
    }
  }, SLOW_TEST)
}

/** The writer's temp file in `out` once it exists, or undefined when the run ended first. */
async function tempAppears(out: string, ended: () => boolean): Promise<string | undefined> {
  for (;;) {
    const part = fs.readdirSync(out).find((n) => n.includes(".brook-"))
    if (part || ended()) return part
    await new Promise((r) => setTimeout(r, 5))
  }
}

const signalGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal)
  } catch {
    // ended
  }
}

/** Seeded points in [0, span) ms. */
function points(seed: number, count: number, span: number): number[] {
  const r = randomValues(count, seed)
  return Array.from(r, (v) => Math.floor((v + 0.5) * span))
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: the output's directory removed mid-run: exit 1 naming the output`, async () => {
    for (const w of writers.filter((w) => w.name === "edges .tsv" || w.name === "exodus copy" || w.name === "pack")) {
      const out = tempDir("brook-faults-gone-")
      const child = spawnGroup("env", [`BROOK_RUNTIME=${runtime}`, bin, ...w.args(out)])
      let ended = false
      const exit = child.exit().then((e) => (ended = true, e))
      const part = await tempAppears(out, () => ended)
      if (!part) {
        await exit // finished before its temp file was seen: nothing to remove mid-run
        continue
      }
      signalGroup(child.pid, "SIGSTOP") // the run waits while its directory goes
      fs.rmSync(out, { recursive: true })
      signalGroup(child.pid, "SIGCONT")
      const { code } = await exit
      expect(code).toBe(1)
      expect(child.stderr()).toContain(`cannot write ${w.file(out)}: its directory does not exist`)
      expect(child.stderr()).not.toContain(".brook-")
      expect(fs.existsSync(out)).toBe(false)
    }
  }, SLOW_TEST)

  test(`${runtime}: SIGKILL at seeded points of a write: the previous output or nothing, never a part`, async () => {
    const killed = writers.filter((w) => ["edges .tsv", "edges .parquet", "exodus copy", "pack"].includes(w.name))
    for (const [k, w] of killed.entries()) {
      const out = tempDir("brook-faults-kill-")
      for (const [n, at] of points(31 + k, 3, 400).entries()) {
        const previous = fs.existsSync(w.file(out)) ? fs.readFileSync(w.file(out)) : undefined
        const args = w.name === "pack" ? [...w.args(out), "--force"] : w.args(out)
        const child = spawnGroup("env", [`BROOK_RUNTIME=${runtime}`, bin, ...args])
        let ended = false
        const exit = child.exit().then((e) => (ended = true, e))
        if (await tempAppears(out, () => ended)) await new Promise((r) => setTimeout(r, at))
        child.kill()
        const { code } = await exit
        const now = fs.existsSync(w.file(out)) ? fs.readFileSync(w.file(out)) : undefined
        // ended before the kill: its complete output; killed: the previous output, or none
        if (code === 0) expect(now).toBeDefined()
        else if (previous === undefined) expect(now).toBeUndefined()
        else expect(Buffer.compare(now!, previous)).toBe(0)
        // the next run removes what the killed one left and writes the whole output
        if (n === 2 || now === undefined) {
          const again = brook(runtime, args)
          expect([again.status, again.stderr]).toEqual([0, ""])
          expect(fs.readdirSync(out)).toEqual([path.basename(w.file(out))])
        }
      }
    }
  }, SLOW_TEST)

  test(
    `${runtime}: SIGKILL during an append: the next append undoes the half append, then adds its samples`,
    async () => {
      const out = tempDir("brook-faults-append-")
      const a = path.join(out, "a.brk")
      for (const at of points(77, 3, 300)) {
        fs.copyFileSync(archive, a)
        const before = fs.readFileSync(a)
        const child = spawnGroup("env", [`BROOK_RUNTIME=${runtime}`, bin, "append", a, s2, "-q"])
        let ended = false
        const exit = child.exit().then((e) => (ended = true, e))
        while (!ended && !fs.readdirSync(out).some((n) => n.endsWith(".brook-append"))) {
          await new Promise((r) => setTimeout(r, 5))
        }
        await new Promise((r) => setTimeout(r, at))
        child.kill()
        const { code } = await exit
        if (code !== 0) {
          // a reader sees the archive as it was: list undoes the half append first
          const list = brook(runtime, ["list", a, "-q"])
          expect(list.status).toBe(0)
          expect(list.stdout).not.toContain("s2")
          expect(Buffer.compare(fs.readFileSync(a), before)).toBe(0)
          const again = brook(runtime, ["append", a, s2, "-q"])
          expect([again.status, again.stderr]).toEqual([0, ""])
        }
        const unpacked = path.join(out, "s2.out.fa")
        const u = brook(runtime, ["unpack", a, "--sample", "s2", "-o", unpacked, "-q"])
        expect(u.status).toBe(0)
        expect(fs.readFileSync(unpacked, "utf8")).toBe(fs.readFileSync(s2, "utf8"))
        fs.rmSync(unpacked)
        expect(fs.readdirSync(out)).toEqual(["a.brk"])
      }
    },
    SLOW_TEST,
  )

  test(`${runtime}: two runs writing the same output at once: one run's complete output, never a mix`, async () => {
    const out = tempDir("brook-faults-two-")
    const target = path.join(out, "x.tsv")
    const expected = ["0.5", "0.6"].map((t) => {
      const f = path.join(dir, `two-${runtime}-${t}.tsv`)
      expect(brook(runtime, ["edges", npy, "-t", t, "-o", f, "-q"]).status).toBe(0)
      return fs.readFileSync(f, "utf8")
    })
    const runs = ["0.5", "0.6"].map((t) =>
      spawnGroup("env", [`BROOK_RUNTIME=${runtime}`, bin, "edges", npy, "-t", t, "-o", target, "-q"]).exit()
    )
    expect((await Promise.all(runs)).map((e) => e.code)).toEqual([0, 0])
    expect(expected).toContain(fs.readFileSync(target, "utf8"))
    expect(fs.readdirSync(out)).toEqual(["x.tsv"])
    // two appends at once: one is refused (or waits its turn), the archive holds whole samples only
    const a = path.join(out, "a.brk")
    fs.copyFileSync(archive, a)
    const appends = await Promise.all([s2, ref].map((f, k) => {
      const copy = path.join(out, `t${k}.fa`)
      fs.writeFileSync(copy, fs.readFileSync(f, "utf8").replace(/^>\S+/, `>t${k}#1`))
      const child = spawnGroup("env", [`BROOK_RUNTIME=${runtime}`, bin, "append", a, copy, "-q"])
      return child.exit().then((e) => ({ code: e.code, stderr: child.stderr() }))
    }))
    for (const r of appends) {
      if (r.code !== 0) {
        expect(r.stderr).toMatch(/cannot write .*a\.brk: another brook append \(process \d+\) is writing it/)
      }
    }
    const list = brook(runtime, ["list", a, "-q"])
    expect(list.status).toBe(0)
    appends.forEach((r, k) => expect(list.stdout.includes(`t${k}`)).toBe(r.code === 0))
  }, SLOW_TEST)
}
