/**
 * The int8 screen's error bounds per group of rows: a tile's margin is the largest quantisation error any of
 * its pairs can carry, so the screen keeps every pair whose exact cosine could pass the threshold.
 */
import { TASK_A_ROWS } from "./plan.ts"

/** Rows per TileBounds group: an A tile, half a B tile. */
const TILE_GROUP = TASK_A_ROWS

/** Per group of TILE_GROUP rows, the largest residual and norm + residual of its rows' quantisation. */
export class TileBounds {
  private readonly res: Float64Array
  private readonly npr: Float64Array
  constructor(res: Float32Array, npr: Float32Array, rows: number) {
    this.res = new Float64Array(Math.ceil(rows / TILE_GROUP))
    this.npr = new Float64Array(this.res.length)
    for (let r = 0; r < rows; r++) {
      const g = Math.floor(r / TILE_GROUP)
      if (res[r] > this.res[g]) this.res[g] = res[r]
      if (npr[r] > this.npr[g]) this.npr[g] = npr[r]
    }
  }
  /**
   * The largest bound npr_a r_b + r_a npr_b (+ 1e-5, + 1e-6 for the kernel's float32 arithmetic) over
   * rows a of [a0, a0 + aRows) here and b of [b0, b0 + bRows) in `b`.
   */
  margin(a0: number, aRows: number, b: TileBounds, b0: number, bRows: number): number {
    const [ra, na] = this.max(a0, aRows), [rb, nb] = b.max(b0, bRows)
    return na * rb + ra * nb + 1e-5 + 1e-6
  }
  private max(row0: number, rows: number): [number, number] {
    let r = 0, n = 0
    for (let g = Math.floor(row0 / TILE_GROUP); g < Math.ceil((row0 + rows) / TILE_GROUP); g++) {
      r = Math.max(r, this.res[g])
      n = Math.max(n, this.npr[g])
    }
    return [r, n]
  }
}
