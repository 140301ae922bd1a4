/**
 * Tagged errors every brook stage can fail with. They extend Error (through Data.TaggedError),
 * so they can also be thrown across a WHATWG stream boundary and recovered by tag.
 */
import * as Data from "effect/Data"

/** Bad bytes or values in an input: names the file and where (byte offset, row, record). */
export class InvalidInput extends Data.TaggedError("InvalidInput")<{
  readonly file: string
  readonly offset?: number
  readonly row?: number
  readonly reason: string
}> {
  override get message(): string {
    const where = [
      this.row !== undefined ? `row ${this.row}` : undefined,
      this.offset !== undefined ? `byte offset ${this.offset}` : undefined,
    ].filter(Boolean).join(", ")
    return `${this.file}${where ? ` (${where})` : ""}: ${this.reason}`
  }
}

/** A stage's plan does not fit in what the budget has left. Raised before any data moves. */
export class BudgetExceeded extends Data.TaggedError("BudgetExceeded")<{
  readonly operator: string
  readonly needed: number
  readonly available: number
  readonly detail?: string
}> {
  override get message(): string {
    return `${this.operator} needs ${formatBytesShort(this.needed)} but only ${
      formatBytesShort(this.available)
    } of the memory budget is left${this.detail ? ` (${this.detail})` : ""}`
  }
}

/** A file whose format (or variant of it) brook does not read. */
export class FormatUnsupported extends Data.TaggedError("FormatUnsupported")<{
  readonly file: string
  readonly format: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.file}: ${this.format} is not supported: ${this.reason}`
  }
}

/** The run was cancelled (AbortSignal, Ctrl-C). */
export class Cancelled extends Data.TaggedError("Cancelled")<{ readonly reason: string }> {
  override get message(): string {
    return `cancelled: ${this.reason}`
  }
}

/** A usage mistake in options (bad threshold, bad expression). */
export class InvalidOption extends Data.TaggedError("InvalidOption")<{
  readonly option: string
  readonly reason: string
}> {
  override get message(): string {
    return `--${this.option}: ${this.reason}`
  }
}

/**
 * An output could not be written: its disk is full, its file system read-only, its directory removed mid-run.
 * Names the user's file, never the temp name brook writes first.
 */
export class OutputFailed extends Data.TaggedError("OutputFailed")<{
  readonly file: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot write ${this.file}: ${this.reason}`
  }
}

/** Why a file could not be written, in words, by the system's error code. */
const WRITE_FAILURES: Record<string, string> = {
  ENOENT: "its directory does not exist",
  ENOTDIR: "a part of its directory is a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EISDIR: "it is a directory",
  EIO: "an I/O error on the device",
  EFBIG: "the file is too large for its file system",
}

/** The words for a system error `code` of a write ("no space left on the device"), else the code itself. */
export const writeFailureReason = (code: string): string => WRITE_FAILURES[code] ?? code

/** A system error of writing `file` (one with an errno code) as OutputFailed; anything else as it is. */
export function outputFailed(file: string, e: unknown): unknown {
  const code = (e as { code?: unknown })?.code
  return typeof code === "string" && /^E[A-Z]+$/.test(code) && code !== "EPIPE"
    ? new OutputFailed({ file, reason: writeFailureReason(code) })
    : e
}

export type BrookError = InvalidInput | BudgetExceeded | FormatUnsupported | Cancelled | InvalidOption | OutputFailed

/** True for any of brook's tagged errors (also after crossing a stream boundary). */
export const isBrookError = (e: unknown): e is BrookError =>
  typeof e === "object" && e !== null &&
  ["InvalidInput", "BudgetExceeded", "FormatUnsupported", "Cancelled", "InvalidOption", "OutputFailed"].includes(
    (e as { _tag?: string })._tag ?? "",
  )

/**
 * A thrown value for an Effect's error channel (`catch` of Effect.try and tryPromise): one of brook's errors
 * is returned as it is; anything else is a defect, not an input problem, and is thrown on (the fiber dies).
 */
export function brookError(e: unknown): BrookError {
  if (isBrookError(e)) return e
  throw e
}

function formatBytesShort(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`
  return `${n} B`
}
