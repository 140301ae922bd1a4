/**
 * The tile grid: A blocks x B blocks (one block of each resident at a time), each cut into tasks of
 * TASK_A_ROWS x TASK_B_ROWS pairs (the upper triangle only for a self join), and a shard's share of them.
 */
import { TASK_A_ROWS, TASK_B_ROWS } from "./plan.ts"

/** One task: a tile of A rows x B rows, and the blocks (resident or read from spill files) it lies in. */
export interface Planned {
  id: number
  ab: number
  bb: number
  blockA0: number
  blockARows: number
  blockB0: number
  blockBRows: number
  aRow0: number
  aRows: number
  bRow0: number
  bRows: number
}

/** Rows of each input and block sizes: what the tasks are cut from. */
export interface Grid {
  rowsA: number
  rowsB: number
  blockA: number
  blockB: number
  self: boolean
}

/** Tasks in emission order: A block, B block (>= A block for a self join), A tile, B tile; one shard's. */
export function* enumerate(g: Grid, shard?: { index: number; count: number }): Generator<Planned> {
  let id = 0
  let tile = 0
  const nbA = Math.ceil(g.rowsA / g.blockA)
  const nbB = Math.ceil(g.rowsB / g.blockB)
  for (let ab = 0; ab < nbA; ab++) {
    const blockA0 = ab * g.blockA
    const blockARows = Math.min(g.blockA, g.rowsA - blockA0)
    for (let bb = g.self ? ab : 0; bb < nbB; bb++) {
      const blockB0 = bb * g.blockB
      const blockBRows = Math.min(g.blockB, g.rowsB - blockB0)
      for (let a0 = blockA0; a0 < blockA0 + blockARows; a0 += TASK_A_ROWS) {
        const aRows = Math.min(TASK_A_ROWS, blockA0 + blockARows - a0)
        for (let b0 = blockB0; b0 < blockB0 + blockBRows; b0 += TASK_B_ROWS) {
          const bRows = Math.min(TASK_B_ROWS, blockB0 + blockBRows - b0)
          if (g.self && b0 + bRows <= a0 + 1) continue // every j <= every i
          if (shard && tile++ % shard.count !== shard.index) continue
          yield {
            id: id++,
            ab,
            bb,
            blockA0,
            blockARows,
            blockB0,
            blockBRows,
            aRow0: a0,
            aRows,
            bRow0: b0,
            bRows,
          }
        }
      }
    }
  }
}

export function countTasks(g: Grid, shard?: { index: number; count: number }): number {
  let n = 0
  for (const _ of enumerate(g, shard)) n++
  return n
}
