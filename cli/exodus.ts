/** `brook exodus info|stats|copy|to-parquet`: Exodus II files, streamed in bounded memory. */
import { pipe } from "../core/pipe.ts"
import { run, type RunReport } from "../core/run.ts"
import { formatBytes, parseSize } from "../core/size.ts"
import { exodusChunks, type MeshPart } from "../sources/exodus_chunks.ts"
import { openContainer } from "../formats/netcdf/container.ts"
import { type ExodusModel, openExodus } from "../formats/exodus/model.ts"
import { parseSteps } from "../formats/exodus/selection.ts"
import type { ExodusStreamInfo } from "../formats/exodus/stream_info.ts"
import type { StreamInfo } from "../core/batches.ts"
import { exodusStats } from "../sinks/exodus_stats.ts"
import { writeExodus } from "../sinks/exodus_copy.ts"
import { writeExodusParquet } from "../sinks/exodus_parquet.ts"
import { type MeshTargets, writeExodusMeshParquet } from "../sinks/exodus_mesh_parquet.ts"
import * as fs from "node:fs"
import { checkWritable, commandLine, memoryOption, parseCommand, PROGRESS_HELP, UsageError } from "./args.ts"
import type { CommandEnv } from "./main.ts"
import { memoryPeaks } from "./report_option.ts"

export const EXODUS_HELP = `usage: brook exodus <info|stats|copy|to-parquet> FILE [-o OUT] [options]

Exodus II finite-element files (NetCDF classic: CDF-1, CDF-2 64-bit offset, CDF-5; NetCDF-4 through brook's
own HDF5 reader, or h5wasm for what it refuses), read in chunks. For a NetCDF-4 file, info's "reader" and the
summary line on stderr say which read it, and why.

  info FILE                 header summary as JSON: dimensions, blocks, sets, variables, format, steps
                            (the count) and times (every step's time, step k at index k - 1)
  stats FILE                one JSON line per variable (and block, for element variables): min, max,
                            sum, mean, count over the selected steps, and one line for the coordinates'
                            bounding box
  copy IN -o OUT            the mesh and the selected variables and steps as an Exodus file: CDF-2,
                            or CDF-5 when the input has int64 ids
  to-parquet IN -o OUT.parquet  the selected variables as a long Parquet table
                            (var, kind, block, step, time, entity, value): long, because
                            values arrive one variable and step at a time and nodal, element and
                            global variables share one table; PIVOT in DuckDB gives the wide form;
                            with --mesh also OUT.coordinates.parquet (node, x, y[, z]) and
                            OUT.connectivity.parquet (block, element, position, node), to join on
                            node and on (block, entity = element)

  (OUT may also follow IN without -o, as before)

options:
  -o, --out OUT       the output file (copy, to-parquet)
  --vars a,b          Exodus variable names (nodal, element, global); default all
  --steps A:B         time steps, 1-based and inclusive as in the Exodus API ("3:", ":10", "7")
  --blocks 1,2        element block ids (connectivity and element variables); default all
  -m, --memory SIZE   memory budget, e.g. 64M (K, M, G, T: powers of 1024; default 1G)
  --chunk SIZE        largest chunk read at once, e.g. 1M (default: from the budget, at most 4M)
  --mesh              to-parquet: also write the coordinates and the connectivity (see above)
${PROGRESS_HELP()}
  -q, --quiet         no progress or summary on stderr

examples:
  brook exodus info results.exo
  brook exodus stats results.exo --vars temp,disp_x --steps 10:20 -m 64M
  brook exodus copy results.exo -o subset.exo --vars temp --steps 1:5
  brook exodus to-parquet results.exo -o temp.parquet --vars temp --blocks 1,2
  brook exodus to-parquet results.exo -o temp.parquet --vars temp --mesh`

const OPTIONS = {
  out: "string",
  vars: "string",
  steps: "string",
  blocks: "string",
  memory: "string",
  chunk: "string",
  mesh: "flag",
} as const

