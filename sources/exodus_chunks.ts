/**
 * exodusChunks: the Exodus II source. Streams coordinates, connectivity and variable values (by step,
 * block and value range) in MeshChunks no larger than `chunkBytes`: from classic files with positioned reads
 * decoded once, in place, into typed arrays (memory: three read buffers); from NetCDF-4 files through the
 * container's reads (brook's HDF5 reader, or h5wasm where it refuses), into the same three recycled buffers.
 */
import * as Effect from "effect/Effect"
import type { MeshChunk, MeshChunkKind, StreamInfo } from "../core/batches.ts"
import { brookError, BudgetExceeded } from "../core/errors.ts"
import type { Plan, Source } from "../core/operator.ts"
import { Progress } from "../core/progress.ts"
import { type Container, openContainer } from "../formats/netcdf/container.ts"
import { type ExodusModel, openExodus } from "../formats/exodus/model.ts"
import type { ExodusStreamInfo } from "../formats/exodus/stream_info.ts"
import type { NcVar } from "../formats/netcdf/classic_header.ts"
import type { NcArray } from "../formats/netcdf/types.ts"
import { kernelMemoryBytes } from "../formats/netcdf/kernel/values.ts"
import { BufferPool, performRead, planReads, planSlices, type Read, type Want } from "../formats/netcdf/reads.ts"
import { type ExodusSelection, type ExodusSelectionOptions, select } from "../formats/exodus/selection.ts"

/**
 * coordinates; nodes (the coordinates again, by node range: for each range of NODE_RANGE nodes, every
 * coordinate's values for it, so that a consumer holds a range of nodes, not whole arrays); connectivity; maps (node and element number maps); attributes (block attributes); sets (node and
 * side set entries and distribution factors, chunk names node_ns{k}, elem_ss{k}, side_ss{k}, dist_fact_*, block =
 * the set id); static (every non-record NetCDF variable, raw, for copies); variables (values by step).
 */
export type MeshPart = "coordinates" | "nodes" | "connectivity" | "maps" | "attributes" | "sets" | "static" | "variables"

/** exodusChunks' plan: its bytes, and the largest chunk they hold. */
export interface ChunkPlan extends Plan {
  readonly chunkBytes: number
}

export interface ExodusChunksOptions extends ExodusSelectionOptions {
  readonly file: string
  /** Largest chunk in bytes (default: sized from the budget, at most DEFAULT_CHUNK_BYTES). */
  readonly chunkBytes?: number
  /** What to emit (default coordinates, connectivity, variables): non-record arrays first, in file order, then steps. */
  readonly parts?: readonly MeshPart[]
  /** Nodes per range of the "nodes" part (default NODE_RANGE). */
  readonly nodeRange?: number
}

/** Chunk size by default: reads this large cost ~1 ms from the page cache, so a syscall's overhead vanishes. */
export const DEFAULT_CHUNK_BYTES = 4 << 20
/** Below this, reads become syscall-bound; also the smallest plan. */
const MIN_CHUNK_BYTES = 64 << 10
/** Reads between two yields to the event loop: at most 16 x 4 MiB, some tens of ms at page-cache speed. */
const YIELD_EVERY = 16
/** Read buffers alive at once: one being filled, one queued downstream, one being consumed. */
const BUFFERS = 3
/** Nodes per range of the "nodes" part: a Parquet row group's worth (64 Ki rows). */
export const NODE_RANGE = 1 << 16

type Meta = { kind: MeshChunkKind; name: string; block: number | null; step: number | null }

/**
 * The "nodes" part: for each range of NODE_RANGE nodes, every coordinate's values for it, one group of wants
 * per range (planned apart: reads are planned in file order within a group).
 */
function nodeRanges(m: ExodusModel, range: number): Want<Meta>[][] {
  const out: Want<Meta>[][] = []
  for (let a = 0; a < m.numNodes; a += range) {
    const count = Math.min(range, m.numNodes - a)
    out.push(m.coordinates.map((c) => ({
      ncVar: c.field.ncVar,
      offset: c.field.offset + a,
      count,
      record: 0,
      start: a,
      meta: { kind: "coordinates", name: c.name, block: null, step: null },
    })))
  }
  return out
}

/** Non-record wants, in file order of the parts asked for ("nodes" aside). */
function staticWants(m: ExodusModel, sel: ExodusSelection, parts: readonly MeshPart[]): Want<Meta>[] {
  const out: Want<Meta>[] = []
  // the whole of a non-record variable, as one want
  const whole = (v: NcVar, kind: MeshChunkKind, block: number | null) =>
    out.push({
      ncVar: v,
      record: 0,
      offset: 0,
      count: v.count,
      start: 0,
      meta: { kind, name: v.name, block, step: null },
    })
  if (parts.includes("coordinates")) {
    for (const c of m.coordinates) {
      out.push({
        ...c.field,
        record: 0,
        start: 0,
        meta: { kind: "coordinates", name: c.name, block: null, step: null },
      })
    }
  }
  if (parts.includes("connectivity")) {
    for (const b of sel.blocks) if (b.connect) whole(b.connect, "connectivity", b.id)
  }
  if (parts.includes("maps")) {
    for (const v of [m.nodeNumMap, m.elemNumMap]) if (v) whole(v, "map", null)
  }
  if (parts.includes("attributes")) {
    for (const b of sel.blocks) if (b.attributes) whole(b.attributes, "attribute", b.id)
  }
  if (parts.includes("sets")) {
    for (const s of [...m.nodeSets, ...m.sideSets]) {
      for (const v of [...s.arrays, ...(s.distFactorsVar ? [s.distFactorsVar] : [])]) whole(v, "set", s.id)
    }
  }
  if (parts.includes("static")) {
    for (const v of m.header.vars) if (!v.record && v.count > 0) whole(v, "static", null)
  }
  return out
}

