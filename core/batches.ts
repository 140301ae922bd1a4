/**
 * The batch types stages exchange. All columnar: typed arrays in struct-of-arrays form.
 */

/** Row identifiers from the input (a Parquet id column), looked up by 0-based row number. */
export interface IdTable {
  readonly kind: "string" | "integer"
  get(row: number): string
  /** Rows registered so far. */
  readonly length: number
  /** About the bytes of every id's text, when known up front: what a stage downstream plans for them. */
  readonly textBytes?: number
}

/** What travels ahead of the data: the facts a later stage plans with. */
export interface StreamInfo {
  /** Vector dimension. */
  readonly dim?: number
  /** Total rows, when the source knows it up front. */
  readonly rows?: number
  /** Where the rows come from (for error messages). */
  readonly file?: string
  /** Input ids, filled by the source while it reads; rows are numbered 0.. otherwise. */
  readonly ids?: IdTable
  /** Ids of the second input in A x B mode. */
  readonly idsB?: IdTable
  /** Cosine threshold applied upstream (pairs have s > threshold). */
  readonly threshold?: number
  /** Pairs within one input (i < j), or across two (i in A, j in B). */
  readonly pairing?: "self" | "cross"
  /** What an Arrow stream on a pipe carries (brook.stream), when read from one. */
  readonly stream?: "embeddings" | "scored_pairs" | "edges" | "clusters"
  /** Edges the stream carries at most, when the source knows it up front (edge files). */
  readonly edges?: number
  /** "i/k" when the pairs are part i (0-based) of k of the tile grid (tiledCosine's shard option). */
  readonly shard?: string
  /** Most pairs one ScoredPairs batch holds, when the producer says (tiledCosine: one tile); DEFAULT_BATCH_PAIRS otherwise. */
  readonly batchPairs?: number
}

/**
 * Most pairs in a ScoredPairs batch whose producer does not say (an Arrow stream on a pipe): tiledCosine's tile,
 * 256 x 512 pairs, which is what a pipe of pairs carries per record batch.
 */
export const DEFAULT_BATCH_PAIRS = 256 * 512

/** A block of consecutive embedding rows, row-major, `count * dim` floats. */
export interface EmbeddingBatch {
  readonly start: number
  readonly count: number
  readonly dim: number
  readonly values: Float32Array
}

/** What readEmbeddings emits: an EmbeddingBatch that may name skipped rows and hand its buffer back. */
export interface EmbeddingRows extends EmbeddingBatch {
  /** Original row numbers when some rows were skipped (zeroVectors: "skip"). */
  readonly rowIds?: Uint32Array
  /**
   * A consumer that is done with `values` may hand the buffer back for the next batch. Reuse keeps
   * the source from leaving the whole input behind as garbage the budget cannot see.
   */
  readonly recycle?: () => void
}

/** Pairs (i, j) with their cosine, from one tile. */
export interface ScoredPairs {
  readonly i: Uint32Array
  readonly j: Uint32Array
  readonly score: Float32Array
  readonly length: number
}

/** Graph edges (src, dst, weight). */
export interface EdgeBatch {
  readonly src: Uint32Array
  readonly dst: Uint32Array
  readonly weight: Float32Array
  readonly length: number
}

/** Leaf clusters of leidenRecursive, one entry per cluster (a dictionary for the node rows). */
export interface ClusterTable {
  /** Dotted path, e.g. "3.1.4": the cluster's number at each level, 0 the largest. */
  readonly paths: readonly string[]
  /** Depth of the path: 0 for a top-level cluster. */
  readonly level: Int32Array
  readonly size: Uint32Array
}

/** Nodes (ascending) with the leaf cluster each belongs to. */
export interface ClusterBatch {
  readonly node: Uint32Array
  /** Index into `clusters`. */
  readonly cluster: Uint32Array
  readonly length: number
  readonly clusters: ClusterTable
}

// ---- meshes (sources/exodus_chunks.ts -> the Exodus sinks) ----

/** Values of one numeric type: what a NetCDF variable holds, decoded. */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array

export type MeshChunkKind =
  | "coordinates"
  | "connectivity"
  | "map"
  | "attribute"
  | "set"
  | "static"
  | "nodal"
  | "element"
  | "global"

