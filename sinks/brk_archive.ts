/**
 * writeArchive: the .brk sink. Packs go to the file as they arrive; the catalog of this session
 * (groups, packs with CRC-32s, samples) and the footer are written when the stream closes. A new
 * archive is written under a temp name and renamed on success; an append writes after the existing
 * footer and, on failure or cancellation, truncates the file back to its old length.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import type { PackEvent } from "../core/batches.ts"
import { crc32 } from "../core/bytes.ts"
import { outputFailed } from "../core/errors.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { compress } from "../formats/brk/codec.ts"
import {
  type Catalog,
  CATALOG_FRAME,
  type ContigEntry,
  MAGIC,
  type PackEntry,
  type SampleEntry,
  type SegmentPlace,
  writeCatalog,
  writeFooter,
  writeFrame,
} from "../formats/brk/format.ts"

/** Where an append starts: the existing file's length, footer offset and first free pack id. */
export interface AppendPoint {
  readonly length: number
  readonly footer: number
  readonly nextPack: number
}

/** What was written, for the command's summary. */
export interface ArchiveSummary {
  bytes: number
  packs: number
  groups: number
  samples: number
}

/** The catalog is small and written once a session: the highest level costs little. */
const CATALOG_LEVEL = 19

export function writeArchive(
  target: string,
  options: { append?: AppendPoint; summary?: ArchiveSummary } = {},
): Sink<PackEvent> {
  const name = "writeArchive"
  const bytes = 1 << 20
  return {
    kind: "sink",
    name,
    ...fixedShare(bytes),
    make: () =>
      Effect.gen(function* () {
        const append = options.append
        let fd: number
        let commit: () => void
        let guard = <T>(sink: UnderlyingSink<T>) => sink
        if (append) {
          try {
            fd = fs.openSync(target, "r+")
          } catch (e) {
            throw outputFailed(target, e)
          }
          let done = false
          commit = () => done = true
          yield* Effect.addFinalizer(() =>
            Effect.sync(() => {
              if (!done) fs.ftruncateSync(fd, append.length)
              fs.closeSync(fd)
            })
          )
        } else {
          const out = yield* atomicOutput(target)
          guard = out.guard
          fd = fs.openSync(out.tempPath, "w")
          let closed = false
          commit = () => {
            fs.closeSync(fd)
            closed = true
            out.commit()
          }
          yield* Effect.addFinalizer(() => Effect.sync(() => !closed && fs.closeSync(fd)))
        }
        let pos = append ? append.length : 0
        const write = (b: Uint8Array) => {
          writeAllAt(fd, b, pos)
          pos += b.length
        }
        if (!append) write(MAGIC)
        else guard = (sink) => appendFailures(target, sink)
        const catalog: Catalog = { groups: [], packs: [], samples: [] }
        let params: Catalog["params"]
        let nextPack = append?.nextPack ?? 0
        let sample: SampleEntry | undefined
        let segments: SegmentPlace[] = []
        return new WritableStream<PackEvent>(guard({
          write(e) {
            switch (e.kind) {
              case "params":
                if (!append) params = { k: e.k, segmentSize: e.segmentSize, splitters: e.splitters }
                break
              case "group":
                catalog.groups.push({ id: e.id, a: e.a, b: e.b })
                break
              case "pack": {
                write(writeFrame(nextPack, e.bytes.length))
                const entry: PackEntry = {
                  id: nextPack++,
                  offset: pos,
                  length: e.bytes.length,
                  crc: crc32(e.bytes),
                  group: e.group,
                  ref: e.ref,
                  first: e.first,
                  count: e.count,
                }
                write(e.bytes)
                catalog.packs.push(entry)
                break
              }
              case "sample":
                sample = {
                  name: e.name,
                  file: e.file.split(/[\\/]/).pop()!,
                  crc: 0,
                  size: 0,
                  preamble: [],
                  contigs: [],
                }
                break
              case "contig":
                segments = []
                break
              case "place":
                segments.push({ group: e.group, ordinal: e.ordinal, rc: e.rc, skip: e.skip, length: e.length })
                break
              case "contigEnd":
                sample!.contigs.push({ side: e.side, segments } satisfies ContigEntry)
                segments = []
                break
              case "sampleEnd":
                catalog.samples.push({ ...sample!, crc: e.crc, size: e.size, preamble: e.preamble })
                sample = undefined
                break
            }
          },
          close() {
            const body = compress(writeCatalog({ ...catalog, params }), CATALOG_LEVEL)
            write(writeFrame(CATALOG_FRAME, body.length))
            const at = pos
            write(body)
            write(
              writeFooter({
                catalogOffset: at,
                catalogLength: body.length,
                catalogCrc: crc32(body),
                previous: append?.footer ?? 0,
              }, crc32),
            )
            fs.fsyncSync(fd)
            commit()
            if (options.summary) {
              Object.assign(options.summary, {
                bytes: pos,
                packs: catalog.packs.length,
                groups: catalog.groups.length,
                samples: catalog.samples.length,
              })
            }
          },
        }))
      }),
  }
}

function writeAllAt(fd: number, b: Uint8Array, pos: number): void {
  let done = 0
  while (done < b.length) done += fs.writeSync(fd, b, done, b.length - done, pos + done)
}

/** An append's sink with its system errors as OutputFailed naming the archive (its finalizer truncates it back). */
function appendFailures<T>(target: string, sink: UnderlyingSink<T>): UnderlyingSink<T> {
  const named = <A extends unknown[]>(f: ((...a: A) => void) | undefined) =>
    f && ((...a: A) => {
      try {
        f(...a)
      } catch (e) {
        throw outputFailed(target, e)
      }
    })
  return { ...sink, write: named(sink.write as (c: T) => void), close: named(sink.close as () => void) }
}
