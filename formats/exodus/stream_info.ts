/**
 * What an Exodus source passes ahead of its MeshChunks: the file's model and the selection the chunks follow,
 * so the Exodus sinks plan and lay out their output before any chunk arrives.
 */
import type { StreamInfo } from "../../core/batches.ts"
import type { ExodusModel } from "./model.ts"
import type { ExodusSelection } from "./selection.ts"

export interface ExodusStreamInfo extends StreamInfo {
  readonly exodus: ExodusModel
  readonly selection: ExodusSelection
  /** Which reader serves a NetCDF-4 file: "native", or "h5wasm (native reader: <why it refused>)". */
  readonly reader?: string
  /** Nodes per range when coordinates come by node range (the source's "nodes" part). */
  readonly nodeRange?: number
}
