/**
 * The Exodus II model over a NetCDF header (classic or NetCDF-4): what the file holds (blocks, sets, variables, steps)
 * and where each array lives. Variants (separate or combined coordinates and nodal variables, int64 or
 * int32 ids, float32 or float64 values, len_name or len_string) are detected by the variables present.
 * Only small metadata (ids, names, QA/info records, time values) is read here; bulk arrays are located.
 */
import { InvalidInput } from "../../core/errors.ts"
import type { Container } from "../netcdf/container.ts"
import { FORMAT_NAMES, type NcHeader, type NcVar } from "../netcdf/classic_header.ts"
import { type NcArray, TYPE_SIZE } from "../netcdf/types.ts"

/** A run of values inside one record slab (or the whole of a non-record variable). */
export interface Field {
  readonly ncVar: NcVar
  /** First value of the run inside the slab. */
  readonly offset: number
  readonly count: number
}

export interface ExodusBlock {
  /** 1-based position, the k of connect{k}. */
  readonly index: number
  readonly id: number
  readonly name: string
  readonly elemType: string
  readonly numElem: number
  readonly nodesPerElem: number
  readonly numAttr: number
  readonly connect?: NcVar
  /** attrib{k}: numElem x numAttr values, named by attrib_name{k}. */
  readonly attributes?: NcVar
  readonly attributeNames: string[]
}

export interface ExodusSet {
  readonly kind: "node" | "side"
  readonly index: number
  readonly id: number
  readonly name: string
  readonly count: number
  readonly distFactors: number
  /** The set's arrays: node_ns{k}, or elem_ss{k} and side_ss{k}; dist_fact_ns{k} / dist_fact_ss{k}. */
  readonly arrays: readonly NcVar[]
  readonly distFactorsVar?: NcVar
}

export type VariableKind = "nodal" | "element" | "global"

export interface ExodusVariable {
  readonly kind: VariableKind
  readonly name: string
  /** 1-based index in name_nod_var / name_elem_var / name_glo_var. */
  readonly index: number
  /** Where its values are in each record: one field, or one per block that has it (element). */
  readonly parts: ReadonlyArray<{ readonly block: ExodusBlock | null; readonly field: Field }>
}

export interface ExodusModel {
  readonly file: string
  readonly header: NcHeader
  readonly format: string
  readonly title: string
  readonly numDim: number
  readonly numNodes: number
  readonly numElem: number
  readonly int64: boolean
  readonly floatWordSize: 4 | 8
  readonly coordinates: ReadonlyArray<{ readonly name: string; readonly field: Field }>
  readonly blocks: readonly ExodusBlock[]
  readonly nodeSets: readonly ExodusSet[]
  readonly sideSets: readonly ExodusSet[]
  /** node_num_map / elem_num_map (or the older node_map / elem_map), when present. */
  readonly nodeNumMap?: NcVar
  readonly elemNumMap?: NcVar
  readonly qa: string[][]
  readonly info: string[]
  readonly times: Float64Array
  readonly variables: readonly ExodusVariable[]
}

/** Largest metadata array read whole (names, ids): far above any real file's, far below a budget. */
const MAX_METADATA_BYTES = 8 << 20

/** Reads a whole small variable (or one record of it), decoded. */
export function readSmall(c: Container, v: NcVar, rec = 0): NcArray {
  const bytes = v.count * TYPE_SIZE[v.type]
  if (bytes > MAX_METADATA_BYTES) {
    throw new InvalidInput({ file: c.file, offset: v.begin, reason: `${v.name} (${bytes} bytes) is too large` })
  }
  return c.read(v, rec, 0, v.count)
}

