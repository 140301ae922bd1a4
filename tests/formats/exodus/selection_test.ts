/** Which variables, steps and blocks an Exodus reader takes: defaults, restriction, and refusals naming what exists. */
import { expect, test } from "bun:test"
import { InvalidOption } from "../../../core/errors.ts"
import type { ExodusBlock, ExodusModel, ExodusVariable } from "../../../formats/exodus/model.ts"
import { parseSteps, select } from "../../../formats/exodus/selection.ts"

const block = (index: number, id: number) => ({ index, id, name: `b${id}` }) as unknown as ExodusBlock
const b10 = block(1, 10), b20 = block(2, 20), b30 = block(3, 30)
const field = {} as ExodusVariable["parts"][number]["field"]
const temp: ExodusVariable = { kind: "nodal", name: "temp", index: 1, parts: [{ block: null, field }] }
const stress: ExodusVariable = {
  kind: "element",
  name: "stress",
  index: 1,
  parts: [{ block: b10, field }, { block: b30, field }],
}
const energy: ExodusVariable = { kind: "global", name: "energy", index: 1, parts: [{ block: null, field }] }

const model = (steps: number, blocks = [b10, b20, b30], variables = [temp, stress, energy]) =>
  ({ file: "m.exo", times: new Float64Array(steps), blocks, variables }) as unknown as ExodusModel

const refusal = (f: () => unknown): InvalidOption => {
  try {
    f()
  } catch (e) {
    return e as InvalidOption
  }
  throw new Error("expected an InvalidOption")
}

test("by default: every variable, every step, every block", () => {
  const m = model(3)
  const s = select(m)
  expect(s.first).toBe(1)
  expect(s.last).toBe(3)
  expect(s.blocks).toBe(m.blocks)
  expect(s.variables.map((v) => v.name)).toEqual(["temp", "stress", "energy"])
  expect(s.variables[1].parts.length).toBe(2)
})

test("a file without steps selects none: first > last", () => {
  const s = select(model(0))
  expect([s.first, s.last]).toEqual([1, 0])
})

test("steps are 1-based and inclusive; last Infinity is the file's last", () => {
  const s = select(model(5), { steps: { first: 2, last: 4 } })
  expect([s.first, s.last]).toEqual([2, 4])
  const open = select(model(5), { steps: { first: 3, last: Infinity } })
  expect([open.first, open.last]).toEqual([3, 5])
  const one = select(model(5), { steps: { first: 5, last: 5 } })
  expect([one.first, one.last]).toEqual([5, 5])
})

test("steps outside the file, reversed or not whole are an InvalidOption on --steps", () => {
  for (const steps of [{ first: 0, last: 2 }, { first: 2, last: 6 }, { first: 4, last: 3 }, { first: 1.5, last: 2 }]) {
    const e = refusal(() => select(model(5), { steps }))
    expect(e).toBeInstanceOf(InvalidOption)
    expect(e.option).toBe("steps")
    expect(e.reason).toBe(`${steps.first}:${steps.last} is outside the file's steps 1:5`)
  }
  expect(refusal(() => select(model(0), { steps: { first: 1, last: Infinity } })).reason)
    .toBe("1:0 is outside the file's steps 1:0")
})

test("blocks are taken in the order asked; element variables keep only those blocks' parts", () => {
  const s = select(model(1), { blocks: [30, 20] })
  expect(s.blocks).toEqual([b30, b20])
  const st = s.variables.find((v) => v.name === "stress")!
  expect(st.parts.map((p) => p.block!.id)).toEqual([30])
  expect(stress.parts.length).toBe(2) // the model's own variable is untouched
  expect(s.variables.find((v) => v.name === "temp")).toBe(temp)
  // a block no element variable covers leaves it with no parts
  expect(select(model(1), { blocks: [20] }).variables.find((v) => v.name === "stress")!.parts).toEqual([])
})

test("variables are taken by name in the order asked", () => {
  expect(select(model(1), { variables: ["energy", "temp"] }).variables).toEqual([energy, temp])
  expect(select(model(1), { variables: [] }).variables).toEqual([])
})

test("an unknown block or variable is an InvalidOption listing what the file has", () => {
  const b = refusal(() => select(model(1), { blocks: [10, 99] }))
  expect(b.option).toBe("blocks")
  expect(b.reason).toBe("no block 99; the file has 10, 20, 30")
  expect(refusal(() => select(model(1, []), { blocks: [1] })).reason).toBe("no block 1; the file has none")
  const v = refusal(() => select(model(1), { variables: ["pressure"] }))
  expect(v.option).toBe("vars")
  expect(v.message).toBe("--vars: no variable pressure; the file has temp, stress, energy")
  expect(refusal(() => select(model(1, [b10], []), { variables: ["x"] })).reason).toBe(
    "no variable x; the file has none",
  )
})

test("parseSteps reads a:b, a:, :b, a and :", () => {
  expect(parseSteps("1:10")).toEqual({ first: 1, last: 10 })
  expect(parseSteps("5:")).toEqual({ first: 5, last: Infinity })
  expect(parseSteps(":3")).toEqual({ first: 1, last: 3 })
  expect(parseSteps("7")).toEqual({ first: 7, last: 7 })
  expect(parseSteps(" 2 : 4 ")).toEqual({ first: 2, last: 4 })
  expect(parseSteps(":")).toEqual({ first: 1, last: Infinity })
})

test("parseSteps refuses anything else with a hint", () => {
  for (const text of ["", "  ", "a", "-1", "1:2:3", "1-3", "1.5"]) {
    const e = refusal(() => parseSteps(text))
    expect(e.option).toBe("steps")
    expect(e.reason).toBe(`cannot read "${text}" (try 1:10, 5:, :3 or 7; steps are 1-based)`)
  }
})
