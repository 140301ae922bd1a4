/** The tagged errors: their messages, recognition by tag (also for plain objects off a stream), brookError. */
import { expect, test } from "bun:test"
import {
  brookError,
  BudgetExceeded,
  Cancelled,
  FormatUnsupported,
  InvalidInput,
  InvalidOption,
  isBrookError,
} from "../../core/errors.ts"

test("InvalidInput names the file, then the row and byte offset when given", () => {
  expect(new InvalidInput({ file: "a.npy", reason: "bad magic" }).message).toBe("a.npy: bad magic")
  expect(new InvalidInput({ file: "a.npy", offset: 0, reason: "x" }).message).toBe("a.npy (byte offset 0): x")
  expect(new InvalidInput({ file: "a.npy", row: 7, reason: "x" }).message).toBe("a.npy (row 7): x")
  expect(new InvalidInput({ file: "a.npy", row: 0, offset: 128, reason: "x" }).message)
    .toBe("a.npy (row 0, byte offset 128): x")
})

test("BudgetExceeded states both sizes in the largest unit that fits, and the detail", () => {
  const e = new BudgetExceeded({ operator: "tiledCosine", needed: 3 * 2 ** 30, available: 512 })
  expect(e.message).toBe("tiledCosine needs 3.00 GiB but only 512 B of the memory budget is left")
  expect(new BudgetExceeded({ operator: "x", needed: 2 ** 20, available: 1023, detail: "the tiles" }).message)
    .toBe("x needs 1.0 MiB but only 1023 B of the memory budget is left (the tiles)")
  expect(new BudgetExceeded({ operator: "x", needed: 1536, available: 10.5 * 1024 }).message)
    .toBe("x needs 1.5 KiB but only 10.5 KiB of the memory budget is left")
})

test("the other errors' messages", () => {
  expect(new FormatUnsupported({ file: "f.h5", format: "HDF5", reason: "szip" }).message)
    .toBe("f.h5: HDF5 is not supported: szip")
  expect(new Cancelled({ reason: "SIGINT" }).message).toBe("cancelled: SIGINT")
  expect(new InvalidOption({ option: "threshold", reason: "must be in [-1, 1]" }).message)
    .toBe("--threshold: must be in [-1, 1]")
})

test("every error is an Error with its tag and fields", () => {
  const e = new InvalidInput({ file: "f", row: 3, reason: "r" })
  expect(e).toBeInstanceOf(Error)
  expect(e._tag).toBe("InvalidInput")
  expect(e.row).toBe(3)
  expect(new Cancelled({ reason: "x" })._tag).toBe("Cancelled")
})

test("isBrookError knows the five tags, also on plain objects, and nothing else", () => {
  for (
    const e of [
      new InvalidInput({ file: "f", reason: "r" }),
      new BudgetExceeded({ operator: "o", needed: 1, available: 0 }),
      new FormatUnsupported({ file: "f", format: "x", reason: "r" }),
      new Cancelled({ reason: "r" }),
      new InvalidOption({ option: "o", reason: "r" }),
      { _tag: "InvalidInput" }, // what a structured clone across a worker or stream leaves
    ]
  ) expect(isBrookError(e)).toBe(true)
  for (const e of [new Error("x"), { _tag: "Other" }, {}, null, undefined, "InvalidInput", 3]) {
    expect(isBrookError(e)).toBe(false)
  }
})

test("brookError returns brook's errors and rethrows anything else as a defect", () => {
  const e = new Cancelled({ reason: "r" })
  expect(brookError(e)).toBe(e)
  const defect = new TypeError("bug")
  let thrown: unknown
  try {
    brookError(defect)
  } catch (x) {
    thrown = x
  }
  expect(thrown).toBe(defect)
})
