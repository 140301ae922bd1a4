/**
 * Every command's arguments, read by node:util parseArgs (the same parser on Bun, Deno and Node) and checked
 * here: long options (`--name value`, `--name=value`), the short forms below, `--` ending the options, unknown
 * options refused. One usage error per mistake, one line each.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs as nodeParseArgs } from "node:util"
import { formatBytes, parseSize } from "../core/size.ts"

export class UsageError extends Error {}

export type OptionKind = "string" | "number" | "flag"

export interface OptionSpec {
  readonly [name: string]: OptionKind
}

/** The short forms, the same in every command that has the long option. */
export const SHORT: Readonly<Record<string, string>> = {
  out: "o",
  threshold: "t",
  memory: "m",
  threads: "j",
  quiet: "q",
  help: "h",
}

export interface Parsed {
  readonly positional: string[]
  readonly options: Record<string, string | number | boolean>
  /** -h or --help was given (before any `--`): the command prints its help and does nothing else. */
  readonly help: boolean
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

/** The options every command takes (main reads them through `seen`): help, quiet and progress. */
const EVERY: OptionSpec = { help: "flag", quiet: "flag", progress: "flag", "progress-interval": "number" }

/**
 * What the last parse saw of the options main acts on: -q/--quiet (no summary, no progress), --progress and
 * --progress-interval (seconds between the plain progress lines written when stderr is not a terminal).
 */
export const seen: { quiet: boolean; progress: boolean; progressInterval?: number } = { quiet: false, progress: false }

export const PROGRESS_HELP = (on = true) =>
  `  --progress           progress on stderr (${
    on ? "the default" : "off by default: the stages of a pipe share one stderr"
  }):
                       one line redrawn on a terminal, else a plain line every 10 s
  --progress-interval S  seconds between the plain lines (default 10)`

/** Parses `argv` against `spec` (help, quiet and progress options are added to every spec). */
export function parseArgs(argv: readonly string[], spec: OptionSpec): Parsed {
  const all: Record<string, OptionKind> = { ...EVERY, ...spec }
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {}
  for (const [name, kind] of Object.entries(all)) {
    options[name] = { type: kind === "flag" ? "boolean" : "string", ...(SHORT[name] ? { short: SHORT[name] } : {}) }
  }
  const { tokens } = nodeParseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true })
  const positional: string[] = []
  const values: Record<string, string | number | boolean> = {}
  if (tokens.some((t) => t.kind === "option" && t.name === "help")) return { positional, options: values, help: true }
  for (const t of tokens) {
    if (t.kind === "positional") positional.push(t.value)
    if (t.kind !== "option") continue
    const kind = all[t.name]
    const shown = t.rawName.startsWith("--") || !kind ? t.rawName : `${t.rawName}/--${t.name}`
    if (!kind) throw new UsageError(`unknown option ${t.rawName}`)
    if (kind === "flag") {
      if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value`)
      values[t.name] = true
      continue
    }
    const value = t.value
    // `--out --quiet` or a missing value at the end: a value must not look like an option (numbers may be negative)
    if (value === undefined || (!t.inlineValue && value.startsWith("-") && value !== "-" && !NUMBER.test(value))) {
      throw new UsageError(`${shown} needs a value`)
    }
    if (kind === "number") {
      if (!NUMBER.test(value.trim())) throw new UsageError(`${shown}: '${value}' is not a number`)
      values[t.name] = Number(value)
    } else values[t.name] = value
  }
  const interval = values["progress-interval"] as number | undefined
  if (interval !== undefined && !(interval > 0)) throw new UsageError("--progress-interval must be > 0 seconds")
  seen.quiet = values.quiet === true
  seen.progress = values.progress === true
  seen.progressInterval = interval
  return { positional, options: values, help: false }
}

/** Parses a command's arguments; with -h/--help prints `help` on stdout and returns undefined. */
export function parseCommand(argv: readonly string[], spec: OptionSpec, help: string): Parsed | undefined {
  const p = parseArgs(argv, spec)
  if (!p.help) return p
  process.stdout.write(help + "\n")
  return undefined
}

/** The --help line of --memory. */
export const MEMORY_HELP = (what = "memory budget", fallback = "1G") =>
  `  -m, --memory SIZE    ${what}, e.g. 512M or 2G (K, M, G, T: powers of 1024; default ${fallback})`

/**
 * `--memory SIZE` in bytes (undefined when not given): a unit is required (core/size.ts), and no more than the
 * machine has.
 */
export function memoryOption(o: Record<string, unknown>, name = "memory"): number | undefined {
  const text = o[name] as string | undefined
  if (text === undefined) return undefined
  let bytes: number
  try {
    bytes = parseSize(text, name)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  if (bytes <= 0) throw new UsageError(`--${name}: ${text} must be more than 0 bytes`)
  const total = os.totalmem()
  if (bytes > total) {
    throw new UsageError(`--${name} ${text} is more than this machine's memory (${formatBytes(total)}): give less`)
  }
  return bytes
}

