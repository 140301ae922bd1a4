/**
 * exodusStats: min, max, sum, mean and count of every Exodus variable (per block for element variables)
 * over the steps that arrive, and the coordinates' bounding box; one JSON object per line at the end.
 */
import * as Effect from "effect/Effect"
import { fixedShare, type Sink } from "../core/operator.ts"
import type { MeshChunk } from "../core/batches.ts"
import type { ExodusStreamInfo } from "../formats/exodus/stream_info.ts"
import { kernelOf } from "../formats/netcdf/kernel/values.ts"

export interface VariableStats {
  readonly var: string
  readonly kind: "nodal" | "element" | "global" | "coordinates"
  readonly block: number | null
  readonly min: number | number[] | null
  readonly max: number | number[] | null
  readonly sum?: number
  readonly mean?: number | null
  readonly count: number
}

interface Acc {
  min: number
  max: number
  sum: number
  count: number
}

const empty = (): Acc => ({ min: Infinity, max: -Infinity, sum: 0, count: 0 })

/**
 * Folds one chunk's values into `a`: the SIMD kernel for float64 in its memory, else a scalar loop (the
 * reference the kernel is tested against). A NaN makes min, max and sum NaN, as in numpy: the kernel skips
 * NaN in min and max, so a run whose kernel sum is NaN is folded again by the scalar loop.
 */
function fold(a: Acc, values: MeshChunk["values"]): void {
  const kernel = values instanceof Float64Array ? kernelOf(values.buffer) : undefined
  const r = kernel?.fold64(values.byteOffset, values.length)
  if (r && !Number.isNaN(r[2])) {
    const [min, max, sum] = r
    a.min = Math.min(a.min, min)
    a.max = Math.max(a.max, max)
    a.sum += sum
    a.count += values.length
    return
  }
  let lo = a.min, hi = a.max, s = 0
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let k = 0; k < values.length; k++) {
      const v = Number(values[k])
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
      s += v
    }
  } else {
    for (let k = 0; k < values.length; k++) {
      const v = values[k]
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
      s += v
    }
  }
  a.min = lo
  a.max = hi
  a.sum += s
  a.count += values.length
}

/** The stats sink; `emit` receives each result line (default: stdout). */
export function exodusStats(
  emit: (line: VariableStats) => void = (l) => console.log(JSON.stringify(l)),
): Sink<MeshChunk> {
  const accs = new Map<string, Acc>()
  const key = (c: { kind: string; name: string; block: number | null }) => `${c.kind}\0${c.name}\0${c.block}`
  return {
    kind: "sink",
    name: "exodusStats",
    ...fixedShare(0),
    make: (_plan, info) =>
      Effect.sync(() => {
        const { exodus: m, selection: sel } = info as ExodusStreamInfo
        return new WritableStream<MeshChunk>({
          write(c) {
            const k = key(c)
            let a = accs.get(k)
            if (!a) accs.set(k, a = empty())
            fold(a, c.values)
            c.recycle()
          },
          close() {
            const coords = m.coordinates.map((c) => accs.get(key({ kind: "coordinates", name: c.name, block: null })))
            if (coords.length && coords.every(Boolean)) {
              emit({
                var: "coordinates",
                kind: "coordinates",
                block: null,
                min: coords.map((a) => a!.min),
                max: coords.map((a) => a!.max),
                count: m.numNodes,
              })
            }
            for (const v of sel.variables) {
              for (const p of v.parts) {
                const a = accs.get(key({ kind: v.kind, name: v.name, block: p.block?.id ?? null })) ?? empty()
                emit({
                  var: v.name,
                  kind: v.kind,
                  block: p.block?.id ?? null,
                  min: a.count ? a.min : null,
                  max: a.count ? a.max : null,
                  sum: a.sum,
                  mean: a.count ? a.sum / a.count : null,
                  count: a.count,
                })
              }
            }
          },
        })
      }),
  }
}
