/**
 * The shared-memory layout of a block of rows: float panels, then (int8 screen) int8 panels, each 64-byte
 * aligned in the heap the workers share.
 */
import { packed8Bytes, packedBytes, paddedDim, PANEL_ROWS } from "./kernel.ts"
import { readSpill, type SpillFds } from "./spill.ts"

export const align = (n: number) => Math.ceil(n / 64) * 64

/** Rows held in the shared heap: float panels, then (int8 screen) int8 panels. */
export class Region {
  readonly q8: number
  readonly end: number
  constructor(readonly f32: number, readonly rows: number, readonly dim: number, readonly int8: boolean) {
    this.q8 = align(f32 + packedBytes(rows, dim))
    this.end = align(this.q8 + (int8 ? packed8Bytes(rows, dim) : 0))
  }
  /** Address of the float panel holding local row `row` (a multiple of 8). */
  f32At(row: number): number {
    return this.f32 + (row / PANEL_ROWS) * PANEL_ROWS * this.dim * 4
  }
  q8At(row: number): number {
    return this.q8 + (row / PANEL_ROWS) * PANEL_ROWS * paddedDim(this.dim)
  }
  /** Reads rows [row0, row0+rows) of the spill files into this region. */
  read(heap: SharedArrayBuffer, fds: SpillFds, row0: number, rows: number): void {
    readSpill(fds.f32, new Uint8Array(heap, this.f32, packedBytes(rows, this.dim)), packedBytes(row0, this.dim))
    if (this.int8) {
      readSpill(fds.q8!, new Uint8Array(heap, this.q8, packed8Bytes(rows, this.dim)), packed8Bytes(row0, this.dim))
    }
  }
}