/** The command line as typed, quoted for a shell: what a report or a Parquet file says made it. */
export function commandLine(command: string, argv: readonly string[]): string {
  const quoted = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
  return ["brook", command, ...quoted].join(" ")
}

/** Before any work: the output's directory exists and (unless `directory`, as unpack takes) it is not one. */
export function checkWritable(file: string, options: { directory?: boolean } = {}): void {
  const dir = path.dirname(file)
  if (!fs.existsSync(dir)) throw new UsageError(`-o ${file}: the directory ${dir} does not exist`)
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`-o ${file}: ${dir} is a file, not a directory`)
  if (!options.directory && fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new UsageError(`-o ${file} is a directory: name a file in it`)
  }
}

/** `--shard i/k`: part i (0-based) of k. */
export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN
  if (!m || count < 1 || index >= count) throw new UsageError(`--shard: '${text}' is not i/k with 0 <= i < k`)
  return { index, count }
}

/** A positive integer option (threads, sizes), or undefined. */
export function positiveInteger(o: Record<string, unknown>, name: string): number | undefined {
  const v = o[name] as number | undefined
  if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UsageError(`--${name} must be a positive integer`)
  return v
}

/** `--iterations K` of Leiden: a positive integer, or -1 (until an iteration moves no node). */
export function iterationsOption(o: Record<string, unknown>): number | undefined {
  const v = o.iterations as number | undefined
  if (v !== undefined && !(Number.isInteger(v) && (v >= 1 || v === -1))) {
    throw new UsageError("--iterations must be a positive integer or -1")
  }
  return v
}

// ---- the options of the reading stage, shared by every command that reads embeddings ----

export const READ_SPEC = { column: "string", "id-column": "string", "zero-vectors": "string" } as const

export const READ_HELP = `  --column NAME        Parquet vector column (default: the first list column)
  --id-column NAME     Parquet id column (default: "id" when present)
  --zero-vectors MODE  error (default) or skip`

export function readOptions(o: Record<string, unknown>) {
  const zero = (o["zero-vectors"] ?? "error") as string
  if (zero !== "error" && zero !== "skip") throw new UsageError("--zero-vectors must be error or skip")
  return {
    column: o.column as string | undefined,
    idColumn: o["id-column"] as string | undefined,
    zeroVectors: zero as "error" | "skip",
  }
}

// ---- the weight of thresholdEdges, shared by edges, cluster and threshold-edges ----

export const WEIGHT_SPEC = { weight: "string", eps: "number" } as const

export const WEIGHT_HELP = `  --weight EXPR        weight as a mathjs expression in s, e.g. "exp(10*(s-1))"
  --eps E              eps of the default weight 1/(1 - min(s,1) + eps) (default 1e-6)`

export const weightOptions = (o: Record<string, unknown>) => ({
  weight: o.weight as string | undefined,
  eps: o.eps as number | undefined,
})
