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

type Stages = Map<string, ProgressUpdate & { t0: number; seen: number }>

const finished = (u: ProgressUpdate) => u.total !== undefined && u.done >= u.total

/** One line of every stage's state: the running stages first (in the order they started), finished ones after. */
function statusLine(stages: Stages, now: number): string {
  const all = [...stages]
  const order = [...all.filter(([, u]) => !finished(u)), ...all.filter(([, u]) => finished(u))]
  return order.map(([name, u]) => {
    const elapsed = (now - u.t0) / 1000
    const total = u.total ? `/${u.total}` : ""
    const pct = u.total ? ` ${((100 * u.done) / u.total).toFixed(1)}%` : ""
    const items = u.items ? ` ${u.items.count} ${u.items.unit}` : ""
    const bytes = u.bytes !== undefined ? ` ${formatBytes(u.bytes)}` : ""
    const eta = u.total && u.done > 0 && u.done < u.total
      ? ` eta ${duration((elapsed * (u.total - u.done)) / u.done)}`
      : ""
    return `${name}: ${u.done}${total} ${u.unit}${pct}${items}${bytes}${eta}`
  }).join(" | ")
}

/** Keeps each stage's latest update; a new unit is a new phase (edges read, then clusters split) with its own ETA. */
function tracker(clock: () => number) {
  const stages: Stages = new Map()
  return {
    stages,
    update(stage: string, u: ProgressUpdate) {
      const prev = stages.get(stage)
      const now = clock()
      stages.set(stage, { ...u, t0: prev && prev.unit === u.unit ? prev.t0 : now, seen: now })
    },
  }
}

/**
 * Redraws one status line on a terminal stream at most 10 times a second: the running stages first, so
 * that a line cut to the terminal's width shows what is being worked on.
 */
export function terminalProgress(write: (s: string) => void, options: TerminalOptions = {}): Progress["Service"] {
  const clock = options.now ?? (() => performance.now())
  const t = tracker(clock)
  let last = -Infinity
  const draw = () => {
    const now = clock()
    if (now - last < REDRAW_MS) return
    last = now
    const line = statusLine(t.stages, now)
    const width = options.columns?.()
    write(`\r\x1b[2K${width && line.length >= width ? line.slice(0, width - 2) + "…" : line}`)
  }
  return Progress.of({
    update: (stage, u) => {
      t.update(stage, u)
      draw()
    },
    finish: () => {
      if (t.stages.size) write("\r\x1b[2K")
    },
  })
}

export interface LogOptions {
  /** Milliseconds between lines (default 10 s). */
  readonly intervalMs?: number
  /** Written before each line, e.g. "brook edges: ". */
  readonly prefix?: string
  /** Milliseconds; performance.now by default. */
  readonly now?: () => number
  /** Calls `tick` every `ms` until the returned function is called (tests pass a fake). */
  readonly every?: (tick: () => void, ms: number) => () => void
}

/** The default interval of the plain progress lines. */
export const LOG_INTERVAL_MS = 10_000

const realEvery = (tick: () => void, ms: number) => {
  const timer = setInterval(tick, ms)
  // the lines never keep a finished process alive
  ;(timer as { unref?: () => void }).unref?.()
  return () => clearInterval(timer)
}

/**
 * Progress for a log (stderr not a terminal: a batch job's log file, a pipe): one plain line, no escapes,
 * every `intervalMs` while a stage has reported, with the time since the first report, so a log shows that a
 * long run is alive and how far it is.
 */
export function logProgress(write: (s: string) => void, options: LogOptions = {}): Progress["Service"] {
  const clock = options.now ?? (() => performance.now())
  const t = tracker(clock)
  let start: number | undefined
  let stop: (() => void) | undefined
  const tick = () => {
    const now = clock()
    write(`${options.prefix ?? ""}${duration((now - start!) / 1000)}: ${statusLine(t.stages, now)}\n`)
  }
  return Progress.of({
    update: (stage, u) => {
      t.update(stage, u)
      if (stop) return
      start = clock()
      stop = (options.every ?? realEvery)(tick, options.intervalMs ?? LOG_INTERVAL_MS)
    },
    finish: () => {
      stop?.()
      stop = undefined
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
