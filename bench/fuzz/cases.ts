/** One fuzz case: its mutant, the read with a deadline, and the outcome (ok, typed error, or a defect). */
import * as fs from "node:fs"
import * as path from "node:path"
import { isBrookError } from "../../core/errors.ts"
import { caseRandom } from "./mutate.ts"
import { type Base, mutant, type Target } from "./targets.ts"

export type Outcome = "ok" | "typed" | "exception" | "hang" | "memory" | "wrong" | "internal"
export const DEFECTS: readonly Outcome[] = ["exception", "hang", "memory", "wrong", "internal"]

/** A typed error whose reason is a JavaScript engine's message (a decoder's TypeError passed on): not one line a user can act on. */
export const INTERNAL_MESSAGE =
  /undefined is not an object|null is not an object|Cannot read propert|Cannot destructure|is not a function|is not iterable|of undefined|of null|Maximum call stack|is not defined/

export interface CaseResult {
  readonly k: number
  readonly outcome: Outcome
  readonly kind: string
  readonly base: string
  readonly detail: string
}

/** Deadline of one read in process (a spin that never yields is the parent's watchdog's job). */
export const CASE_MS = Number(process.env.BROOK_FUZZ_CASE_MS ?? 20_000)
/**
 * RSS growth, over the process's RSS when `prepare` began, past which a case counts as an allocation past the
 * budget (64 MB budget + the runtime's working headroom): ~600 MB in a fresh child, and the same margin in a test
 * runner whose RSS already holds the suite's earlier tests.
 */
export const RSS_GROWTH = Number(process.env.BROOK_FUZZ_RSS_MB ?? 512) * 2 ** 20
let rssBase = 0

export async function classify(
  target: Target,
  file: string,
  bytes: Uint8Array,
  expected?: string,
): Promise<{ outcome: Outcome; detail: string }> {
  fs.writeFileSync(file, bytes)
  const signal = AbortSignal.timeout(CASE_MS)
  try {
    const r = await target.read(file, signal)
    if (expected !== undefined && r.shape !== expected) {
      return { outcome: "wrong", detail: `read ${r.shape}, expected ${expected}` }
    }
    return { outcome: "ok", detail: r.shape }
  } catch (e) {
    const tag = (e as { _tag?: string })?._tag
    const detail = `${tag ?? (e as Error)?.name}: ${(e as Error)?.message ?? e}`
    if (signal.aborted) return { outcome: "hang", detail: `past ${CASE_MS} ms: ${detail}` }
    if (isBrookError(e)) {
      if (expected !== undefined) return { outcome: "wrong", detail: `valid input refused: ${detail}` }
      // BudgetExceeded at run time (not while planning) means an allocation was refused: fine
      return { outcome: INTERNAL_MESSAGE.test(detail) ? "internal" : "typed", detail }
    }
    return {
      outcome: "exception",
      detail: `${detail}\n${(e as Error)?.stack?.split("\n").slice(1, 6).join("\n") ?? ""}`,
    }
  } finally {
    const rss = process.memoryUsage().rss
    if (rss > rssBase + RSS_GROWTH) {
      // not returned from finally (that would hide the outcome): recorded by the caller through lastRss
      lastRss = rss
    }
  }
}

export let lastRss = 0

/** Rejections nobody handled (a reader throwing inside a callback a library does not await), counted per case. */
const unhandled: unknown[] = []
let watching = false
function watchUnhandled(): void {
  if (watching) return
  watching = true
  process.on("unhandledRejection", (e) => void unhandled.push(e))
}

export interface Prepared {
  readonly target: Target
  readonly bases: Base[]
  /** The shape each base reads as. */
  readonly shapes: Map<string, string>
  readonly dir: string
}

export async function prepare(target: Target, dir: string): Promise<Prepared> {
  rssBase = process.memoryUsage().rss
  fs.mkdirSync(dir, { recursive: true })
  const bases = await target.build(dir)
  const shapes = new Map<string, string>()
  for (const b of bases) {
    const r = await classify(target, path.join(dir, `base.${target.ext}`), b.bytes)
    if (r.outcome !== "ok") throw new Error(`${target.name} base ${b.name} does not read: ${r.detail}`)
    shapes.set(b.name, r.detail)
  }
  return { target, bases, shapes, dir }
}

/** The input of case k (what the watchdog saves when the case hangs). */
export const caseFile = (p: Prepared) => path.join(p.dir, `case.${p.target.ext}`)

export async function runCase(p: Prepared, seed: number, k: number): Promise<CaseResult & { bytes: Uint8Array }> {
  const m = mutant(p.bases, caseRandom(seed, k))
  lastRss = 0
  const expected = m.valid ? p.shapes.get(m.base) : undefined
  watchUnhandled()
  unhandled.length = 0
  let { outcome, detail } = await classify(p.target, caseFile(p), m.bytes, expected)
  // a turn of the event loop for rejections left behind to surface
  await new Promise((r) => setTimeout(r, 0))
  if (unhandled.length) {
    outcome = "exception"
    detail = `unhandled rejection: ${(unhandled[0] as Error)?.message ?? unhandled[0]} (the read ended ${detail})`
  }
  if (lastRss && outcome !== "exception" && outcome !== "hang") {
    outcome = "memory"
    detail = `RSS ${(lastRss / 2 ** 20).toFixed(0)} MB after the case (${detail})`
  }
  return { k, outcome, kind: m.kind, base: m.base, detail, bytes: m.bytes }
}

/** Same defect: same outcome and the same first line of the message (offsets and numbers blurred). */
const signature = (o: Outcome, detail: string) => `${o} ${detail.split("\n")[0].replace(/\d+/g, "#")}`

/**
 * A smaller input with the same defect: drops runs of bytes (halving their size), then single bytes, in a
 * bounded number of tries. Only for defects that show in process (exceptions, wrong results).
 */
export async function minimise(
  p: Prepared,
  bytes: Uint8Array,
  outcome: Outcome,
  detail: string,
  tries = 300,
): Promise<Uint8Array> {
  const want = signature(outcome, detail)
  let best = bytes
  const file = path.join(p.dir, `min.${p.target.ext}`)
  for (let chunk = Math.max(1, best.length >> 2); chunk >= 1 && tries > 0; chunk >>= 1) {
    for (let at = 0; at < best.length && tries > 0; at += chunk) {
      const cand = new Uint8Array(best.length - Math.min(chunk, best.length - at))
      cand.set(best.subarray(0, at))
      cand.set(best.subarray(at + chunk), at)
      tries--
      const r = await classify(p.target, file, cand)
      if (signature(r.outcome, r.detail) === want) best = cand, at -= chunk
    }
  }
  return best
}
