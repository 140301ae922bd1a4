/**
 * The Arrow IPC stream format (columnar format spec, "IPC Streaming Format"): a Schema message, then
 * RecordBatch messages, then the end-of-stream marker. Each message is 0xFFFFFFFF, the metadata
 * length, a FlatBuffer Message (padded to 8), then its body: the batch's buffers, each 8-aligned.
 * Reads uncompressed and ZSTD-compressed bodies; dictionary batches are refused by name.
 */
import { decompress as zstd } from "fzstd"
import { BudgetExceeded, FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import type { ByteReader } from "./byte_reader.ts"
import { type FbField_Table, FbTable, writeFlatBuffer } from "./flatbuffers.ts"
import { type ArrowField, type ArrowSchema, bufferCount, decodeSchema, encodeSchema, typeName } from "./schema.ts"

const CONTINUATION = 0xffffffff
const METADATA_V5 = 4
const HEADER = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const
const ALIGN = 8

/** One column of a record batch: its buffers (validity first) as views into the message body. */
export interface ArrowColumn {
  readonly field: ArrowField
  readonly length: number
  readonly nullCount: number
  readonly buffers: readonly Uint8Array[]
  readonly children: readonly ArrowColumn[]
}

export interface RecordBatch {
  readonly length: number
  readonly columns: readonly ArrowColumn[]
  /** Where the batch's message starts in the stream, and its body (for the offsets of bad values). */
  readonly at: number
  readonly body: Uint8Array
  readonly bodyAt: number
}

/** The stream offset of byte `k` of `view`, when `view` lies in the batch's body (not decompressed). */
export function streamOffset(b: RecordBatch, view: Uint8Array, k = 0): number | undefined {
  return view.buffer === b.body.buffer ? b.bodyAt + view.byteOffset - b.body.byteOffset + k : undefined
}

/** What a writer hands in for one column: its buffers (undefined validity = no nulls) and children. */
export interface ColumnData {
  readonly length: number
  readonly buffers: readonly (ArrayBufferView | undefined)[]
  readonly children?: readonly ColumnData[]
}

/** A message's metadata, read and checked once. */
interface Message {
  readonly msg: FbTable
  readonly at: number
  readonly type: number
  readonly bodyLength: number
  readonly header: FbTable
}

/** The 8 bytes that end a stream. */
export const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])

const pad8 = (n: number) => Math.ceil(n / ALIGN) * ALIGN

function frame(header: number, body: FbField_Table, bodyLength: number): Uint8Array {
  const meta = writeFlatBuffer([
    { t: "i16", v: METADATA_V5 },
    { t: "u8", v: header },
    { t: "table", v: body },
    { t: "i64", v: bodyLength },
  ])
  const out = new Uint8Array(8 + pad8(meta.length))
  const dv = new DataView(out.buffer)
  dv.setUint32(0, CONTINUATION, true)
  dv.setInt32(4, out.length - 8, true)
  out.set(meta, 8)
  return out
}

export function encodeSchemaMessage(schema: ArrowSchema): Uint8Array {
  return frame(HEADER.Schema, encodeSchema(schema), 0)
}

/** A RecordBatch message as parts to write in order (the column buffers are not copied). */
export function encodeRecordBatch(length: number, columns: readonly ColumnData[]): Uint8Array[] {
  const nodes: Array<[number, number]> = []
  const buffers: Array<[number, number]> = []
  const parts: Uint8Array[] = []
  let body = 0
  const visit = (c: ColumnData) => {
    nodes.push([c.length, 0])
    for (const b of c.buffers) {
      const bytes = b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(0)
      buffers.push([body, bytes.length])
      if (bytes.length) parts.push(bytes)
      const padded = pad8(bytes.length)
      if (padded > bytes.length) parts.push(new Uint8Array(padded - bytes.length))
      body += padded
    }
    for (const child of c.children ?? []) visit(child)
  }
  columns.forEach(visit)
  const pairs = (xs: Array<[number, number]>) => ({
    t: "structs" as const,
    size: 16,
    count: xs.length,
    put: (dv: DataView, at: number, k: number) => {
      dv.setBigInt64(at, BigInt(xs[k][0]), true)
      dv.setBigInt64(at + 8, BigInt(xs[k][1]), true)
    },
  })
  const head = frame(HEADER.RecordBatch, [{ t: "i64", v: length }, pairs(nodes), pairs(buffers)], body)
  return [head, ...parts]
}

