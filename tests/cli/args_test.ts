/** cli/args.ts: one parser (node:util parseArgs) for every command: short flags, `--`, values, one-line errors. */
import { expect, test } from "bun:test"
import * as os from "node:os"
import { iterationsOption, memoryOption, parseArgs, readOptions, UsageError } from "../../cli/args.ts"

const spec = { out: "string", threshold: "number", memory: "string", threads: "number", verbose: "flag" } as const

test("short flags are the long options: -o out, -t threshold, -m memory, -j threads, -q quiet, -h help", () => {
  const p = parseArgs(["e.npy", "-t", "0.8", "-o", "o.tsv", "-m", "512M", "-j", "2", "-q"], spec)
  expect(p.positional).toEqual(["e.npy"])
  expect(p.options).toEqual({ threshold: 0.8, out: "o.tsv", memory: "512M", threads: 2, quiet: true })
  expect(p.help).toBe(false)
  expect(parseArgs(["e.npy", "-h"], spec).help).toBe(true)
  // grouped short flags and attached values
  expect(parseArgs(["-qo", "x.tsv", "-t0.5"], spec).options).toEqual({ quiet: true, out: "x.tsv", threshold: 0.5 })
})

test("--name=value, negative numbers as values, - as a positional, -- ends the options", () => {
  const p = parseArgs(["--threshold=-0.25", "-", "--memory", "1G", "--", "-o", "--weird.npy"], spec)
  expect(p.options).toEqual({ threshold: -0.25, memory: "1G" })
  expect(p.positional).toEqual(["-", "-o", "--weird.npy"])
  expect(parseArgs(["-t", "-1"], spec).options.threshold).toBe(-1)
  // -h after -- is a file name, not help
  expect(parseArgs(["--", "-h"], spec)).toEqual({ positional: ["-h"], options: {}, help: false })
})

test("help wins over any other mistake on the line", () => {
  expect(parseArgs(["--bogus", "--help"], spec).help).toBe(true)
})

test("mistakes are usage errors of one line", () => {
  const error = (argv: string[]) => {
    try {
      parseArgs(argv, spec)
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError)
      return (e as Error).message
    }
    throw new Error("no error")
  }
  expect(error(["--bogus"])).toBe("unknown option --bogus")
  expect(error(["-x"])).toBe("unknown option -x")
  expect(error(["-t", "abc"])).toBe("-t/--threshold: 'abc' is not a number")
  expect(error(["--threshold", "abc"])).toBe("--threshold: 'abc' is not a number")
  expect(error(["--out"])).toBe("--out needs a value")
  expect(error(["-o", "--quiet"])).toBe("-o/--out needs a value")
  expect(error(["--verbose=yes"])).toBe("--verbose takes no value")
})

test("the reading stage's options are checked the same way for every command", () => {
  expect(readOptions({ column: "vec", "id-column": "doc_id" })).toEqual({
    column: "vec",
    idColumn: "doc_id",
    zeroVectors: "error",
  })
  expect(() => readOptions({ "zero-vectors": "drop" })).toThrow("--zero-vectors must be error or skip")
})

test("--memory needs a unit and no more than the machine has", () => {
  expect(memoryOption({})).toBeUndefined()
  expect(memoryOption({ memory: "512M" })).toBe(512 * 2 ** 20)
  expect(memoryOption({ memory: "512MB" })).toBe(512 * 2 ** 20)
  expect(() => memoryOption({ memory: "512" })).toThrow('--memory: "512" has no unit')
  expect(() => memoryOption({ memory: "0G" })).toThrow("must be more than 0 bytes")
  const tooMuch = `${Math.ceil(os.totalmem() / 2 ** 30) + 1}G`
  expect(() => memoryOption({ memory: tooMuch })).toThrow(`--memory ${tooMuch} is more than this machine's memory`)
})

test("--iterations: a positive integer or -1 (until no node moves), the same for leiden, cluster and leiden-recursive", () => {
  expect(iterationsOption({})).toBeUndefined()
  expect(iterationsOption({ iterations: 3 })).toBe(3)
  expect(iterationsOption({ iterations: -1 })).toBe(-1)
  for (const bad of [0, -2, 1.5]) {
    expect(() => iterationsOption({ iterations: bad })).toThrow("--iterations must be a positive integer or -1")
  }
})
