/** Temp files tied to a Scope, and outputs written under a temp name and renamed on commit. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { atomicOutput, scopedTempFile, tempDir } from "../../core/tempfile.ts"
import { tempDir as makeDir } from "../helpers.ts"

const dir = makeDir()

/** Runs `body` with BROOK_TMPDIR set to `value` (or unset), restoring it after. */
async function withTmpdir<T>(value: string | undefined, body: () => Promise<T> | T): Promise<T> {
  const before = process.env.BROOK_TMPDIR
  if (value === undefined) delete process.env.BROOK_TMPDIR
  else process.env.BROOK_TMPDIR = value
  try {
    return await body()
  } finally {
    if (before === undefined) delete process.env.BROOK_TMPDIR
    else process.env.BROOK_TMPDIR = before
  }
}

test("tempDir is BROOK_TMPDIR, else the system's (an empty BROOK_TMPDIR counts as unset)", async () => {
  await withTmpdir(dir, () => expect(tempDir()).toBe(dir))
  await withTmpdir(undefined, () => expect(tempDir()).toBe(os.tmpdir()))
  await withTmpdir("", () => expect(tempDir()).toBe(os.tmpdir()))
})

test("a scoped temp file is a fresh name in the temp dir, removed when the scope closes", async () => {
  const names: string[] = []
  await withTmpdir(dir, () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const a = yield* scopedTempFile("spill")
      const b = yield* scopedTempFile("spill")
      names.push(a, b)
      expect(a).not.toBe(b)
      expect(path.dirname(a)).toBe(dir)
      expect(path.basename(a)).toMatch(/^brook-spill-.*\.tmp$/)
      expect(fs.existsSync(a)).toBe(false) // a name only: the caller creates it
      fs.writeFileSync(a, "x")
      fs.writeFileSync(b, "y")
    }))))
  for (const f of names) expect(fs.existsSync(f)).toBe(false)
})

test("the temp file goes on failure too, and a file never created is no error", async () => {
  let name = ""
  const exit = await withTmpdir(dir, () =>
    Effect.runPromiseExit(Effect.scoped(Effect.gen(function* () {
      name = yield* scopedTempFile("fail")
      fs.writeFileSync(name, "partial")
      yield* scopedTempFile("never-written")
      return yield* Effect.fail("boom")
    }))))
  expect(Exit.isFailure(exit)).toBe(true)
  expect(fs.existsSync(name)).toBe(false)
})

test("atomicOutput writes beside the target and renames on commit; the scope's end keeps the result", async () => {
  const target = path.join(dir, "out.tsv")
  let temp = ""
  await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const out = yield* atomicOutput(target)
    temp = out.tempPath
    expect(out.target).toBe(target)
    expect(path.dirname(temp)).toBe(dir)
    expect(path.basename(temp)).toMatch(/^\.out\.tsv\.brook-.*\.part$/)
    fs.writeFileSync(temp, "done\n")
    expect(fs.existsSync(target)).toBe(false)
    out.commit()
    out.commit() // a second commit is a no-op
    expect(fs.readFileSync(target, "utf8")).toBe("done\n")
  })))
  expect(fs.readFileSync(target, "utf8")).toBe("done\n")
  expect(fs.existsSync(temp)).toBe(false)
})

test("without a commit the partial output is removed and an existing target is left as it was", async () => {
  const target = path.join(dir, "kept.tsv")
  fs.writeFileSync(target, "old\n")
  let temp = ""
  const exit = await Effect.runPromiseExit(Effect.scoped(Effect.gen(function* () {
    const out = yield* atomicOutput(target)
    temp = out.tempPath
    fs.writeFileSync(temp, "half")
    return yield* Effect.fail("cancelled")
  })))
  expect(Exit.isFailure(exit)).toBe(true)
  expect(fs.existsSync(temp)).toBe(false)
  expect(fs.readFileSync(target, "utf8")).toBe("old\n")
})

test("discard removes the partial output, and a commit after it does nothing", async () => {
  const target = path.join(dir, "discarded.tsv")
  await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const out = yield* atomicOutput(target)
    fs.writeFileSync(out.tempPath, "x")
    out.discard()
    expect(fs.existsSync(out.tempPath)).toBe(false)
    out.commit()
  })))
  expect(fs.existsSync(target)).toBe(false)
})