/** Reads one Arrow IPC stream: the schema first, then record batches until the end marker. */
export class ArrowStreamReader {
  schema!: ArrowSchema
  private ended = false

  constructor(readonly bytes: ByteReader, readonly name: string) {}

  private invalid(offset: number, reason: string): InvalidInput {
    return new InvalidInput({ file: this.name, offset, reason })
  }

  private peeked: Message | undefined | null = null

  /** Body bytes of the next message (0 at the end), read from its metadata only: for planning. */
  async peekBodyLength(): Promise<number> {
    if (this.ended) return 0
    if (this.peeked === null) this.peeked = await this.message()
    return this.peeked ? this.peeked.bodyLength : 0
  }

  /** Next message's metadata and where it starts, or undefined at the end marker. */
  private async message(): Promise<Message | undefined> {
    if (this.peeked !== null) {
      const p = this.peeked
      this.peeked = null
      return p
    }
    const at = this.bytes.offset
    const word = new Uint8Array(4)
    const got = await this.bytes.readInto(word)
    if (got === 0) {
      throw this.invalid(at, "the stream ends without its end-of-stream marker (did the stage before it fail?)")
    }
    if (got < 4) throw this.invalid(at, "the stream ends inside a message header")
    let len = new DataView(word.buffer).getUint32(0, true)
    if (len === CONTINUATION) {
      if (await this.bytes.readInto(word) < 4) throw this.invalid(at, "the stream ends inside a message header")
      len = new DataView(word.buffer).getUint32(0, true)
    }
    if (len === 0) return undefined
    if (len > 1 << 28) throw this.invalid(at, `message metadata of ${len} bytes: not an Arrow IPC stream`)
    const meta = new Uint8Array(len)
    if (await this.bytes.readInto(meta) < len) throw this.invalid(at, "the stream ends inside message metadata")
    let msg: FbTable, type: number, bodyLength: number, header: FbTable | undefined
    try {
      msg = FbTable.root(new DataView(meta.buffer))
      type = msg.u8(1)
      bodyLength = msg.i64(3)
      header = msg.table(2)
    } catch {
      throw this.invalid(at, "message metadata is not a valid FlatBuffer: not an Arrow IPC stream")
    }
    if (!Number.isSafeInteger(bodyLength) || bodyLength < 0) {
      throw this.invalid(at, `message body of ${bodyLength} bytes`)
    }
    if (!header) throw this.invalid(at, `message without a header (header type ${type})`)
    return { msg, at, type, bodyLength, header }
  }

  /** Reads the Schema message. */
  async readSchema(): Promise<ArrowSchema> {
    const m = await this.message()
    if (!m) throw this.invalid(0, "the stream is empty (no schema)")
    if (m.type !== HEADER.Schema) {
      throw this.invalid(m.at, `the first message is not a schema (header type ${m.type})`)
    }
    try {
      this.schema = decodeSchema(m.header)
    } catch (e) {
      throw this.invalid(m.at, `cannot decode the schema: ${decodeFailure(e)}`)
    }
    const dict = this.schema.fields.find(function has(f: ArrowField): boolean {
      return !!f.dictionary || f.children.some(has)
    })
    if (dict) {
      throw new FormatUnsupported({ file: this.name, format: "dictionary-encoded Arrow column", reason: dict.name })
    }
    return this.schema
  }

  /** The next record batch, or undefined after the end marker. Bodies over `maxBody` bytes are refused. */
  async next(maxBody: number): Promise<RecordBatch | undefined> {
    if (this.ended) return undefined
    const m = await this.message()
    if (!m) {
      this.ended = true
      return undefined
    }
    const { type, bodyLength } = m
    if (type === HEADER.DictionaryBatch) {
      throw new FormatUnsupported({ file: this.name, format: "Arrow dictionary batch", reason: `at byte ${m.at}` })
    }
    if (type !== HEADER.RecordBatch) throw this.invalid(m.at, `unexpected message (header type ${type})`)
    if (bodyLength > maxBody) {
      throw new BudgetExceeded({
        operator: `reading ${this.name}`,
        needed: bodyLength,
        available: maxBody,
        detail: `the record batch at byte ${m.at} is larger than this stage's share; raise --memory`,
      })
    }
    const body = new Uint8Array(bodyLength)
    const bodyAt = this.bytes.offset
    if (await this.bytes.readInto(body) < bodyLength) throw this.invalid(m.at, "the stream ends inside a record batch")
    try {
      return { ...this.decodeBatch(m.header, body, m.at), at: m.at, body, bodyAt }
    } catch (e) {
      if (e instanceof InvalidInput || e instanceof FormatUnsupported) throw e
      throw this.invalid(m.at, `malformed record batch: ${decodeFailure(e)}`)
    }
  }

