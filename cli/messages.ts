/** What brook says when something fails: the user's file names, never the temp names brook writes first. */
import { writeFailureReason } from "../core/errors.ts"

/** The user's file names where a message names the temp file brook writes first (`.NAME.brook-ID.part`). */
export const userPaths = (message: string): string => message.replace(/\.([^/\\'"\s]+?)\.brook-[\w-]+\.part/g, "$1")

/** A failed write of an output (brook's temp file beside it): one line naming the user's file and why. */
export function writeFailure(e: unknown): string | undefined {
  const { code, path } = (e ?? {}) as { code?: string; path?: string }
  const temp = typeof path === "string" ? /^(.*?)\.([^/\\]+?)\.brook-[\w-]+\.part$/.exec(path) : null
  if (!temp || !code) return undefined
  return `cannot write ${temp[1]}${temp[2]}: ${writeFailureReason(code)}`
}
