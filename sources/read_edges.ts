/**
 * readEdges: the edge source for `brook leiden`. TSV (`i j [w [s]]` per line, tabs or spaces, `#` comments)
 * or Parquet (src, dst and an optional weight column, as `brook edges` writes).
 *
 * Node ids: when every id is an integer in [0, 2^32 - 2] it is the node number itself (nodes that never
 * appear are isolated, as igraph reads an edge list); otherwise ids are strings, interned to node numbers
 * in order of first appearance, and the output labels nodes by them.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetRead } from "hyparquet"
import type { EdgeBatch } from "../core/batches.ts"
import { type ByteSource, fileSource } from "../core/byte_source.ts"
import { allowance, PendingAllowance } from "../core/budget.ts"
import { InvalidInput } from "../core/errors.ts"
import { sniffFormat } from "../core/files.ts"
import type { Source } from "../core/operator.ts"
import { asyncBuffer } from "../formats/parquet/async_buffer.ts"
import { NodeTable } from "../graph/node_table.ts"

/** Edges per emitted batch. */
const BATCH = 1 << 16
/** Bytes read from a TSV file at a time. */
const READ_BYTES = 1 << 20
const MAX_NODE = 0xffff_fffe

/**
 * What a Parquet decoder's error means: its own message, except for the engine's TypeErrors (hyparquet
 * walking metadata whose fields are missing or of the wrong kind), which mean nothing to a user.
 */
const decoderReason = (e: unknown): string =>
  e instanceof TypeError
    ? "corrupt metadata (a field is missing or of the wrong kind)"
    : String((e as Error)?.message ?? e)

/** Parquet by the file's first bytes (PAR1), else TSV, whatever the name. */
const isParquet = (file: string) => sniffFormat(file) === "parquet"

/** Interned string ids, seen downstream as an IdTable. */
class InternedIds {
  readonly kind = "string" as const
  constructor(readonly table: NodeTable) {}
  get length(): number {
    return this.table.size
  }
  get(row: number): string {
    return String(this.table.id(row))
  }
}

/**
 * Edges of one file, or of several read one after another (the parts `--shard i/k` runs write): their
 * ids must be of one kind, and string ids are interned across all of them.
 */
