/**
 * Progress of long stages (items, bytes, tiles done of total). Stages report through the Progress
 * service; the CLI provides a renderer that draws on stderr when it is a terminal, tests the silent one.
 */
import { Context } from "effect"

export interface ProgressUpdate {
  /** Units of work done so far (tiles, rows) and the total when known. */
  readonly done: number
  readonly total?: number
  readonly unit: string
  readonly bytes?: number
}

export class Progress extends Context.Service<Progress, {
  readonly update: (stage: string, update: ProgressUpdate) => void
  readonly finish: () => void
}>()("brook/Progress") {}

export const silentProgress = Progress.of({ update: () => {}, finish: () => {} })

/** Redraws one status line on a terminal stream at most 10 times a second. */
export function terminalProgress(write: (s: string) => void): Progress["Service"] {
  const stages = new Map<string, ProgressUpdate & { t0: number }>()
  let last = 0
  const draw = (force: boolean) => {
    const now = performance.now()
    if (!force && now - last < 100) return
    last = now
    const parts = [...stages].map(([name, u]) => {
      const elapsed = (now - u.t0) / 1000
      const pct = u.total ? ` ${((100 * u.done) / u.total).toFixed(1)}%` : ""
      const eta = u.total && u.done > 0 ? ` eta ${((elapsed * (u.total - u.done)) / u.done).toFixed(0)}s` : ""
      const mb = u.bytes !== undefined ? ` ${(u.bytes / 1e6).toFixed(0)}MB` : ""
      return `${name}: ${u.done}${u.total ? `/${u.total}` : ""} ${u.unit}${pct}${mb}${eta}`
    })
    write(`\r\x1b[2K${parts.join(" | ")}`)
  }
  return Progress.of({
    update: (stage, u) => {
      const prev = stages.get(stage)
      stages.set(stage, { ...u, t0: prev?.t0 ?? performance.now() })
      draw(false)
    },
    finish: () => {
      if (stages.size) write("\r\x1b[2K")
    },
  })
}
