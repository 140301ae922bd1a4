/**
 * The batch types stages exchange. All columnar: typed arrays in struct-of-arrays form.
 */

/** Row identifiers from the input (a Parquet id column), looked up by 0-based row number. */
export interface IdTable {
  readonly kind: "string" | "integer"
  get(row: number): string
  /** Rows registered so far. */
  readonly length: number
}

/** Growable id table, filled by a source as rows arrive. */
export class IdColumn implements IdTable {
  private strings: string[] = []
  private ints = new Float64Array(0)
  private n = 0
  constructor(readonly kind: "string" | "integer") {}
  get length(): number {
    return this.n
  }
  pushStrings(values: ArrayLike<string>): void {
    for (let i = 0; i < values.length; i++) this.strings.push(values[i])
    this.n += values.length
  }
  pushIntegers(values: ArrayLike<number | bigint>): void {
    if (this.n + values.length > this.ints.length) {
      const grown = new Float64Array(Math.max(1024, (this.n + values.length) * 2))
      grown.set(this.ints.subarray(0, this.n))
      this.ints = grown
    }
    for (let i = 0; i < values.length; i++) this.ints[this.n + i] = Number(values[i])
    this.n += values.length
  }
  get(row: number): string {
    return this.kind === "string" ? this.strings[row] : String(this.ints[row])
  }
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
  /** Edges the stream carries at most, when the source knows it up front (edge files). */
  readonly edges?: number
}

/** A block of consecutive embedding rows, row-major, `count * dim` floats. */
export interface EmbeddingBatch {
  readonly start: number
  readonly count: number
  readonly dim: number
  readonly values: Float32Array
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

/** Bytes a batch holds, for byte-bounded queues. */
export function batchBytes(chunk: unknown): number {
  if (chunk === null || typeof chunk !== "object") return 1
  let n = 0
  for (const v of Object.values(chunk)) if (ArrayBuffer.isView(v)) n += v.byteLength
  return Math.max(1, n)
}