  /**
   * Skips the next record batch, reading its body a chunk at a time; returns its row count, or
   * undefined after the end marker.
   */
  async skip(): Promise<number | undefined> {
    const m = await this.message()
    if (!m) return undefined
    if (m.type !== HEADER.RecordBatch) throw this.invalid(m.at, `unexpected message (header type ${m.type})`)
    const rows = this.rowCount(m.header, m.at)
    if (await this.bytes.skip(m.bodyLength) < m.bodyLength) {
      throw this.invalid(m.at, "the stream ends inside a record batch")
    }
    return rows
  }

  /** A record batch's row count, from its header. */
  private rowCount(rb: FbTable, at: number): number {
    let rows: number
    try {
      rows = rb.i64(0)
    } catch {
      throw this.invalid(at, "record batch header is not a valid FlatBuffer")
    }
    if (!Number.isSafeInteger(rows) || rows < 0) throw this.invalid(at, `record batch of ${rows} rows`)
    return rows
  }

  private decodeBatch(rb: FbTable, body: Uint8Array, at: number): Pick<RecordBatch, "length" | "columns"> {
    const length = this.rowCount(rb, at)
    const nodes = rb.vector(1, 16)
    const bufs = rb.vector(2, 16)
    const compression = rb.table(3)
    const codec = compression ? compression.u8(0) : -1
    if (codec === 0) {
      throw new FormatUnsupported({ file: this.name, format: "LZ4-compressed Arrow IPC", reason: "use ZSTD or none" })
    }
    let node = 0
    let buf = 0
    const dv = rb.dv
    const take = (): Uint8Array => {
      if (buf >= bufs.length) throw new Error("fewer buffers than the schema needs")
      const p = bufs.start + 16 * buf++
      const off = Number(dv.getBigInt64(p, true))
      const len = Number(dv.getBigInt64(p + 8, true))
      if (off < 0 || len < 0 || off + len > body.length) throw new Error(`buffer ${buf - 1} lies outside the body`)
      const raw = body.subarray(off, off + len)
      if (codec !== 1 || len === 0) return raw
      // the prefix is the uncompressed length, or -1 for a buffer left uncompressed; apache-arrow JS
      // 21.2 writes the compressed length there instead, so the frame's own content size is used
      const size = Number(new DataView(raw.buffer, raw.byteOffset).getBigInt64(0, true))
      return size === -1 ? raw.subarray(8) : zstd(raw.subarray(8))
    }
    const column = (field: ArrowField): ArrowColumn => {
      if (field.type.kind === "unsupported") {
        throw new FormatUnsupported({ file: this.name, format: `Arrow type ${field.type.name}`, reason: field.name })
      }
      if (node >= nodes.length) throw new Error("fewer field nodes than the schema needs")
      const p = nodes.start + 16 * node++
      const len = Number(dv.getBigInt64(p, true))
      const nullCount = Number(dv.getBigInt64(p + 8, true))
      if (!(len >= 0 && nullCount >= 0 && nullCount <= len && Number.isSafeInteger(len))) {
        throw new Error(`field node ${node - 1}: length ${len}, null count ${nullCount}`)
      }
      const buffers = Array.from({ length: bufferCount(field.type) }, take)
      return { field, length: len, nullCount, buffers, children: field.children.map(column) }
    }
    const columns = this.schema.fields.map(column)
    if (columns.some((c) => c.length !== length)) throw this.invalid(at, "a column's length differs from the batch's")
    return { length, columns }
  }
}

/**
 * Why decoding failed, in words: the engine's own RangeError for a read past a buffer ("Offset is outside
 * the bounds of the DataView" on V8, "Out of bounds access" on JavaScriptCore) says where a field pointed.
 */
function decodeFailure(e: unknown): string {
  const message = (e as Error)?.message ?? String(e)
  return /out of bounds|outside the bounds|out of range|cannot be negative|invalid typed array length|start offset/i
      .test(message)
    ? "an offset or length in it points outside its bytes"
    : message
}

/** `name: type` of every field, for messages. */
export const describeSchema = (s: ArrowSchema): string => s.fields.map((f) => `${f.name}: ${typeName(f)}`).join(", ")