/** A run of values of one array of an Exodus file. */
export interface MeshChunk {
  readonly kind: MeshChunkKind
  /** Exodus name: the variable's or coordinate's name; the NetCDF variable's name for "static". */
  readonly name: string
  /** Element block id (connectivity, attributes, element variables), or node/side set id (sets); null otherwise. */
  readonly block: number | null
  /** 1-based time step (variables), null otherwise. */
  readonly step: number | null
  /** Index of the first value within the array (node, element, or connectivity entry). */
  readonly start: number
  readonly count: number
  readonly values: NumericArray
  /** The NetCDF variable the values come from, its record (0-based) and the first value's index in the slab. */
  readonly ncVar: string
  readonly record: number
  readonly ncStart: number
  /** Hands the values' buffer back for the next read once they are consumed; not calling it is safe, only slower. */
  readonly recycle: () => void
}

/** Bytes a batch holds, for byte-bounded queues. */
export function batchBytes(chunk: unknown): number {
  if (chunk === null || typeof chunk !== "object") return 1
  let n = 0
  for (const v of Object.values(chunk)) if (ArrayBuffer.isView(v)) n += v.byteLength
  return Math.max(1, n)
}

// ---- genome collections (sources/read_fasta.ts -> segment -> segmentPack -> sinks/brk_archive.ts) ----

/** Everything about one FASTA contig except its uppercased sequence. */
export interface ContigSide {
  /** The header line after '>', without its line ending. */
  readonly header: Uint8Array
  /** 0 "\n", 1 "\r\n", 2 none (end of file). */
  readonly headerEol: number
  /** Runs of sequence lines: (length, eol, count) triples. */
  readonly lines: number[]
  /** Alternating run lengths of non-lowercase and lowercase bytes, starting with non-lowercase. */
  readonly caseRuns: number[]
  readonly length: number
}

/** Sample boundaries and per-contig side records, passed through every genome stage. */
export type SampleEvent =
  | { readonly kind: "sample"; readonly name: string; readonly file: string }
  | { readonly kind: "contigEnd"; readonly side: ContigSide }
  | {
    readonly kind: "sampleEnd"
    readonly preamble: number[]
    /** CRC-32 and size of the FASTA bytes (uncompressed). */
    readonly crc: number
    readonly size: number
  }

/** What the FASTA source emits: uppercased sequence in chunks, between sample and contig events. */
export type FastaEvent = SampleEvent | { readonly kind: "contig" } | {
  readonly kind: "seq"
  readonly bytes: Uint8Array
}

/** A piece of a contig between two splitters (see operators/segment_pack/segment.ts). */
export interface Segment {
  /** Boundary k-mer keys, a <= b (NONE at a contig end). */
  readonly a: bigint
  readonly b: bigint
  /** Stored reverse-complemented. */
  readonly rc: boolean
  /** Leading bases (in contig order) shared with the previous segment. */
  readonly skip: number
  /** Bases in canonical orientation. */
  readonly bytes: Uint8Array
}

/** The segmentation parameters, sent ahead of the segments so the archive can store them. */
export interface ParamsEvent {
  readonly kind: "params"
  readonly k: number
  readonly segmentSize: number
  readonly splitters: readonly bigint[]
}

export type SegmentEvent =
  | SampleEvent
  | ParamsEvent
  | { readonly kind: "contig" }
  /** Flat, so that batchBytes counts its bytes in the queue. */
  | ({ readonly kind: "segment" } & Segment)

/** segmentPack's output: where each segment went, new groups, and compressed packs. */
export type PackEvent =
  | SampleEvent
  | ParamsEvent
  | { readonly kind: "contig" }
  | {
    readonly kind: "place"
    readonly group: number
    /** Delta number within the group; -1: the segment is the group's reference. */
    readonly ordinal: number
    readonly rc: boolean
    readonly skip: number
    /** Bases the segment restores (its length minus skip). */
    readonly length: number
  }
  | { readonly kind: "group"; readonly id: number; readonly a: bigint; readonly b: bigint }
  | {
    readonly kind: "pack"
    readonly group: number
    /** A reference pack, or deltas first .. first + count - 1. */
    readonly ref: boolean
    readonly first: number
    readonly count: number
    readonly bytes: Uint8Array
  }
