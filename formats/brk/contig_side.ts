/**
 * A contig's side record (everything about it but its uppercased sequence) as bytes in the catalog.
 * From catalog version 2 the header goes to the catalog's texts, and the last line run's length and
 * the last case run are written as their difference from what the contig's length leaves them (0 but
 * for odd layouts), since a contig's line runs and case runs add up to its length.
 */
import type { ByteReader, ByteWriter } from "../../core/bytes.ts"
import type { ContigSide } from "../../core/batches.ts"

/** What is left of `length` after the runs before the last (line runs: length x count). */
const rest = (length: number, runs: number[], step: number) => {
  let left = length
  for (let k = 0; k + step < runs.length; k += step) left -= step === 3 ? runs[k] * runs[k + 2] : runs[k]
  return left
}

/** Side records as bytes (varints), for the archive (version 2): the header to `texts`, the rest to `w`. */
export function writeContigSide(w: ByteWriter, s: ContigSide, texts: ByteWriter): void {
  texts.blob(s.header)
  w.uint(s.headerEol).uint(s.length)
  const n = s.lines.length
  w.uint(n / 3)
  for (let k = 0; k < n; k++) {
    if (k === n - 3) w.int(s.lines[k] - Math.floor(rest(s.length, s.lines, 3) / Math.max(1, s.lines[n - 1])))
    else w.uint(s.lines[k])
  }
  const c = s.caseRuns.length
  w.uint(c)
  for (let k = 0; k < c; k++) {
    if (k === c - 1) w.int(s.caseRuns[k] - rest(s.length, s.caseRuns, 1))
    else w.uint(s.caseRuns[k])
  }
}

/** A side record of a catalog of `version`. */
export function readContigSide(r: ByteReader, texts: ByteReader, version: number): ContigSide {
  const header = texts.blob().slice()
  const headerEol = r.uint()
  const length = r.uint()
  const lines: number[] = []
  const n = r.uint() * 3
  for (let k = 0; k < n; k++) lines.push(version > 1 && k === n - 3 ? r.int() : r.uint())
  if (version > 1 && n > 0) {
    lines[n - 3] += Math.floor(rest(length, lines, 3) / Math.max(1, lines[n - 1]))
  }
  const caseRuns: number[] = []
  const c = r.uint()
  for (let k = 0; k < c; k++) caseRuns.push(version > 1 && k === c - 1 ? r.int() : r.uint())
  if (version > 1 && c > 0) caseRuns[c - 1] += rest(length, caseRuns, 1)
  return { header, headerEol, lines, caseRuns, length }
}
