/** TileBounds: per 256-row group, the largest quantisation residual and norm + residual; a tile's margin from them. */
import { expect, test } from "bun:test"
import { TileBounds } from "../../../operators/tiled_cosine/bounds.ts"
import { TASK_A_ROWS } from "../../../operators/tiled_cosine/plan.ts"

const SLACK = 1e-5 + 1e-6
const G = TASK_A_ROWS

/** Bounds over `rows` rows with residual `res(r)` and norm + residual `npr(r)`. */
function bounds(rows: number, res: (r: number) => number, npr: (r: number) => number) {
  return new TileBounds(
    Float32Array.from({ length: rows }, (_, r) => res(r)),
    Float32Array.from({ length: rows }, (_, r) => npr(r)),
    rows,
  )
}

test("the margin is npr_a r_b + r_a npr_b over the groups' largest values, plus the float32 slack", () => {
  // group 0: res up to 0.25, npr 1; group 1: res 0.5, npr 2 (values exact in float32)
  const a = bounds(2 * G, (r) => (r < G ? (r === 7 ? 0.25 : 0.125) : 0.5), (r) => (r < G ? 1 : 2))
  const b = bounds(G, () => 0.0625, () => 1.5)
  expect(a.margin(0, G, b, 0, G)).toBe(1 * 0.0625 + 0.25 * 1.5 + SLACK)
  expect(a.margin(G, G, b, 0, G)).toBe(2 * 0.0625 + 0.5 * 1.5 + SLACK)
  // a range over both groups takes the larger of each
  expect(a.margin(G - 1, 2, b, 0, 1)).toBe(2 * 0.0625 + 0.5 * 1.5 + SLACK)
  // symmetric in its two sides
  expect(b.margin(0, G, a, G, G)).toBe(a.margin(G, G, b, 0, G))
})

test("a range ending at a group's last row does not reach into the next group", () => {
  const a = bounds(3 * G, (r) => (r >= G ? 1 : 0.5), () => 1)
  const b = bounds(1, () => 0.5, () => 1)
  expect(a.margin(0, G, b, 0, 1)).toBe(1 * 0.5 + 0.5 * 1 + SLACK)
  expect(a.margin(0, G + 1, b, 0, 1)).toBe(1 * 0.5 + 1 * 1 + SLACK)
})

test("a partial last group, and no rows: only the slack", () => {
  const a = bounds(G + 3, (r) => (r === G + 2 ? 0.75 : 0), () => 1)
  const b = bounds(1, () => 0, () => 1)
  expect(a.margin(G, 3, b, 0, 1)).toBe(0.75 + SLACK)
  const none = bounds(0, () => 0, () => 0)
  expect(none.margin(0, 0, none, 0, 0)).toBe(SLACK)
  // exact rows (residual 0) on both sides: only the slack
  const exact = bounds(10, () => 0, () => 1)
  expect(exact.margin(0, 10, exact, 0, 10)).toBe(SLACK)
})
