/**
 * readFasta: the FASTA source. Streams every file (plain or gzip) in turn as sample, contig, uppercased sequence
 * and side events (see formats/fasta/parser.ts).
 */
import * as Effect from "effect/Effect"
import { Progress } from "../core/progress.ts"
import { fixedShare, type Source } from "../core/operator.ts"
import { crc32 } from "../core/bytes.ts"
import type { FastaEvent } from "../core/batches.ts"
import { fileChunks, READ_CHUNK } from "../formats/fasta/file_chunks.ts"
import { FastaParser, SEQUENCE_CHUNK } from "../formats/fasta/parser.ts"

/** Chunks read between two turns of the event loop. */
const YIELD_CHUNKS = 4

/** A sample is named after its file, without .gz and .fa/.fasta/.fna/.fas (as AGC names them). */
export const sampleName = (file: string): string =>
  (file.split(/[\\/]/).pop() ?? file).replace(/\.gz$/i, "").replace(/\.(fa|fasta|fna|fas|fsa)$/i, "")

/** The FASTA source: every file in turn, as sample, contig, sequence and side events. */
export function readFasta(files: readonly string[]): Source<FastaEvent> {
  const name = "readFasta"
  const bytes = READ_CHUNK * 3 + SEQUENCE_CHUNK * 2
  return {
    kind: "source",
    name,
    ...fixedShare(bytes),
    make: () =>
      Effect.gen(function* () {
        const progress = yield* Progress
        const events = fastaEvents(files, (done, read) =>
          progress.update(name, { done, total: files.length, unit: "samples", bytes: read }))
        return new ReadableStream<FastaEvent>({
          async pull(c) {
            const { value, done } = await events.next()
            if (done) {
              c.close()
            } else {for (const e of value) {
                c.enqueue(e)
              }}
          },
          async cancel() {
            await events.return(undefined)
          },
        }, { highWaterMark: 0 })
      }),
  }
}

async function* fastaEvents(
  files: readonly string[],
  report: (samplesDone: number, bytesRead: number) => void,
): AsyncGenerator<FastaEvent[]> {
  let chunks = 0, read = 0
  for (const [done, file] of files.entries()) {
    yield [{ kind: "sample", name: sampleName(file), file }]
    let batch: FastaEvent[] = []
    const parser = new FastaParser(file, {
      contig: () => batch.push({ kind: "contig" }),
      sequence: (b) => batch.push({ kind: "seq", bytes: b.slice() }),
      contigEnd: (side) => batch.push({ kind: "contigEnd", side }),
    })
    let crc = 0, size = 0
    for await (const chunk of fileChunks(file)) {
      crc = crc32(chunk, crc)
      size += chunk.length
      read += chunk.length
      report(done, read)
      parser.push(chunk)
      if (batch.length) yield batch
      batch = []
      // the stages downstream run on microtasks: let timers and signals (Ctrl-C, AbortSignal) in
      if (++chunks % YIELD_CHUNKS === 0) await new Promise((r) => setImmediate(r))
    }
    parser.finish()
    batch.push({ kind: "sampleEnd", preamble: parser.preamble, crc, size })
    report(done + 1, read)
    yield batch
  }
}
