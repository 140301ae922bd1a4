/**
 * A contig's side record (everything about it but its uppercased sequence) as bytes in the catalog.
 */
import type { ByteReader, ByteWriter } from "../../core/bytes.ts"
import type { ContigSide } from "../../core/batches.ts"

/** Side records as bytes (varints), for the archive. */
export function writeContigSide(w: ByteWriter, s: ContigSide): void {
  w.blob(s.header).uint(s.headerEol).uint(s.length)
  w.uint(s.lines.length / 3)
  for (const v of s.lines) w.uint(v)
  w.uint(s.caseRuns.length)
  for (const v of s.caseRuns) w.uint(v)
}

export function readContigSide(r: ByteReader): ContigSide {
  const header = r.blob().slice()
  const headerEol = r.uint()
  const length = r.uint()
  const lines: number[] = []
  for (let k = r.uint() * 3; k > 0; k--) lines.push(r.uint())
  const caseRuns: number[] = []
  for (let k = r.uint(); k > 0; k--) caseRuns.push(r.uint())
  return { header, headerEol, lines, caseRuns, length }
}
