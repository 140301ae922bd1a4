/** A small, strict option parser: --name value, --name=value, --flag; unknown options are errors. */
export class UsageError extends Error {}

export interface OptionSpec {
  readonly [name: string]: "string" | "number" | "flag"
}

export function parseArgs(
  argv: string[],
  spec: OptionSpec,
): { positional: string[]; options: Record<string, string | number | boolean> } {
  const positional: string[] = []
  const options: Record<string, string | number | boolean> = {}
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]
    if (!a.startsWith("--") || a === "-") {
      positional.push(a)
      continue
    }
    const eq = a.indexOf("=")
    const name = a.slice(2, eq < 0 ? undefined : eq)
    const kind = spec[name]
    if (!kind) throw new UsageError(`unknown option --${name}`)
    if (kind === "flag") {
      options[name] = true
      continue
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++k]
    if (value === undefined) throw new UsageError(`--${name} needs a value`)
    if (kind === "number") {
      const n = Number(value)
      if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name}: '${value}' is not a number`)
      options[name] = n
    } else options[name] = value
  }
  return { positional, options }
}

/** `--shard i/k`: part i (0-based) of k. */
export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN
  if (!m || count < 1 || index >= count) throw new UsageError(`--shard: '${text}' is not i/k with 0 <= i < k`)
  return { index, count }
}
