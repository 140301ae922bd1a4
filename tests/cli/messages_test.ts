/** cli/messages.ts: failures name the user's files, never the temp names brook writes first, and say why. */
import { expect, test } from "bun:test"
import { userPaths, writeFailure } from "../../cli/messages.ts"

test("userPaths: every temp name in a message becomes the user's file name", () => {
  expect(userPaths("ENOSPC: no space left on device, write '/data/run/.edges.tsv.brook-13270-mxdpjfg1-0.part'"))
    .toBe("ENOSPC: no space left on device, write '/data/run/edges.tsv'")
  expect(userPaths("rename '.c.parquet.brook-1-a-2.part' -> 'c.parquet'")).toBe("rename 'c.parquet' -> 'c.parquet'")
  expect(userPaths("no temp name here: /x/.hidden.tsv")).toBe("no temp name here: /x/.hidden.tsv")
})

test("writeFailure: a system error on a temp file is one line naming the user's file and why", () => {
  const failure = (code: string, path: string) => writeFailure(Object.assign(new Error(code), { code, path }))
  expect(failure("ENOSPC", "/data/.edges.parquet.brook-99-k2-0.part")).toBe(
    "cannot write /data/edges.parquet: no space left on the device",
  )
  expect(failure("EACCES", ".x.tsv.brook-1-a-0.part")).toBe("cannot write x.tsv: permission denied")
  expect(failure("EWHATEVER", "/d/.x.arrows.brook-1-a-0.part")).toBe("cannot write /d/x.arrows: EWHATEVER")
  // not a write of an output: left to the message itself
  expect(failure("ENOENT", "/data/input.npy")).toBeUndefined()
  expect(writeFailure(new Error("plain"))).toBeUndefined()
  expect(writeFailure(undefined)).toBeUndefined()
})
