/**
 * Temp files tied to a Scope: removed when the scope closes, whether the run succeeded, failed or
 * was cancelled. Outputs are written under a temp name beside the target and renamed on success, so the
 * target is the previous file or the complete new one, never a part. A process killed (SIGKILL, power loss)
 * leaves its `.NAME.brook-PID-*.part` behind: the next output to NAME removes those whose process is gone.
 */
import * as Effect from "effect/Effect"
import { outputFailed } from "./errors.ts"
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

/** An output written to `.target.brook-*.part` and renamed over `target` by `commit()`. */
export interface AtomicOutput {
  readonly tempPath: string
  readonly target: string
  commit(): void
  discard(): void
  /** `sink` with its failures to write (disk full, read-only, directory removed) as OutputFailed naming `target`. */
  guard<T>(sink: UnderlyingSink<T>): UnderlyingSink<T>
}

/** True when no process `pid` runs (a signal 0 cannot find it). */
const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return false
  } catch (e) {
    return (e as { code?: string }).code === "ESRCH"
  }
}

/** Removes the `.NAME.brook-PID-*.part` beside `target` left by killed runs (their PID no longer runs). */
function removeStaleParts(target: string): void {
  const dir = path.dirname(target), prefix = `.${path.basename(target)}.brook-`
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return // the write's own open says what is wrong with the directory
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".part")) continue
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1])
    if (pid > 0 && pid !== process.pid && gone(pid)) removeQuietly(path.join(dir, name))
  }
}

export const atomicOutput = (target: string): Effect.Effect<AtomicOutput, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): AtomicOutput => {
      removeStaleParts(target)
      const tempPath = path.join(path.dirname(target), `.${path.basename(target)}.brook-${uniq()}.part`)
      let done = false
      const named = <A extends unknown[]>(f: ((...a: A) => void | PromiseLike<void>) | undefined) =>
        f && ((...a: A): Promise<void> => {
          try {
            return Promise.resolve(f(...a)).catch((e) => Promise.reject(outputFailed(target, e)))
          } catch (e) {
            return Promise.reject(outputFailed(target, e))
          }
        })
      return {
        tempPath,
        target,
        commit() {
          if (done) return
          try {
            fs.renameSync(tempPath, target)
          } catch (e) {
            throw outputFailed(target, e)
          }
          done = true
        },
        guard: (sink) => ({ ...sink, start: named(sink.start), write: named(sink.write), close: named(sink.close) }),
        discard() {
          done = true
          removeQuietly(tempPath)
        },
      }
    }),
    (out) => Effect.sync(() => out.discard()),
  )
