/**
 * How a command ended, as an exit code and at most one line on stderr: its failure is classified into tagged
 * errors (brook's own keep their tags; a usage error, a closed stdout and anything else get theirs here) and
 * each tag is handled by catchTags. Exit codes: 0 success (or the reader of stdout went away, as Unix tools
 * do), 1 runtime error, 2 usage error or invalid option, 130 cancelled.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { type BrookError, isBrookError } from "../core/errors.ts"
import { UsageError } from "./args.ts"
import { userPaths, writeFailure } from "./messages.ts"

/** The reader of our stdout went away (`brook edges ... -o - | head`). */
class BrokenPipe extends Data.TaggedError("BrokenPipe")<{}> {}
/** A usage error (cli/args.ts throws UsageError). */
class Usage extends Data.TaggedError("Usage")<{ readonly message: string }> {}
/** Anything else a command threw: a failed write of an output, or a defect. */
class Unexpected extends Data.TaggedError("Unexpected")<{ readonly cause: unknown }> {}

type Failure = BrookError | BrokenPipe | Usage | Unexpected

const isBrokenPipe = (e: unknown) =>
  (e as { code?: string })?.code === "EPIPE" || /EPIPE|broken pipe/i.test(String((e as Error)?.message))

function classify(e: unknown): Failure {
  if (isBrokenPipe(e)) return new BrokenPipe()
  if (e instanceof UsageError) return new Usage({ message: e.message })
  if (isBrookError(e)) return e
  return new Unexpected({ cause: e })
}

/** Runs `command` and resolves with its exit code, having written its one-line message with `say`. */
export function commandOutcome(
  name: string,
  command: () => Promise<void>,
  say: (line: string) => void,
): Promise<number> {
  const line = (text: string, code: number) => Effect.sync(() => (say(`brook ${name}: ${userPaths(text)}`), code))
  const tagged = (code: number) => (e: BrookError) => line(`${e._tag}: ${e.message}`, code)
  return Effect.runPromise(
    Effect.tryPromise({ try: command, catch: classify }).pipe(
      Effect.as(0),
      Effect.catchTags({
        BrokenPipe: () => Effect.succeed(0),
        Usage: (e) => line(e.message, 2),
        InvalidOption: tagged(2),
        Cancelled: tagged(130),
        InvalidInput: tagged(1),
        BudgetExceeded: tagged(1),
        FormatUnsupported: tagged(1),
        OutputFailed: (e) => line(e.message, 1),
        Unexpected: (e) => line(writeFailure(e.cause) ?? String((e.cause as Error)?.message ?? e.cause), 1),
      }),
    ),
  )
}
