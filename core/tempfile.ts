/**
 * Temp files tied to a Scope: removed when the scope closes, whether the run succeeded, failed or
 * was cancelled. Outputs are written under a temp name beside the target and renamed on success.
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

let counter = 0
const uniq = () => `${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`

const removeQuietly = (file: string) => {
  try {
    fs.rmSync(file, { force: true })
  } catch {
    // already gone
  }
}

/** Directory for spill files: BROOK_TMPDIR, else the system temp directory. */
export const tempDir = (): string => process.env.BROOK_TMPDIR || os.tmpdir()

/** A fresh temp file path, deleted when the scope closes. */
export const scopedTempFile = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => path.join(tempDir(), `brook-${prefix}-${uniq()}.tmp`)),
    (file) => Effect.sync(() => removeQuietly(file)),
  )

/** An output written to `target.brook-*.part` and renamed over `target` by `commit()`. */
export interface AtomicOutput {
  readonly tempPath: string
  readonly target: string
  commit(): void
  discard(): void
}

export const atomicOutput = (target: string): Effect.Effect<AtomicOutput, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): AtomicOutput => {
      const tempPath = path.join(path.dirname(target), `.${path.basename(target)}.brook-${uniq()}.part`)
      let done = false
      return {
        tempPath,
        target,
        commit() {
          if (done) return
          fs.renameSync(tempPath, target)
          done = true
        },
        discard() {
          done = true
          removeQuietly(tempPath)
        },
      }
    }),
    (out) => Effect.sync(() => out.discard()),
  )
