/**
 * brook: memory-bounded, backpressured stream operators.
 *
 * @example
 * ```ts
 * import { pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "./mod.ts"
 * const report = await run(
 *   pipe(readEmbeddings("emb.npy"), tiledCosine({ threshold: 0.8 }), thresholdEdges(), writeEdges("edges.tsv")),
 *   { memory: "512MB" },
 * )
 * console.log(report.peakReserved <= report.budget) // true
 * ```
 * @module
 */
export { pipe } from "./core/pipe.ts"
export { DEFAULT_MEMORY, planPipeline, run, runEffect, type RunOptions, type RunReport } from "./core/run.ts"
export { Ledger, makeBudget, MemoryBudget } from "./core/budget.ts"
export { Progress, silentProgress, terminalProgress } from "./core/progress.ts"
export { formatBytes, parseSize } from "./core/size.ts"
export {
  BudgetExceeded,
  Cancelled,
  FormatUnsupported,
  InvalidInput,
  InvalidOption,
  isBrookError,
  OutputFailed,
} from "./core/errors.ts"
export type {
  ClusterBatch,
  ClusterTable,
  EdgeBatch,
  EmbeddingBatch,
  IdTable,
  MeshChunk,
  ScoredPairs,
  StreamInfo,
} from "./core/batches.ts"
export type { Pipeline, Plan, Sink, Source, Transform } from "./core/operator.ts"
export { readEmbeddings, type ReadEmbeddingsOptions } from "./sources/read_embeddings/read_embeddings.ts"
export type { EmbeddingVectors, EmbeddingVectorsInput } from "./sources/read_embeddings/embedding_vectors.ts"
export { tiledCosine, type TiledCosineOptions } from "./operators/tiled_cosine/tiled_cosine.ts"
export { thresholdEdges, type ThresholdEdgesOptions } from "./operators/threshold_edges.ts"
export { writeEdges, writeEdgesParquet, writeEdgesTsv } from "./sinks/write_edges.ts"
export { collect, type Collected } from "./sinks/collect.ts"
export { readEdges } from "./sources/read_edges.ts"
export {
  type ClusterSummary,
  leidenRecursive,
  type LeidenRecursiveOptions,
} from "./operators/leiden/leiden_recursive.ts"
export { leiden, type LeidenOptions, type LeidenResult, quality } from "./operators/leiden/leiden.ts"
export { type Clustering, clusterRecursive } from "./operators/leiden/recursive.ts"
export { writeClusters, writeClustersParquet, writeClustersTsv } from "./sinks/write_clusters.ts"
export { type Csr, degree, edgeCount, edgeWeight, neighbours, neighbourWeights, strength } from "./graph/csr.ts"
export { CsrBuilder } from "./graph/csr_builder.ts"
export { NodeTable } from "./graph/node_table.ts"
export { type ArrowInput, fileInput, readArrow, stdinInput, streamInput } from "./sources/read_arrow.ts"
export { type ArrowOutput, stdoutOutput, writeArrow } from "./sinks/write_arrow.ts"
export { type StreamKind } from "./formats/arrow/streams.ts"
export {
  DEFAULT_CHUNK_BYTES,
  exodusChunks,
  type ExodusChunksOptions,
  type MeshPart,
} from "./sources/exodus_chunks.ts"
export { type ExodusModel, openExodus } from "./formats/exodus/model.ts"
export { type ByteSource, fileSource, memorySource } from "./core/byte_source.ts"
export { classicContainer, type Container, openContainer } from "./formats/netcdf/container.ts"
export { exodusStats, type VariableStats } from "./sinks/exodus_stats.ts"
export { writeExodus } from "./sinks/exodus_copy.ts"
export { type NcChunk, type NcSchema, writeNetcdf } from "./formats/netcdf/classic_writer.ts"
export { writeExodusParquet } from "./sinks/exodus_parquet.ts"
export { type ReportOptions, reportSvg } from "./report/svg.ts"
export { reportHtml } from "./report/html.ts"
export { reportFormat, writeReport } from "./report/write_report.ts"
export { type SizeBin, sizeBins } from "./report/histogram.ts"
// genome collections: readFasta -> segment -> segmentPack -> writeArchive; Archive restores
export type { ContigSide, FastaEvent, PackEvent, Segment, SegmentEvent } from "./core/batches.ts"
export { readFasta, sampleName } from "./sources/read_fasta.ts"
export { segment, type SegmentOptions } from "./operators/segment_pack/segment.ts"
export { PACK_CARDINALITY, segmentPack, type SegmentPackOptions } from "./operators/segment_pack/segment_pack.ts"
export { type ArchiveSummary, writeArchive } from "./sinks/brk_archive.ts"
export { Archive } from "./formats/brk/archive.ts"