/** Builds the model from a container's header and its small metadata arrays. */
export function openExodus(c: Container): ExodusModel {
  const h = c.header
  const vars = new Map(h.vars.map((v) => [v.name, v]))
  const dim = (name: string) => h.dims.find((d) => d.name === name)?.length ?? 0
  const fail = (reason: string, offset?: number): never => {
    throw new InvalidInput({ file: h.file, offset, reason })
  }
  const whole = (v: NcVar): Field => ({ ncVar: v, offset: 0, count: v.count })
  const strings = (name: string): string[] => {
    const v = vars.get(name)
    if (!v || v.type !== "char" || v.shape.length < 1) return []
    const width = v.shape[v.shape.length - 1]
    const bytes = readSmall(c, v) as Uint8Array
    const dec = new TextDecoder()
    return Array.from({ length: width ? v.count / width : 0 }, (_, k) => {
      const s = bytes.subarray(k * width, (k + 1) * width)
      const end = s.indexOf(0)
      return dec.decode(end < 0 ? s : s.subarray(0, end)).trimEnd()
    })
  }
  const numbers = (name: string): number[] => {
    const v = vars.get(name)
    return v ? Array.from(readSmall(c, v) as ArrayLike<number | bigint>, Number) : []
  }

  const numDim = dim("num_dim")
  const numNodes = dim("num_nodes")
  const coordNames = strings("coor_names")
  const axis = ["x", "y", "z"].slice(0, numDim || 3)
  const coordinates: ExodusModel["coordinates"] = vars.has("coord")
    ? axis.map((a, k) => ({
      name: coordNames[k] || a,
      field: { ncVar: vars.get("coord")!, offset: k * numNodes, count: numNodes },
    }))
    : axis.filter((a) => vars.has(`coord${a}`)).map((a, k) => ({
      name: coordNames[k] || a,
      field: whole(vars.get(`coord${a}`)!),
    }))

  const blockIds = numbers("eb_prop1")
  const blockNames = strings("eb_names")
  const blocks: ExodusBlock[] = Array.from({ length: dim("num_el_blk") }, (_, k) => {
    const connect = vars.get(`connect${k + 1}`)
    const elemType = connect?.attrs.find((a) => a.name === "elem_type")?.value
    return {
      index: k + 1,
      id: blockIds[k] ?? k + 1,
      name: blockNames[k] ?? "",
      elemType: typeof elemType === "string" ? elemType : "",
      numElem: dim(`num_el_in_blk${k + 1}`),
      nodesPerElem: dim(`num_nod_per_el${k + 1}`),
      numAttr: dim(`num_att_in_blk${k + 1}`),
      connect,
      attributes: vars.get(`attrib${k + 1}`),
      attributeNames: strings(`attrib_name${k + 1}`),
    }
  })
  const sets = (kind: "node" | "side", tag: "ns" | "ss", count: string): ExodusSet[] => {
    const ids = numbers(`${tag}_prop1`)
    const names = strings(`${tag}_names`)
    return Array.from({ length: dim(kind === "node" ? "num_node_sets" : "num_side_sets") }, (_, k) => ({
      kind,
      index: k + 1,
      id: ids[k] ?? k + 1,
      name: names[k] ?? "",
      count: dim(`${count}${k + 1}`),
      distFactors: dim(`num_df_${tag}${k + 1}`) || (vars.has(`dist_fact_${tag}${k + 1}`) ? dim(`${count}${k + 1}`) : 0),
      arrays: (kind === "node" ? [`node_ns${k + 1}`] : [`elem_ss${k + 1}`, `side_ss${k + 1}`]).flatMap((n) =>
        vars.has(n) ? [vars.get(n)!] : []
      ),
      distFactorsVar: vars.get(`dist_fact_${tag}${k + 1}`),
    }))
  }

  const qaVar = vars.get("qa_records")
  const qaFlat = strings("qa_records")
  const qa = qaVar ? Array.from({ length: qaFlat.length / 4 }, (_, k) => qaFlat.slice(4 * k, 4 * k + 4)) : []

  const timeVar = vars.get("time_whole")
  const times = new Float64Array(timeVar ? h.numrecs : 0)
  for (let r = 0; r < times.length; r++) times[r] = Number(readSmall(c, timeVar!, r)[0])

  const variables: ExodusVariable[] = []
  const nodalNames = strings("name_nod_var")
  const combined = vars.get("vals_nod_var")
  nodalNames.forEach((name, k) => {
    const own = vars.get(`vals_nod_var${k + 1}`)
    const field = own?.record
      ? whole(own)
      : combined?.record
      ? { ncVar: combined, offset: k * numNodes, count: numNodes }
      : fail(`nodal variable ${name} has neither vals_nod_var${k + 1} nor vals_nod_var`)
    variables.push({ kind: "nodal", name, index: k + 1, parts: [{ block: null, field }] })
  })
  strings("name_elem_var").forEach((name, k) => {
    const parts = blocks.flatMap((b) => {
      const v = vars.get(`vals_elem_var${k + 1}eb${b.index}`)
      return v?.record ? [{ block: b, field: whole(v) }] : []
    })
    variables.push({ kind: "element", name, index: k + 1, parts })
  })
  const glo = vars.get("vals_glo_var")
  strings("name_glo_var").forEach((name, k) => {
    if (!glo?.record) fail(`global variable ${name} has no vals_glo_var`)
    variables.push({
      kind: "global",
      name,
      index: k + 1,
      parts: [{ block: null, field: { ncVar: glo!, offset: k, count: 1 } }],
    })
  })
  for (const v of variables) {
    for (const p of v.parts) {
      if (p.field.offset + p.field.count > p.field.ncVar.count) {
        fail(`${v.name}: ${p.field.ncVar.name} holds ${p.field.ncVar.count} values per step`, p.field.ncVar.begin)
      }
    }
  }

  const title = h.attrs.find((a) => a.name === "title")?.value
  const wordSize = h.attrs.find((a) => a.name === "floating_point_word_size")?.value
  const floatVar = coordinates[0]?.field.ncVar ?? variables[0]?.parts[0]?.field.ncVar
  const intVars = [...blocks.map((b) => b.connect), vars.get("node_num_map"), vars.get("elem_num_map")]
  return {
    file: h.file,
    header: h,
    format: FORMAT_NAMES[h.version],
    title: typeof title === "string" ? title : "",
    numDim,
    numNodes,
    numElem: dim("num_elem"),
    int64: intVars.some((v) => v?.type === "int64"),
    floatWordSize: floatVar
      ? (floatVar.type === "float" ? 4 : 8)
      : Array.isArray(wordSize) && wordSize[0] === 4
      ? 4
      : 8,
    coordinates,
    blocks,
    nodeSets: sets("node", "ns", "num_nod_ns"),
    sideSets: sets("side", "ss", "num_side_ss"),
    nodeNumMap: vars.get("node_num_map") ?? vars.get("node_map"),
    elemNumMap: vars.get("elem_num_map") ?? vars.get("elem_map"),
    qa,
    info: strings("info_records"),
    times,
    variables,
  }
}
