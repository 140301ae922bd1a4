/**
 * Progress of long stages (items, bytes, tiles done of total). Stages report through the Progress
 * service; the CLI provides a renderer that draws on stderr when it is a terminal, tests the silent one.
 */
import * as Context from "effect/Context"
import { formatBytes } from "./size.ts"

export interface ProgressUpdate {
  /** Units of work done so far (tiles, rows) and the total when known. */
  readonly done: number
  readonly total?: number
  readonly unit: string
  /** Bytes read or written so far, where that is a measure of the work. */
  readonly bytes?: number
  /** What the work has produced so far, when that differs from its units (pairs found by tiles). */
  readonly items?: { readonly count: number; readonly unit: string }
}

export class Progress extends Context.Service<Progress, {
  readonly update: (stage: string, update: ProgressUpdate) => void
  readonly finish: () => void
}>()("brook/Progress") {}

export const silentProgress = Progress.of({ update: () => {}, finish: () => {} })

/** Redraws at most this often: 10 times a second. */
const REDRAW_MS = 100

export interface TerminalOptions {
  /** Milliseconds; performance.now by default (tests pass a fake clock). */
  readonly now?: () => number
  /** The terminal's width: a longer line is cut, since a wrapped one cannot be redrawn in place. */
  readonly columns?: () => number | undefined
}

/** Redraws one status line on a terminal stream at most 10 times a second. */
export function terminalProgress(write: (s: string) => void, options: TerminalOptions = {}): Progress["Service"] {
  const clock = options.now ?? (() => performance.now())
  const stages = new Map<string, ProgressUpdate & { t0: number }>()
  let last = -Infinity
  const draw = () => {
    const now = clock()
    if (now - last < REDRAW_MS) return
    last = now
    const parts = [...stages].map(([name, u]) => {
      const elapsed = (now - u.t0) / 1000
      const total = u.total ? `/${u.total}` : ""
      const pct = u.total ? ` ${((100 * u.done) / u.total).toFixed(1)}%` : ""
      const items = u.items ? ` ${u.items.count} ${u.items.unit}` : ""
      const bytes = u.bytes !== undefined ? ` ${formatBytes(u.bytes)}` : ""
      const eta = u.total && u.done > 0 && u.done < u.total
        ? ` eta ${duration((elapsed * (u.total - u.done)) / u.done)}`
        : ""
      return `${name}: ${u.done}${total} ${u.unit}${pct}${items}${bytes}${eta}`
    })
    const line = parts.join(" | ")
    const width = options.columns?.()
    write(`\r\x1b[2K${width && line.length >= width ? line.slice(0, width - 2) + "…" : line}`)
  }
  return Progress.of({
    update: (stage, u) => {
      const prev = stages.get(stage)
      // a new unit is a new phase (edges read, then clusters split): its ETA counts from its own start
      stages.set(stage, { ...u, t0: prev && prev.unit === u.unit ? prev.t0 : clock() })
      draw()
    },
    finish: () => {
      if (stages.size) write("\r\x1b[2K")
    },
  })
}

/** Seconds as "42s", "3m05s" or "2h07m". */
export function duration(s: number): string {
  const r = Math.round(s)
  if (r < 60) return `${r}s`
  if (r < 3600) return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, "0")}s`
  return `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, "0")}m`
}
