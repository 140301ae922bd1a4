/**
 * The skeleton of a line-per-row text sink: a buffer of text written in 1 MiB pieces to a file (under a
 * temp name, renamed when the stream closes, removed when it aborts) or to stdout when the target is "-".
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import type { StreamInfo } from "../core/batches.ts"
import { MemoryBudget } from "../core/budget.ts"
import { writeAll } from "../core/files.ts"
import type { Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"

/** Bytes of text buffered before a write. */
export const TEXT_BUFFER = 1 << 20

/**
 * A sink named `name` writing the lines `format(info)` makes of each batch: it calls `push` with each
 * line, newline included.
 */
export function textLinesSink<T>(
  name: string,
  target: string,
  format: (info: StreamInfo) => (batch: T, push: (line: string) => void) => void,
): Sink<T> {
  return {
    kind: "sink",
    name,
    weight: 0,
    describe: (up) => Effect.succeed(up),
    minimum: () => 2 * TEXT_BUFFER,
    plan: () => Effect.succeed({ bytes: 2 * TEXT_BUFFER }),
    make: (plan, info) =>
      Effect.gen(function* () {
        const budget = yield* MemoryBudget
        yield* budget.reserve(name, plan.bytes)
        const out = target === "-" ? undefined : yield* atomicOutput(target)
        const fd = out ? fs.openSync(out.tempPath, "w") : 1
        const enc = new TextEncoder()
        const lines = format(info)
        let text = ""
        const flush = () => {
          writeAll(fd, enc.encode(text))
          text = ""
        }
        const push = (line: string) => {
          text += line
          if (text.length >= TEXT_BUFFER) flush()
        }
        return new WritableStream<T>({
          write(batch) {
            lines(batch, push)
          },
          close() {
            flush()
            if (out) {
              fs.closeSync(fd)
              out.commit()
            }
          },
          abort() {
            if (out) {
              fs.closeSync(fd)
              out.discard()
            }
          },
        })
      }),
  }
}
