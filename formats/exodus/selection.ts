/** Which variables, steps and blocks of an Exodus model a reader or a copy takes, checked against the model. */
import { InvalidOption } from "../../core/errors.ts"
import type { ExodusBlock, ExodusModel, ExodusVariable } from "./model.ts"

export interface ExodusSelectionOptions {
  /** Exodus variable names (nodal, element or global); default all. */
  readonly variables?: readonly string[]
  /** Time steps, 1-based and inclusive as in the Exodus API; default all. */
  readonly steps?: { readonly first: number; readonly last: number }
  /** Element block ids for connectivity and element variables; default all. */
  readonly blocks?: readonly number[]
}

export interface ExodusSelection {
  readonly variables: readonly ExodusVariable[]
  /** 1-based, inclusive; first > last when there are no steps. */
  readonly first: number
  readonly last: number
  readonly blocks: readonly ExodusBlock[]
}

export function select(model: ExodusModel, o: ExodusSelectionOptions = {}): ExodusSelection {
  const steps = model.times.length
  const first = o.steps?.first ?? 1
  const last = o.steps?.last === Infinity ? steps : o.steps?.last ?? steps
  if (o.steps && (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > steps || first > last)) {
    throw new InvalidOption({ option: "steps", reason: `${first}:${last} is outside the file's steps 1:${steps}` })
  }
  const blocks = o.blocks
    ? o.blocks.map((id) =>
      model.blocks.find((b) => b.id === id) ??
        badOption("blocks", `no block ${id}; the file has ${model.blocks.map((b) => b.id).join(", ") || "none"}`)
    )
    : model.blocks
  const variables = o.variables
    ? o.variables.map((name) =>
      model.variables.find((v) => v.name === name) ??
        badOption(
          "vars",
          `no variable ${name}; the file has ${model.variables.map((v) => v.name).join(", ") || "none"}`,
        )
    )
    : model.variables
  const ids = new Set(blocks.map((b) => b.id))
  const restricted = variables.map((v) =>
    v.kind === "element" ? { ...v, parts: v.parts.filter((p) => p.block && ids.has(p.block.id)) } : v
  )
  return { variables: restricted, first, last, blocks }
}

/** Parses "a:b", "a:", ":b" or "a" (1-based, inclusive). */
export function parseSteps(text: string): { first: number; last: number } | undefined {
  const m = /^\s*(\d*)\s*(?::\s*(\d*))?\s*$/.exec(text)
  if (!m || (m[1] === "" && m[2] === undefined)) {
    return badOption("steps", `cannot read "${text}" (try 1:10, 5:, :3 or 7; steps are 1-based)`)
  }
  const first = m[1] === "" ? 1 : Number(m[1])
  const last = m[2] === undefined ? first : m[2] === "" ? Infinity : Number(m[2])
  return { first, last }
}

function badOption(option: string, reason: string): never {
  throw new InvalidOption({ option, reason })
}
