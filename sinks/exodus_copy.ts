/**
 * writeExodus: an Exodus II file (CDF-2, or CDF-5 for int64 ids) holding the mesh of the input and the variables and steps
 * exodusChunks selected. The mesh and every other non-record array are copied as they are; selected
 * variables are renumbered (vals_nod_var{j}, vals_elem_var{j}eb{k}, vals_glo_var) with new name lists and
 * truth table; time_whole keeps the selected steps. Other record variables (set and assembly variables)
 * are not copied, and neither are their names and truth tables.
 */
import * as Effect from "effect/Effect"
import type { Sink } from "../core/operator.ts"
import type { MeshChunk } from "../core/batches.ts"
import type { ExodusStreamInfo } from "../formats/exodus/stream_info.ts"
import type { ExodusModel } from "../formats/exodus/model.ts"
import type { NcAttr, NcDim } from "../formats/netcdf/classic_header.ts"
import type { ExodusSelection } from "../formats/exodus/selection.ts"
import { type NcChunk, type NcSchema, type NcVarSpec, writeNetcdf } from "../formats/netcdf/classic_writer.ts"

/** Arrays the copy writes itself, from the selection. */
const REMADE = new Set(["name_nod_var", "name_elem_var", "name_glo_var", "elem_var_tab", "time_whole"])
/** Name lists and truth tables of the variable kinds the copy does not carry. */
const dropped = (name: string) => /^name_\w+_var$|_var_tab$/.test(name) && !REMADE.has(name)

export interface ExodusCopyPlan {
  readonly schema: NcSchema
  readonly prelude: NcChunk[]
  /** CDF-2, or CDF-5 when the input has 64-bit or unsigned integer arrays. */
  readonly version: 2 | 5
  /** Where a chunk of the input goes in the output, or undefined when it is not copied. */
  readonly place: (c: MeshChunk) => Omit<NcChunk, "values" | "recycle"> | undefined
}