function stepWants(sel: ExodusSelection, step: number): Want<Meta>[] {
  return sel.variables.flatMap((v) =>
    v.parts.map((p) => ({
      ...p.field,
      record: step - 1,
      start: 0,
      meta: { kind: v.kind, name: v.name, block: p.block?.id ?? null, step },
    }))
  )
}

/** The Exodus source. */
export function exodusChunks(options: ExodusChunksOptions): Source<MeshChunk, ChunkPlan> {
  const name = "exodusChunks"
  const parts = options.parts ?? ["coordinates", "connectivity", "variables"]
  const nodeRange = Math.max(1, options.nodeRange ?? NODE_RANGE)
  let model: ExodusModel | undefined
  let sel: ExodusSelection | undefined
  const chunkFor = (share: number) =>
    options.chunkBytes ??
      Math.max(MIN_CHUNK_BYTES, Math.min(DEFAULT_CHUNK_BYTES, Math.floor((share - (64 << 10)) / BUFFERS) - 8))
  return {
    kind: "source",
    name,
    weight: 0.02,
    describe: () =>
      Effect.tryPromise({
        try: async () => {
          const c = await openContainer(options.file)
          try {
            model = openExodus(c)
          } finally {
            c.close()
          }
          sel = select(model, options)
          return {
            file: options.file,
            exodus: model,
            selection: sel,
            reader: c.reader,
            nodeRange,
          } satisfies ExodusStreamInfo
        },
        catch: brookError,
      }),
    minimum: () => kernelMemoryBytes(BUFFERS * ((options.chunkBytes ?? MIN_CHUNK_BYTES) + 8)),
    plan: (share) => {
      const chunkBytes = chunkFor(share)
      const bytes = kernelMemoryBytes(BUFFERS * (chunkBytes + 8))
      if (!(chunkBytes >= 8)) {
        return Effect.fail(new BudgetExceeded({ operator: name, needed: 8, available: chunkBytes }))
      }
      return bytes <= share
        ? Effect.succeed<ChunkPlan>({ bytes, chunkBytes, notes: `chunks of ${chunkBytes} bytes` })
        : Effect.fail(
          new BudgetExceeded({ operator: name, needed: bytes, available: share, detail: "three read buffers" }),
        )
    },
    make: (plan) =>
      Effect.gen(function* () {
        const progress = yield* Progress
        const c = yield* Effect.acquireRelease(
          Effect.tryPromise({ try: () => openContainer(options.file), catch: brookError }),
          (c) => Effect.sync(() => c.close()),
        )
        return meshStream(c, model!, sel!, parts, plan.chunkBytes, (done, total) =>
          progress.update(name, { done, total, unit: "steps" }), nodeRange)
      }),
  }
}

/** The chunk stream over an opened container. */
export function meshStream(
  c: Container,
  m: ExodusModel,
  sel: ExodusSelection,
  parts: readonly MeshPart[],
  chunkBytes: number,
  onStep: (done: number, total: number) => void = () => {},
  nodeRange = NODE_RANGE,
): ReadableStream<MeshChunk> {
  const src = c.classic
  // NetCDF-4: each read is an h5wasm slice of one run of values (the library reads only the HDF5 chunks it needs)
  const plan = (wants: Want<Meta>[]): Read<Meta>[] =>
    src ? planReads(m.header, wants, chunkBytes) : planSlices(wants, chunkBytes)
  // NetCDF-4: plain buffers the container reads into (the three of the plan), recycled like the classic ones
  const pool = src ? new BufferPool(chunkBytes + 8, BUFFERS) : new BufferPool(chunkBytes + 8, BUFFERS, false)
  let reads = [staticWants(m, sel, parts), ...(parts.includes("nodes") ? nodeRanges(m, nodeRange) : [])].flatMap(plan)
  let next = 0
  let step = parts.includes("variables") ? sel.first : Infinity
  let sinceYield = 0
  return new ReadableStream<MeshChunk>({
    async pull(controller) {
      // a pipeline of synchronous reads runs on microtasks alone: yield to the event loop now and then, or an
      // abort (Ctrl-C, SIGTERM, AbortSignal from a timer) could not be seen until the whole file was read
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
      while (next >= reads.length) {
        if (step > sel.last) return controller.close()
        reads = plan(stepWants(sel, step))
        next = 0
        onStep(step - sel.first + 1, sel.last - sel.first + 1)
        step++
      }
      const read = reads[next++]
      const decoded = src ? performRead(src, read, pool) : read.pieces.map((piece) => {
        const slot = pool.take()
        const values = c.read(piece.want.ncVar, piece.want.record, piece.want.offset + piece.skip, piece.count, slot)
        let given = false
        return { piece, values, recycle: () => given || (given = true, pool.give(slot)) }
      })
      for (const d of decoded) {
        const w = d.piece.want
        controller.enqueue({
          ...w.meta,
          start: w.start + d.piece.skip,
          count: d.piece.count,
          values: d.values,
          ncVar: w.ncVar.name,
          record: w.record,
          ncStart: w.offset + d.piece.skip,
          recycle: d.recycle,
        })
      }
    },
  }, { highWaterMark: 0 })
}