export async function exodusCommand(argv: string[], env: CommandEnv): Promise<void> {
  const [sub, ...rest] = argv
  if (!sub) throw new UsageError("expected a subcommand: info, stats, copy or to-parquet (brook exodus --help)")
  if (sub === "--help" || sub === "-h") return void process.stdout.write(EXODUS_HELP + "\n")
  const p = parseCommand(rest, OPTIONS, EXODUS_HELP)
  if (!p) return
  const { options: o } = p
  const writes = sub === "copy" || sub === "to-parquet"
  if (!writes && sub !== "info" && sub !== "stats") {
    throw new UsageError(`unknown subcommand '${sub}' (info, stats, copy, to-parquet)`)
  }
  if (!writes && o.out !== undefined) throw new UsageError(`${sub} writes no file: -o/--out is for copy and to-parquet`)
  // the output: -o OUT, or the old positional form IN OUT
  const positional = writes && o.out !== undefined ? [...p.positional, o.out as string] : p.positional
  const want = writes ? 2 : 1
  if (positional.length !== want) {
    throw new UsageError(`${sub} expects ${want === 1 ? "FILE" : "IN -o OUT"}, got ${p.positional.length} arguments`)
  }
  if (sub === "to-parquet" && !/\.parquet$/i.test(positional[1])) {
    throw new UsageError(`to-parquet writes Parquet: name the output .parquet, not '${positional[1]}'`)
  }
  if (o.mesh && sub !== "to-parquet") throw new UsageError(`--mesh is for to-parquet, not ${sub}`)
  if (writes) checkWritable(positional[1])
  if (sub === "info") {
    const c = await openContainer(positional[0])
    try {
      const reader = c.reader ? { reader: c.reader } : {}
      process.stdout.write(JSON.stringify({ ...summary(openExodus(c)), ...reader }, null, 2) + "\n")
    } finally {
      c.close()
    }
    return
  }
  const list = (s: unknown) => (s === undefined ? undefined : String(s).split(",").map((x) => x.trim()).filter(Boolean))
  const blocks = list(o.blocks)?.map((b) => {
    if (!/^-?\d+$/.test(b)) throw new UsageError(`--blocks: '${b}' is not a block id`)
    return Number(b)
  })
  const selection = {
    file: positional[0],
    variables: list(o.vars),
    steps: o.steps === undefined ? undefined : parseSteps(String(o.steps)),
    blocks,
    chunkBytes: o.chunk === undefined ? undefined : parseChunk(String(o.chunk)),
  }
  const runOptions = { memory: memoryOption(o), signal: env.signal, progress: env.progress }
  if (sub === "stats") {
    const parts: MeshPart[] = ["coordinates", "variables"]
    const report = await run(pipe(exodusChunks({ ...selection, parts }), exodusStats()), runOptions)
    env.log(
      `brook exodus stats: ${report.seconds.toFixed(2)} s, budget ${formatBytes(report.budget)}, ${
        memoryPeaks(report)
      }${readerNote(report.info)}`,
    )
    return
  }
  if (sub === "copy") {
    const parts: MeshPart[] = ["static", "variables"]
    const report = await run(pipe(exodusChunks({ ...selection, parts }), writeExodus(positional[1])), runOptions)
    env.log(
      `brook exodus copy: ${report.seconds.toFixed(2)} s, ${memoryPeaks(report)}; wrote ${positional[1]}${
        readerNote(report.info)
      }`,
    )
    return
  }
  const metadata = [
    { key: "brook.command", value: commandLine("exodus", argv) },
    { key: "brook.input", value: positional[0] },
  ]
  const mesh = o.mesh ? meshTargets(positional[1]) : undefined
  const reports: RunReport[] = []
  if (mesh) {
    reports.push(
      await run(
        pipe(
          exodusChunks({ ...selection, parts: ["nodes", "connectivity"] }),
          writeExodusMeshParquet(mesh, { metadata }),
        ),
        runOptions,
      ),
    )
  }
  try {
    reports.push(
      await run(
        pipe(exodusChunks({ ...selection, parts: ["variables"] }), writeExodusParquet(positional[1], { metadata })),
        runOptions,
      ),
    )
  } catch (e) {
    // the three files are one output: no mesh tables beside values that were never written
    if (mesh) for (const f of [mesh.coordinates, mesh.connectivity]) fs.rmSync(f, { force: true })
    throw e
  }
  // the summary's memory figures are those of the run that peaked higher (mesh tables, then values)
  const seconds = reports.reduce((t, r) => t + r.seconds, 0)
  const top = reports.reduce((x, r) => (r.rss.peak > x.rss.peak ? r : x))
  env.log(
    `brook exodus to-parquet: ${seconds.toFixed(2)} s, ${memoryPeaks(top)}; wrote ${
      mesh ? [positional[1], mesh.coordinates, mesh.connectivity].join(", ") : positional[1]
    }${readerNote(top.info)}`,
  )
}

/** The summary line's note of which reader read a NetCDF-4 file (nothing for classic files). */
function readerNote(info: StreamInfo): string {
  const reader = (info as Partial<ExodusStreamInfo>).reader
  return !reader ? "" : reader === "native" ? "; NetCDF-4 read by brook's HDF5 reader" : `; NetCDF-4 read by ${reader}`
}

/** The mesh tables beside OUT.parquet: OUT.coordinates.parquet and OUT.connectivity.parquet. */
export function meshTargets(out: string): MeshTargets {
  const stem = out.replace(/\.parquet$/i, "")
  return { coordinates: `${stem}.coordinates.parquet`, connectivity: `${stem}.connectivity.parquet` }
}

/** `--chunk SIZE`: a size by the rule of --memory (a unit, powers of 1024), at least 8 bytes. */
function parseChunk(text: string): number {
  let n: number
  try {
    n = parseSize(text, "chunk")
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  if (n < 8) throw new UsageError("--chunk must be at least 8 bytes")
  return n
}

/** The `info` JSON. */
export function summary(m: ExodusModel) {
  const element = m.variables.filter((v) => v.kind === "element")
  return {
    file: m.file,
    format: m.format,
    title: m.title,
    int64: m.int64,
    floatWordSize: m.floatWordSize,
    dimensions: Object.fromEntries(m.header.dims.map((d) => [d.name, d.unlimited ? m.header.numrecs : d.length])),
    numDim: m.numDim,
    numNodes: m.numNodes,
    numElem: m.numElem,
    coordinates: m.coordinates.map((c) => c.name),
    blocks: m.blocks.map((b) => ({
      id: b.id,
      name: b.name,
      elemType: b.elemType,
      numElem: b.numElem,
      nodesPerElem: b.nodesPerElem,
      numAttr: b.numAttr,
    })),
    nodeSets: m.nodeSets.map(({ id, name, count, distFactors }) => ({ id, name, nodes: count, distFactors })),
    sideSets: m.sideSets.map(({ id, name, count, distFactors }) => ({ id, name, sides: count, distFactors })),
    variables: {
      nodal: m.variables.filter((v) => v.kind === "nodal").map((v) => v.name),
      element: element.map((v) => ({ name: v.name, blocks: v.parts.map((p) => p.block!.id) })),
      global: m.variables.filter((v) => v.kind === "global").map((v) => v.name),
    },
    steps: m.times.length,
    // every step's time, in step order (step k is times[k - 1])
    times: Array.from(m.times),
    qa: m.qa,
    info: m.info,
  }
}