export function readEdges(files: string | readonly string[]): Source<EdgeBatch> {
  const name = "readEdges"
  const list = typeof files === "string" ? [files] : [...files]
  const rows: number[] = []
  let ids: InternedIds | undefined
  // the node table grows with the ids it meets: its allocations are reserved from what the budget has left
  let tableMemory: PendingAllowance | undefined
  return {
    kind: "source",
    name,
    weight: 0,
    describe: () =>
      Effect.gen(function* () {
        if (list.length === 0) return yield* new InvalidInput({ file: "edges", reason: "no edge file given" })
        const kinds: boolean[] = []
        for (const file of list) {
          if (!fs.existsSync(file)) return yield* new InvalidInput({ file, reason: "no such file" })
          if (isParquet(file)) {
            const meta = yield* Effect.tryPromise({
              try: async () => {
                const src = fileSource(file)
                try {
                  return await parquetMetadataAsync(asyncBuffer(src))
                } finally {
                  src.close()
                }
              },
              catch: (e) =>
                new InvalidInput({
                  file,
                  // the footer: its length field sits 8 bytes before the end
                  offset: Math.max(0, fs.statSync(file).size - 8),
                  reason: `not a readable Parquet file: ${decoderReason(e)}`,
                }),
            })
            const names = meta.schema.slice(1).map((s) => s.name)
            for (const c of ["src", "dst"]) {
              if (!names.includes(c)) {
                return yield* new InvalidInput({ file, reason: `no "${c}" column (columns: ${names.join(", ")})` })
              }
            }
            rows.push(Number(meta.num_rows))
            kinds.push(meta.schema.find((s) => s.name === "src")?.type === "BYTE_ARRAY")
          } else {
            rows.push(countLines(file))
            kinds.push(firstLineHasStringIds(file))
          }
          if (kinds[kinds.length - 1] !== kinds[0]) {
            return yield* new InvalidInput({
              file,
              reason: `its ids are ${kinds[kinds.length - 1] ? "strings" : "node numbers"}, those of ${
                list[0]
              } are not`,
            })
          }
        }
        if (kinds[0]) {
          tableMemory = new PendingAllowance("the node table of the edges' string ids")
          ids = new InternedIds(new NodeTable("string", 0, tableMemory))
        }
        return { file: list.length === 1 ? list[0] : `${list[0]} (+${list.length - 1} more)`, edges: sum(rows), ids }
      }),
    minimum: () => BATCH * 12 + READ_BYTES,
    plan: () => Effect.succeed({ bytes: BATCH * 12 + READ_BYTES }),
    make: (plan) =>
      Effect.gen(function* () {
        if (tableMemory) tableMemory.bind(yield* allowance(name, 0))
        let k = 0
        let current: ReadableStreamDefaultReader<EdgeBatch> | undefined
        const open = (file: string, r: number) =>
          (isParquet(file) ? parquetEdges(file, r, ids) : tsvEdges(file, ids?.table)).getReader()
        return new ReadableStream<EdgeBatch>({
          async pull(controller) {
            for (;;) {
              current ??= open(list[k], rows[k])
              const { done, value } = await current.read()
              if (!done) return controller.enqueue(value)
              current = undefined
              if (++k === list.length) return controller.close()
            }
          },
          cancel: (reason) => current?.cancel(reason),
        })
      }),
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** Newlines in a file (an upper bound on its edges, known before any edge is kept). */
function countLines(file: string): number {
  const src = fileSource(file)
  try {
    const buf = new Uint8Array(READ_BYTES)
    let at = 0, lines = 0, last = 10
    for (;;) {
      const n = src.read(at, buf)
      if (n === 0) break
      for (let x = 0; x < n; x++) if (buf[x] === 10) lines++
      last = buf[n - 1]
      at += n
    }
    return lines + (last !== 10 ? 1 : 0)
  } finally {
    src.close()
  }
}

class Batch {
  src = new Uint32Array(BATCH)
  dst = new Uint32Array(BATCH)
  weight = new Float32Array(BATCH)
  length = 0
  take(): EdgeBatch {
    const out = { src: this.src, dst: this.dst, weight: this.weight, length: this.length }
    this.src = new Uint32Array(BATCH)
    this.dst = new Uint32Array(BATCH)
    this.weight = new Float32Array(BATCH)
    this.length = 0
    return out
  }
}

/** Whether the first edge line of a TSV file has an id that is not a node number. */
function firstLineHasStringIds(file: string): boolean {
  const src = fileSource(file)
  try {
    const buf = new Uint8Array(READ_BYTES)
    const text = new TextDecoder("latin1").decode(buf.subarray(0, src.read(0, buf)))
    for (const raw of text.split("\n")) {
      const t = raw.trim()
      if (t === "" || t.startsWith("#")) continue
      const parts = t.split(/[\t ]+/)
      return parts.length >= 2 && (toNode(parts[0]) < 0 || toNode(parts[1]) < 0)
    }
    return false
  } finally {
    src.close()
  }
}

/** Edges of a TSV file; string ids are interned into `table`, integer ids are node numbers. */
function tsvEdges(file: string, table: NodeTable | undefined): ReadableStream<EdgeBatch> {
  let src: ByteSource | undefined
  let offset = 0
  let line = 0
  let carry = ""
  const mode = table ? "string" : "integer"
  const buf = new Uint8Array(READ_BYTES)
  const decoder = new TextDecoder("latin1")
  const batch = new Batch()
  const bad = (reason: string, at: number) => new InvalidInput({ file, row: line, offset: at, reason })
  const node = (tok: string, at: number): number => {
    if (mode === "integer") {
      const v = toNode(tok)
      if (v < 0) {
        throw bad(`node id "${tok}" is not an integer in [0, ${MAX_NODE}] like the ids before it`, at)
      }
      return v
    }
    return table!.intern(tok)
  }
  const parseLine = (text: string, at: number) => {
    line++
    const t = text.trim()
    if (t === "" || t.startsWith("#")) return
    const parts = t.split(/[\t ]+/)
    // a fourth field is the similarity `brook edges` writes: the graph does not need it
    if (parts.length < 2 || parts.length > 4) throw bad(`expected "i j [w [s]]", got ${parts.length} fields`, at)
    const w = parts.length >= 3 ? Number(parts[2]) : 1
    if (!(w >= 0) || w === Infinity) throw bad(`weight "${parts[2]}" is not a finite number >= 0`, at)
    batch.src[batch.length] = node(parts[0], at)
    batch.dst[batch.length] = node(parts[1], at)
    batch.weight[batch.length++] = w
  }
  return new ReadableStream<EdgeBatch>({
    pull(controller) {
      src ??= fileSource(file)
      while (batch.length < BATCH - 1) {
        const n = src.read(offset, buf)
        if (n === 0) {
          if (carry !== "") parseLine(carry, offset - carry.length)
          carry = ""
          if (batch.length > 0) controller.enqueue(batch.take())
          src.close()
          controller.close()
          return
        }
        const text = carry + decoder.decode(buf.subarray(0, n))
        const base = offset - carry.length
        offset += n
        let start = 0
        for (;;) {
          const nl = text.indexOf("\n", start)
          if (nl < 0) break
          parseLine(text.slice(start, nl), base + start)
          start = nl + 1
          if (batch.length === BATCH) controller.enqueue(batch.take())
        }
        carry = text.slice(start)
        if (carry.length > READ_BYTES) throw bad("a line longer than 1 MiB", base + start)
      }
      controller.enqueue(batch.take())
    },
    cancel() {
      src?.close()
    },
  })
}

/** A non-negative integer node id, or -1. */
function toNode(tok: string): number {
  if (!/^\d{1,10}$/.test(tok)) return -1
  const v = Number(tok)
  return v <= MAX_NODE ? v : -1
}

function parquetEdges(file: string, rows: number, ids: InternedIds | undefined): ReadableStream<EdgeBatch> {
  let at = 0
  // the file and its footer are opened and parsed once, not for every batch
  let opened: Promise<{ src: ByteSource; buffer: AsyncBuffer; metadata: FileMetaData }> | undefined
  const open = async () => {
    const src = fileSource(file)
    try {
      const buffer = asyncBuffer(src)
      return { src, buffer, metadata: await parquetMetadataAsync(buffer) }
    } catch (e) {
      src.close()
      throw e
    }
  }
  const close = async () => {
    const o = opened
    opened = undefined
    ;(await o?.catch(() => undefined))?.src.close()
  }
  return new ReadableStream<EdgeBatch>({
    async pull(controller) {
      if (at >= rows) {
        await close()
        controller.close()
        return
      }
      const end = Math.min(rows, at + BATCH)
      const n = end - at
      const out = new Batch()
      out.weight.fill(1, 0, n)
      const filled = { src: 0, dst: 0, weight: 0 }
      const bad = (row: number, reason: string) => new InvalidInput({ file, row, reason })
      try {
        const { buffer, metadata } = await (opened ??= open())
        let failure: unknown
        const chunk = (c: { columnName: string; columnData: unknown; rowStart: number; rowEnd: number }) => {
          // a chunk covers [c.rowStart, c.rowEnd) of the file, which may reach outside [at, end)
          const col = c.columnName as "src" | "dst" | "weight"
          const data = c.columnData as ArrayLike<unknown>
          const lo = Math.max(at, c.rowStart), hi = Math.min(end, c.rowEnd)
          for (let r = lo; r < hi; r++) {
            const v = data[r - c.rowStart]
            if (col === "weight") {
              const w = Number(v)
              if (!(w >= 0) || w === Infinity) throw bad(r, `weight ${String(v)} is not a finite number >= 0`)
              out.weight[r - at] = w
            } else if (ids) out[col][r - at] = ids.table.intern(String(v))
            else {
              const x = Number(v)
              if (!Number.isInteger(x) || x < 0 || x > MAX_NODE) throw bad(r, `${col} ${String(v)} is not a node id`)
              out[col][r - at] = x
            }
          }
          filled[col] += Math.max(0, hi - lo)
        }
        await parquetRead({
          file: buffer,
          metadata,
          columns: ["src", "dst", "weight"],
          rowStart: at,
          rowEnd: end,
          // hyparquet calls onChunk inside a promise callback nobody awaits: a throw there would be an
          // unhandled rejection, so the first failure is kept and thrown once the read has settled
          onChunk: (c) => {
            if (failure) return
            try {
              chunk(c)
            } catch (e) {
              failure = e
            }
          },
        })
        if (failure) throw failure
      } catch (e) {
        await close()
        if (e instanceof InvalidInput) throw e
        throw bad(at, `cannot decode: ${decoderReason(e)}`)
      }
      if (filled.src < n || filled.dst < n) {
        await close()
        throw bad(at, "src or dst column ends early")
      }
      out.length = n
      at = end
      controller.enqueue(out.take())
    },
    cancel: close,
  })
}
