/**
 * Spill files: where packed rows go when both inputs do not fit the operator's share, to be read back block
 * by block (block nested loop join).
 */
import * as fs from "node:fs"
import { readAt } from "../../core/files.ts"

/** The spill files rows go to when they do not fit the share: packed floats and (int8 screen) int8 panels. */
export interface SpillFiles {
  readonly f32: string | undefined
  readonly q8: string | undefined
}
export interface SpillFds {
  readonly f32: number
  readonly q8?: number
}
export const openSpill = (f: SpillFiles): SpillFds => ({
  f32: fs.openSync(f.f32!, "r"),
  q8: f.q8 ? fs.openSync(f.q8, "r") : undefined,
})
export const closeSpill = (f: SpillFds) => {
  fs.closeSync(f.f32)
  if (f.q8 !== undefined) fs.closeSync(f.q8)
}

/** A spill file we wrote ending early is a defect (disk trouble), not bad input. */
export function readSpill(fd: number, into: Uint8Array, offset: number): void {
  const got = readAt(fd, into, offset)
  if (got < into.byteLength) throw new Error(`spill file ended at ${offset + got}`)
}
