/** `brook pack | unpack | list | append` as users run them: exit codes, one-line errors, outputs. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { SLOW_TEST, spawnSyncGroup, tempDir } from "../helpers.ts"
import { fasta, mutate, randomBases, rng } from "../operators/segment_pack/genomes.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const brook = (...args: string[]) =>
  spawnSyncGroup(path.join(root, "bin", "brook"), [...args])

const dir = tempDir()
const chr = randomBases(5000, rng(9))
const files = [
  ["ref.fa", fasta([["ref#1", chr]])],
  ["s1.fasta", fasta([["s1#1", mutate(chr, rng(1))]], 80)],
  ["s2.fa", fasta([["s2#1", mutate(chr, rng(2)).toLowerCase()]], 61, "\r\n")],
].map(([name, text]) => {
  const f = path.join(dir, name)
  fs.writeFileSync(f, text)
  return f
})
const archive = path.join(dir, "c.brk")

test("pack, list, unpack into a directory, append: byte-identical files, exit 0", () => {
  const small = ["--k", "21", "--segment-size", "400"]
  expect(brook("pack", archive, files[0], files[1], ...small, "--quiet").status).toBe(0)
  expect(brook("append", archive, files[2], "--quiet").status).toBe(0)
  const list = brook("list", archive, "--quiet")
  expect(list.status).toBe(0)
  expect(list.stdout.split("\n").slice(1, 4).map((l) => l.split("\t")[0])).toEqual(["ref", "s1", "s2"])
  const out = path.join(dir, "out")
  fs.mkdirSync(out)
  expect(brook("unpack", archive, "-o", out, "--quiet").status).toBe(0)
  for (const f of files) expect(fs.readFileSync(path.join(out, path.basename(f))).equals(fs.readFileSync(f))).toBe(true)
  const one = brook("unpack", archive, "--sample", "s1")
  expect(one.status).toBe(0)
  expect(one.stdout).toBe(fs.readFileSync(files[1], "utf8"))
  expect(one.stderr).toMatch(/read \d+ of \d+ archive bytes/)
  const range = brook("unpack", archive, "--contig", "s2#1:3-10", "--quiet")
  expect(range.stdout).toBe(`>s2#1:3-10\n${mutate(chr, rng(2)).toLowerCase().slice(2, 10)}\n`)
}, SLOW_TEST)

test("usage errors exit 2", () => {
  expect(brook("pack", archive).status).toBe(2)
  expect(brook("pack", path.join(dir, "d.brk"), files[0], files[0]).status).toBe(2) // two samples named ref
  expect(brook("unpack").status).toBe(2)
  expect(brook("unpack", archive, "--contig", "x:10-2").status).toBe(2)
  expect(brook("list", archive, "--bogus").status).toBe(2)
  for (const t of ["0", "1.5"]) {
    const r = brook("pack", path.join(dir, "t.brk"), files[0], "--threads", t)
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--threads must be a positive integer/)
  }
}, SLOW_TEST)

test("pack and append with --threads 2 write the same bytes as with --threads 1", () => {
  const small = ["--k", "21", "--segment-size", "400", "--quiet"]
  const [one, two] = ["one.brk", "two.brk"].map((n) => path.join(dir, n))
  expect(brook("pack", one, files[0], files[1], ...small, "--threads", "1").status).toBe(0)
  expect(brook("pack", two, files[0], files[1], ...small, "--threads", "2").status).toBe(0)
  expect(brook("append", one, files[2], "--quiet", "--threads", "1").status).toBe(0)
  expect(brook("append", two, files[2], "--quiet", "--threads", "2").status).toBe(0)
  expect(fs.readFileSync(two).equals(fs.readFileSync(one))).toBe(true)
}, SLOW_TEST)

test("a corrupted archive exits 1 with one line naming the pack", () => {
  const bad = path.join(dir, "bad.brk")
  const b = fs.readFileSync(archive)
  b[28] ^= 0x40 // inside the first pack (magic 8 bytes, frame 8)
  fs.writeFileSync(bad, b)
  const r = brook("unpack", bad, "--sample", "ref", "-o", path.join(dir, "never.fa"))
  expect(r.status).toBe(1)
  const lines = r.stderr.trim().split("\n")
  expect(lines.length).toBe(1)
  expect(lines[0]).toMatch(/InvalidInput: .*bad\.brk \(byte offset 16\): pack 0 \(group 0, reference\) is corrupted/)
  expect(fs.existsSync(path.join(dir, "never.fa"))).toBe(false)
}, SLOW_TEST)

test("a missing input exits 1 naming the file, and leaves no archive", () => {
  const out = path.join(dir, "none.brk")
  const r = brook("pack", out, files[0], path.join(dir, "missing.fa"))
  expect(r.status).toBe(1)
  expect(r.stderr).toContain("missing.fa")
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.includes(".part"))).toEqual([])
}, SLOW_TEST)

test("--help of each command shows an example", () => {
  for (const c of ["pack", "unpack", "list", "append"]) {
    const r = brook(c, "--help")
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/examples?:/)
  }
}, SLOW_TEST)

test("a failed append leaves the archive exactly as it was", () => {
  const copy = path.join(dir, "copy.brk")
  expect(brook("pack", copy, files[0], "--k", "21", "--segment-size", "400", "--quiet").status).toBe(0)
  const before = fs.readFileSync(copy)
  const bad = path.join(dir, "bad.fa")
  // a good contig of new sequence (a new group, its reference pack written at once), then a 2 MiB header
  fs.writeFileSync(bad, fasta([["new", randomBases(20000, rng(30))]]) + ">" + "h".repeat(2 << 20))
  const r = brook("append", copy, bad)
  expect(r.status).toBe(1)
  expect(r.stderr).toContain("bad.fa")
  expect(fs.readFileSync(copy).equals(before)).toBe(true)
})

for (const runtime of ["bun", "deno"]) {
  test(`${runtime}: pack -o OUT.brk and the old leading OUT.brk write the same archive; an existing one needs --force`, () => {
    const run = (...args: string[]) =>
      spawnSyncGroup(path.join(root, "bin", "brook"), args, {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, BROOK_RUNTIME: runtime },
      })
    const small = ["--k", "21", "--segment-size", "400", "-q"]
    const [flag, old] = [`flag-${runtime}.brk`, `old-${runtime}.brk`].map((n) => path.join(dir, n))
    expect(run("pack", "-o", flag, files[0], files[1], ...small).status).toBe(0)
    expect(run("pack", old, files[0], files[1], ...small).status).toBe(0)
    expect(fs.readFileSync(flag).equals(fs.readFileSync(old))).toBe(true)
    const before = fs.readFileSync(flag)
    const again = run("pack", "-o", flag, files[0], files[2], ...small)
    expect(again.status).toBe(2)
    expect(again.stderr).toBe(
      `brook pack: ${flag} exists: pass --force to replace it, or brook append to add samples to it\n`,
    )
    expect(fs.readFileSync(flag).equals(before)).toBe(true)
    expect(run("pack", "-o", flag, files[0], files[2], ...small, "--force").status).toBe(0)
    expect(fs.readFileSync(flag).equals(before)).toBe(false)
    // a FASTA file where the old form wants the archive: refused, not overwritten
    const fa = run("pack", files[0], files[1])
    expect(fa.status).toBe(2)
    expect(fa.stderr).toBe(
      `brook pack: '${files[0]}' looks like a FASTA file, not an archive: give the archive with -o OUT.brk\n`,
    )
    // short flags on unpack and list, -- before a name that starts with a dash
    const dashed = path.join(dir, `-dash-${runtime}.fa`)
    const absent = run("unpack", "-o", dashed, "--sample", "s1", "-q", "--", flag) // s1 is not in it
    expect([absent.status, absent.stderr.trim().split("\n").length, fs.existsSync(dashed)]).toEqual([1, 1, false])
    expect(run("unpack", "-o", dashed, "--sample", "s2", "-q", "--", flag).status).toBe(0)
    expect(fs.readFileSync(dashed).equals(fs.readFileSync(files[2]))).toBe(true)
    expect(run("list", "-q", "--", flag).stdout.split("\n")[2].split("\t")[0]).toBe("s2")
  }, SLOW_TEST)
}

test("AGC's contig@sample form in unpack and list; list --contigs lists contigs with their lengths", () => {
  const agc = path.join(dir, "agc.brk")
  expect(brook("pack", "-o", agc, ...files, "--k", "21", "--segment-size", "400", "-q").status).toBe(0)
  const lengths = files.map((f) => fs.readFileSync(f, "utf8").split(/\r?\n/).slice(1).join("").length)
  const all = brook("list", agc, "--contigs", "-q")
  expect([all.status, all.stdout]).toEqual([
    0,
    `sample\tcontig\tbases\nref\tref#1\t${lengths[0]}\ns1\ts1#1\t${lengths[1]}\ns2\ts2#1\t${lengths[2]}\n`,
  ])
  expect(brook("list", agc, "--contigs", "--sample", "s1", "-q").stdout).toBe(`sample\tcontig\tbases\ns1\ts1#1\t${lengths[1]}\n`)
  expect(brook("list", agc, "s2#1@s2", "@s1", "-q").stdout).toBe(
    `sample\tcontig\tbases\ns2\ts2#1\t${lengths[2]}\ns1\ts1#1\t${lengths[1]}\n`,
  )
  // unpack: several C@S[:F-T] after the archive, in order; the same bytes as one --contig at a time
  const one = brook("unpack", agc, "--contig", "s2#1:3-10", "--sample", "s2", "-q").stdout
  const two = brook("unpack", agc, "--contig", "s1#1@s1", "-q").stdout
  expect(two).toBe(fs.readFileSync(files[1], "utf8").replace(/\r/g, ""))
  const both = brook("unpack", agc, "s2#1@s2:3-10", "s1#1@s1", "-q")
  expect([both.status, both.stdout]).toEqual([0, one + two])
  // a sample that is not there: one line, exit 1, no output file
  const out = path.join(dir, "none.fa")
  const missing = brook("unpack", agc, "s1#1@s1", "s2#1@nope", "-o", out)
  expect(missing.status).toBe(1)
  expect(missing.stderr.trim().split("\n").length).toBe(1)
  expect(missing.stderr).toContain("no contig 's2#1@nope'")
  expect(fs.existsSync(out)).toBe(false)
  const unknown = brook("list", agc, "@nope")
  expect(unknown.status).toBe(1)
  expect(unknown.stderr).toContain("no sample 'nope'")
  expect(brook("list", agc, "--sample", "s1").status).toBe(2)
})

test("unpack holds back its working memory: a --memory below it is refused before the archive is read", () => {
  const small = ["--k", "21", "--segment-size", "400", "-q"]
  const own = path.join(dir, "budget.brk")
  expect(brook("pack", own, files[0], files[1], ...small).status).toBe(0)
  const out = path.join(dir, "budget-s1.fa")
  const r = brook("unpack", own, "--sample", "s1", "-o", out, "--memory", "20M")
  expect(r.status).toBe(1)
  expect(r.stderr).toBe(
    "brook unpack: BudgetExceeded: unpack needs 28.0 MiB but only 20.0 MiB of the memory budget is left " +
      "(24.0 MiB of working memory and a cache of packs of at least 4.0 MiB)\n",
  )
  expect(fs.existsSync(out)).toBe(false)
  expect(brook("unpack", own, "--sample", "s1", "-o", out, "--memory", "28M", "-q").status).toBe(0)
  expect(fs.readFileSync(out).equals(fs.readFileSync(files[1]))).toBe(true)
})
