/**
 * The Arrow IPC streams brook's stages exchange on stdin/stdout, and what travels in their schema
 * metadata (StreamInfo). All integers are non-null, row numbers are 0-based rows of the embedding input.
 *
 *   embeddings    embedding: fixed_size_list<item: float32>[dim], row: uint32
 *   scored_pairs  i: uint32, j: uint32, score: float32          (i < j for a self join)
 *   edges         src: uint32, dst: uint32, weight: float32
 *   clusters      node: uint32, path: utf8, level: int32, cluster_size: uint32   (leidenRecursive)
 *
 * When the input has ids (a Parquet id column), each row number column is followed by its id:
 * embeddings + id, scored_pairs + i_id, j_id, edges + src_id, dst_id, clusters + id; utf8 for string ids, int64 for
 * integer ids (brook.id_type: string | integer; brook.id_bytes: about the bytes of all the ids' text, which a
 * reader plans for).
 *
 * Metadata keys (strings): brook.stream (one of the names above), brook.dim, brook.rows (rows of the
 * embedding input), brook.file, brook.threshold (pairs have s > threshold), brook.pairing (self | cross),
 * brook.shard ("i/k": the pairs of part i of k of the tile grid; the union of the k parts is the whole).
 */
import type { StreamInfo } from "../../core/batches.ts"
import { type ArrowField, type ArrowSchema, field, float32, int, utf8 } from "./schema.ts"

export type StreamKind = "embeddings" | "scored_pairs" | "edges" | "clusters"

export const STREAM_KINDS: readonly StreamKind[] = ["embeddings", "scored_pairs", "edges", "clusters"]

export const KEY = {
  stream: "brook.stream",
  dim: "brook.dim",
  rows: "brook.rows",
  file: "brook.file",
  threshold: "brook.threshold",
  pairing: "brook.pairing",
  shard: "brook.shard",
  idType: "brook.id_type",
  idBytes: "brook.id_bytes",
} as const

/** The id column beside each row number column, by stream. */
export const ID_COLUMNS: Record<StreamKind, readonly string[]> = {
  embeddings: ["id"],
  scored_pairs: ["i_id", "j_id"],
  edges: ["src_id", "dst_id"],
  clusters: ["id"],
}

const u32 = int(32, false)

const COLUMNS: Record<StreamKind, (info: StreamInfo) => ArrowField[]> = {
  embeddings: (info) => [
    field("embedding", { kind: "fixedSizeList", size: info.dim ?? 0 }, [field("item", float32)]),
    field("row", u32),
  ],
  scored_pairs: () => [field("i", u32), field("j", u32), field("score", float32)],
  edges: () => [field("src", u32), field("dst", u32), field("weight", float32)],
  clusters: () => [field("node", u32), field("path", utf8), field("level", int(32, true)), field("cluster_size", u32)],
}

/** A stream's columns: its own, then the id columns when the input has ids. */
const columnsFor = (kind: StreamKind, info: StreamInfo): ArrowField[] => [
  ...COLUMNS[kind](info),
  ...(info.ids ? ID_COLUMNS[kind].map((n) => field(n, info.ids!.kind === "string" ? utf8 : int(64, true))) : []),
]

/** The schema of a `kind` stream carrying `info`. */
export function schemaFor(kind: StreamKind, info: StreamInfo): ArrowSchema {
  const m = new Map<string, string>([[KEY.stream, kind]])
  const put = (k: string, v: unknown) => v !== undefined && m.set(k, String(v))
  put(KEY.dim, info.dim)
  put(KEY.rows, info.rows)
  put(KEY.file, info.file)
  put(KEY.threshold, info.threshold)
  put(KEY.pairing, info.pairing)
  put(KEY.shard, info.shard)
  put(KEY.idType, info.ids?.kind)
  put(KEY.idBytes, info.ids?.textBytes)
  return { fields: columnsFor(kind, info), metadata: m }
}

/** StreamInfo from a schema's metadata (brook's own streams; foreign ones carry none of it). */
export function infoFromMetadata(m: ReadonlyMap<string, string>): StreamInfo {
  const num = (k: string) => {
    const v = m.get(k)
    return v === undefined || v.trim() === "" || !Number.isFinite(Number(v)) ? undefined : Number(v)
  }
  const pairing = m.get(KEY.pairing)
  const stream = m.get(KEY.stream)
  return {
    stream: STREAM_KINDS.includes(stream as StreamKind) ? stream as StreamKind : undefined,
    dim: num(KEY.dim),
    rows: num(KEY.rows),
    file: m.get(KEY.file),
    threshold: num(KEY.threshold),
    pairing: pairing === "self" || pairing === "cross" ? pairing : undefined,
    shard: m.get(KEY.shard),
  }
}
