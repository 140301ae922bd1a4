/**
 * thresholdEdges: scored pairs to weighted edges. Keeps s > threshold (strict) and weighs each pair
 * 1 / (1 - min(s, 1) + eps) by default, or by a user expression in s compiled once with mathjs.
 */
import * as Effect from "effect/Effect"
import { DEFAULT_BATCH_PAIRS, type EdgeBatch, type ScoredPairs, type StreamInfo } from "../core/batches.ts"
import { InvalidOption } from "../core/errors.ts"
import type { Transform } from "../core/operator.ts"

/** Keeps 1/(1-s) finite for duplicates (s = 1); the peers use the same value. */
export const DEFAULT_EPS = 1e-6
/** Points of (threshold, 1] a user expression is checked at before any data moves. */
const EXPRESSION_CHECKS = 4097

export interface ThresholdEdgesOptions {
  /** Default: the threshold tiledCosine applied upstream. */
  readonly threshold?: number
  readonly eps?: number
  /** A mathjs expression in s, e.g. "exp(10 * (s - 1))"; must be finite and > 0 on (threshold, 1]. */
  readonly weight?: string
}

export function thresholdEdges(options: ThresholdEdgesOptions = {}): Transform<ScoredPairs, EdgeBatch> {
  const name = "thresholdEdges"
  const eps = options.eps ?? DEFAULT_EPS
  let threshold = 0
  let weigh: (s: number) => number = (s) => 1 / (1 - Math.min(s, 1) + eps)
  // one output weight and similarity column per input batch, as large as the largest batch upstream
  const batchBytes = (up: StreamInfo) => (up.batchPairs ?? DEFAULT_BATCH_PAIRS) * 8
  return {
    kind: "transform",
    name,
    weight: 0,
    describe: (up) =>
      Effect.gen(function* () {
        const t = options.threshold ?? up.threshold
        if (t === undefined || !Number.isFinite(t)) {
          return yield* new InvalidOption({ option: "threshold", reason: "no threshold given and none upstream" })
        }
        if (up.threshold !== undefined && t < up.threshold) {
          return yield* new InvalidOption({
            option: "threshold",
            reason: `${t} is below the upstream threshold ${up.threshold}: those pairs were never scored`,
          })
        }
        if (!(eps > 0)) return yield* new InvalidOption({ option: "eps", reason: `${eps} must be > 0` })
        threshold = t
        if (options.weight !== undefined) weigh = yield* compileWeight(options.weight, t)
        return { ...up, threshold: t }
      }),
    minimum: batchBytes,
    plan: (_share, up) => Effect.succeed({ bytes: batchBytes(up) }),
    make: (plan) =>
      Effect.gen(function* () {
        return new TransformStream<ScoredPairs, EdgeBatch>({
          transform(p, controller) {
            let keep = 0
            for (let x = 0; x < p.length; x++) if (p.score[x] > threshold) keep++
            if (keep === 0) return
            const all = keep === p.length
            const src = all ? p.i : new Uint32Array(keep)
            const dst = all ? p.j : new Uint32Array(keep)
            const weight = new Float32Array(keep)
            const similarity = all ? p.score : new Float32Array(keep)
            for (let x = 0, w = 0; x < p.length; x++) {
              const s = p.score[x]
              if (!(s > threshold)) continue
              if (!all) src[w] = p.i[x], dst[w] = p.j[x], similarity[w] = s
              weight[w++] = weigh(s)
            }
            controller.enqueue({ src, dst, weight, similarity, length: keep })
          },
        })
      }),
  }
}

/** Compiles a weight expression and checks it over (t, 1] before any data moves. */
export function compileWeight(text: string, t: number): Effect.Effect<(s: number) => number, InvalidOption> {
  // mathjs is loaded only when an expression is given: it is a large module to keep in every heap
  return Effect.promise(() => import("mathjs")).pipe(Effect.flatMap(({ compile }) => {
    let code: { evaluate(scope: Record<string, number>): unknown }
    try {
      code = compile(text) as typeof code
    } catch (e) {
      return Effect.fail(
        new InvalidOption({ option: "weight", reason: `cannot parse "${text}": ${(e as Error).message}` }),
      )
    }
    const scope = { s: 0 }
    const f = (s: number) => {
      scope.s = s
      return Number(code.evaluate(scope))
    }
    const lo = Math.max(t, -1)
    for (let k = 0; k <= EXPRESSION_CHECKS; k++) {
      // from just above the threshold up to exactly 1
      const s = k === 0 ? lo + Math.max(1e-9, Math.abs(lo) * 1e-9) : lo + ((1 - lo) * k) / EXPRESSION_CHECKS
      let w: number
      try {
        w = f(s)
      } catch (e) {
        return Effect.fail(
          new InvalidOption({ option: "weight", reason: `"${text}" fails at s = ${s}: ${(e as Error).message}` }),
        )
      }
      if (!Number.isFinite(w) || !(w > 0)) {
        return Effect.fail(
          new InvalidOption({
            option: "weight",
            reason: `"${text}" is ${w} at s = ${s}; weights must be finite and > 0 on (${t}, 1]`,
          }),
        )
      }
    }
    return Effect.succeed(f)
  }))
}