export function copyPlan(m: ExodusModel, sel: ExodusSelection): ExodusCopyPlan {
  const h = m.header
  const nodal = sel.variables.filter((v) => v.kind === "nodal")
  const element = sel.variables.filter((v) => v.kind === "element")
  const global = sel.variables.filter((v) => v.kind === "global")
  const counts: Record<string, number> = {
    num_nod_var: nodal.length,
    num_elem_var: element.length,
    num_glo_var: global.length,
  }
  // dimensions: the input's, with the variable counts of the selection; a count of 0 drops the dimension
  const dims: NcDim[] = []
  const dimMap = new Map<number, number>()
  h.dims.forEach((d, k) => {
    const length = d.name in counts ? counts[d.name] : d.length
    if (d.name in counts && length === 0) return
    if (/^num_\w+_var$/.test(d.name) && !(d.name in counts)) return
    dimMap.set(k, dims.length)
    dims.push({ ...d, length: d.unlimited ? 0 : length })
  })
  const dimId = (name: string) => dims.findIndex((d) => d.name === name)
  const vars: NcVarSpec[] = []
  const prelude: NcChunk[] = []
  const charRows = (name: string, dim: string, rows: string[]) => {
    const lenDim = dims.find((d) => d.name === "len_name") ? "len_name" : "len_string"
    const width = dims[dimId(lenDim)].length
    vars.push({ name, dimIds: [dimId(dim), dimId(lenDim)], type: "char", attrs: [] })
    const values = new Uint8Array(rows.length * width)
    rows.forEach((r, k) => values.set(new TextEncoder().encode(r).subarray(0, width - 1), k * width))
    prelude.push({ ncVar: name, record: 0, ncStart: 0, values })
  }
  for (const v of h.vars) {
    if (v.record || REMADE.has(v.name) || dropped(v.name)) continue
    if (v.dimIds.some((id) => !dimMap.has(id))) continue
    vars.push({ name: v.name, dimIds: v.dimIds.map((id) => dimMap.get(id)!), type: v.type, attrs: v.attrs })
  }
  if (nodal.length) charRows("name_nod_var", "num_nod_var", nodal.map((v) => v.name))
  if (element.length) charRows("name_elem_var", "num_elem_var", element.map((v) => v.name))
  if (global.length) charRows("name_glo_var", "num_glo_var", global.map((v) => v.name))
  if (element.length) {
    vars.push({ name: "elem_var_tab", dimIds: [dimId("num_el_blk"), dimId("num_elem_var")], type: "int", attrs: [] })
    const tab = new Int32Array(m.blocks.length * element.length)
    element.forEach((v, j) => v.parts.forEach((p) => (tab[(p.block!.index - 1) * element.length + j] = 1)))
    prelude.push({ ncVar: "elem_var_tab", record: 0, ncStart: 0, values: tab })
  }
  // record variables
  const time = dimId("time_step")
  const steps = Math.max(0, sel.last - sel.first + 1)
  const timeVar = h.vars.find((v) => v.name === "time_whole")
  if (time >= 0) {
    vars.push({ name: "time_whole", dimIds: [time], type: timeVar?.type ?? "double", attrs: timeVar?.attrs ?? [] })
    for (let s = 0; s < steps; s++) {
      const t = timeVar?.type === "float" ? new Float32Array(1) : new Float64Array(1)
      t[0] = m.times[sel.first - 1 + s]
      prelude.push({ ncVar: "time_whole", record: s, ncStart: 0, values: t })
    }
  }
  const outName = new Map<string, string>()
  const key = (kind: string, name: string, block: number | null) => `${kind}\0${name}\0${block}`
  const recordVar = (name: string, dim: string, type: NcVarSpec["type"]) =>
    vars.push({ name, dimIds: [time, dimId(dim)], type, attrs: [] })
  nodal.forEach((v, j) => {
    outName.set(key("nodal", v.name, null), `vals_nod_var${j + 1}`)
    recordVar(`vals_nod_var${j + 1}`, "num_nodes", v.parts[0].field.ncVar.type)
  })
  element.forEach((v, j) => {
    for (const p of v.parts) {
      const name = `vals_elem_var${j + 1}eb${p.block!.index}`
      outName.set(key("element", v.name, p.block!.id), name)
      recordVar(name, `num_el_in_blk${p.block!.index}`, p.field.ncVar.type)
    }
  })
  if (global.length) recordVar("vals_glo_var", "num_glo_var", global[0].parts[0].field.ncVar.type)
  global.forEach((v, j) => outName.set(key("global", v.name, null), `vals_glo_var\0${j}`))
  // CDF-2 as the SEACAS library writes by default; CDF-5 when ids are 64-bit (or unsigned), which CDF-2 cannot hold
  const version = vars.some((v) => v.type === "int64" || v.type === "uint64" || v.type.startsWith("u")) ? 5 : 2
  const kept = new Set(vars.map((v) => v.name))
  const attrs: NcAttr[] = version === 5 ? h.attrs : h.attrs.filter((a) => a.type !== "int64" && a.type !== "uint64")
  return {
    schema: { dims, attrs, vars },
    prelude,
    version,
    place(c) {
      if (c.step === null) {
        return kept.has(c.ncVar) && !REMADE.has(c.ncVar) ? { ncVar: c.ncVar, record: 0, ncStart: c.ncStart } : undefined
      }
      const to = outName.get(key(c.kind, c.name, c.block))
      if (!to) return undefined
      const record = c.step! - sel.first
      if (c.kind === "global") return { ncVar: "vals_glo_var", record, ncStart: Number(to.split("\0")[1]) }
      return { ncVar: to, record, ncStart: c.start }
    },
  }
}

/** The Exodus sink: a CDF-2 (CDF-5 for int64 ids) copy of what exodusChunks (parts "static" and "variables") emits. */
export function writeExodus(target: string): Sink<MeshChunk> {
  const name = "writeExodus"
  // the copy's layout follows from what the source describes
  const planOf = (info: unknown) => copyPlan((info as ExodusStreamInfo).exodus, (info as ExodusStreamInfo).selection)
  const innerFor = (info: unknown, plan = planOf(info)) => writeNetcdf(target, plan.schema, plan.prelude, plan.version)
  return {
    kind: "sink",
    name,
    weight: 0,
    describe: (up) => Effect.succeed(up),
    minimum: (info) => innerFor(info).minimum(info),
    plan: (share, info) => innerFor(info).plan(share, info),
    make: (p, info, reservation) =>
      Effect.gen(function* () {
        const plan = planOf(info)
        const stream = yield* innerFor(info, plan).make(p, info, reservation)
        const w = stream.getWriter()
        return new WritableStream<MeshChunk>({
          async write(c) {
            const to = plan.place(c)
            if (!to) return c.recycle()
            await w.write({ ...to, values: c.values, recycle: c.recycle })
          },
          close: () => w.close(),
          abort: (r) => w.abort(r),
        })
      }),
  }
}
