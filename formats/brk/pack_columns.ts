/**
 * A delta pack's body in columns (catalog version 2): its items split into streams of like values,
 * so that zstd codes each with statistics of its own (a literal's bases next to other bases, a
 * diagonal's length next to other lengths) instead of one interleaved byte stream. On sars2-418
 * (BENCHMARKS.md "Genome collections: real") the delta packs shrink by about a quarter.
 *
 * The rows (what the Packer writes and the reader parses): `uint count`, then `count` items as blobs;
 * an item is `uint base, uint extras, uint group * extras, uint length`, then ops (delta.ts).
 * The columns: `uint count`, then for each of the STREAMS `uint byte length` and its bytes:
 * - heads: every item's base, extras, groups and length;
 * - kinds: one byte an op (its kind, 0-3; 5 for a literal of RUN or more copies of one byte, an N run),
 *   and 4 after an item's last op;
 * - literal lengths, literal bytes (a run's byte once), diagonal lengths, match and reverse-match
 *   lengths (varints);
 * - positions: the zigzag varint of each match and reverse match.
 */
import { ByteReader, ByteWriter } from "../../core/bytes.ts"

const HEADS = 0, KINDS = 1, LIT_LENS = 2, LITS = 3, DIAG_LENS = 4, MATCH_LENS = 5, POSITIONS = 6
const STREAMS = 7
const END = 4, RUN_KIND = 5
/** A literal of this many copies of one byte or more is a run: its byte is stored once. */
const RUN = 8

const isRun = (b: Uint8Array) => b.length >= RUN && b.every((x) => x === b[0])

/** Rows -> columns. */
export function toColumns(rows: Uint8Array): Uint8Array {
  const r = new ByteReader(rows)
  const s = Array.from({ length: STREAMS }, () => new ByteWriter(1024))
  const count = r.uint()
  for (let n = 0; n < count; n++) {
    const end = r.uint() + r.pos
    s[HEADS].uint(r.uint())
    const extras = r.uint()
    s[HEADS].uint(extras)
    for (let k = 0; k < extras; k++) s[HEADS].uint(r.uint())
    s[HEADS].uint(r.uint())
    while (r.pos < end) {
      const head = r.uint()
      const kind = head % 4, len = (head - kind) / 4
      if (kind === 0) {
        const bytes = r.bytes(len)
        const run = isRun(bytes)
        s[KINDS].byte(run ? RUN_KIND : kind)
        s[LIT_LENS].uint(len)
        s[LITS].bytes(run ? bytes.subarray(0, 1) : bytes)
        continue
      }
      s[KINDS].byte(kind)
      if (kind === 3) s[DIAG_LENS].uint(len)
      else s[MATCH_LENS].uint(len), s[POSITIONS].uint(r.uint())
    }
    if (r.pos !== end) throw new RangeError(`item ${n} overruns its length`)
    s[KINDS].byte(END)
  }
  const out = new ByteWriter(rows.length + 64).uint(count)
  for (const w of s) out.blob(w.view())
  return out.take()
}

/** Columns -> rows; throws RangeError (or ShortRead) on malformed bytes. */
export function fromColumns(cols: Uint8Array): Uint8Array {
  const r = new ByteReader(cols)
  const count = r.uint()
  const s = Array.from({ length: STREAMS }, () => new ByteReader(r.blob()))
  const out = new ByteWriter(cols.length * 4 + 64).uint(count)
  const item = new ByteWriter(4096)
  for (let n = 0; n < count; n++) {
    item.length = 0
    item.uint(s[HEADS].uint())
    const extras = s[HEADS].uint()
    item.uint(extras)
    for (let k = 0; k < extras; k++) item.uint(s[HEADS].uint())
    item.uint(s[HEADS].uint())
    for (;;) {
      if (s[KINDS].done) throw new RangeError(`op kinds end inside item ${n}`)
      const kind = s[KINDS].byte()
      if (kind === END) break
      if (kind === 0) {
        const len = s[LIT_LENS].uint()
        item.uint(len * 4).bytes(s[LITS].bytes(len))
      } else if (kind === RUN_KIND) {
        const len = s[LIT_LENS].uint()
        item.uint(len * 4).bytes(new Uint8Array(len).fill(s[LITS].byte()))
      } else if (kind === 3) item.uint(s[DIAG_LENS].uint() * 4 + 3)
      else if (kind < 3) item.uint(s[MATCH_LENS].uint() * 4 + kind).uint(s[POSITIONS].uint())
      else throw new RangeError(`op kind ${kind} in item ${n}`)
    }
    out.blob(item.view())
  }
  return out.take()
}
