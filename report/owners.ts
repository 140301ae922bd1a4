/**
 * Ledger owners in pipeline order with their colors: each stage, then the queue after it (same hue,
 * lighter), so a stacked chart reads bottom-up like the pipeline reads left to right.
 */
import { queueOwner, type RunReport } from "../core/run.ts"
import { PALETTE } from "./svg_util.ts"

export interface OwnerStyle {
  readonly owner: string
  readonly peak: number
  readonly color: string
  /** Queues are drawn lighter than the stage that fills them. */
  readonly queue: boolean
}

export function ownerStyles(report: RunReport): OwnerStyle[] {
  const peaks = new Map(report.owners.map((o) => [o.owner, o.peak]))
  const stageColor = new Map(report.stages.map((s, k) => [s.name, PALETTE[k % PALETTE.length]]))
  const out: OwnerStyle[] = []
  const seen = new Set<string>()
  const add = (owner: string, color: string, queue: boolean) => {
    if (seen.has(owner) || !peaks.has(owner)) return
    seen.add(owner)
    out.push({ owner, peak: peaks.get(owner)!, color, queue })
  }
  report.stages.forEach((s, k) => {
    add(s.name, stageColor.get(s.name)!, false)
    const next = report.stages[k + 1]
    if (next) add(queueOwner(s.name, next.name), stageColor.get(s.name)!, true)
  })
  // owners the pipeline order does not name (a stage reserving under another name) follow, in ledger order
  let extra = report.stages.length
  for (const o of report.owners) add(o.owner, PALETTE[extra++ % PALETTE.length], o.owner.startsWith("queue "))
  return out
}
