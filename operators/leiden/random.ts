/**
 * Deterministic randomness for Leiden: the same seed gives the same clusters on every runtime.
 * Only integer ops and IEEE +, -, *, / are used: Math.random and Math.exp are implementation-defined
 * (V8 and JavaScriptCore may differ in the last bit of exp), so exp is computed here.
 */

/**
 * A small, fast PRNG (SplitMix32 state step, then a murmur-style finaliser). The state is kept as an int32
 * (`| 0`): an unsigned value above 2^31 in an object field would be boxed as a double on every step.
 */
export class Rng {
  private state: number
  constructor(seed: number) {
    this.state = (Math.floor(seed) ^ 0x9e3779b9) | 0
  }

  /** Uniform u32. */
  nextU32(): number {
    const s = (this.state + 0x9e3779b9) | 0
    this.state = s
    let z = Math.imul(s ^ (s >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Fisher-Yates shuffle of a[0 .. length). */
  shuffle(a: Uint32Array, length = a.length): void {
    for (let i = length - 1; i > 0; i--) {
      const j = this.below(i + 1)
      const t = a[i]
      a[i] = a[j]
      a[j] = t
    }
  }
}

/** A seed for a sub-problem (a cluster's recursion), from the run's seed and the cluster's path. */
export function deriveSeed(seed: number, path: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0
  for (let x = 0; x < path.length; x++) h = Math.imul(h ^ path.charCodeAt(x), 0x01000193)
  return h >>> 0
}

const LN2_HI = 0.6931471803691238
const LN2_LO = 1.9082149292705877e-10
const INV_LN2 = 1.4426950408889634
const pow2Buffer = new DataView(new ArrayBuffer(8))

/**
 * e^x for x <= 0, to about 1 ulp, bit-identical everywhere (Cody-Waite reduction, degree-13 Taylor
 * polynomial on |r| <= ln2 / 2, exact power-of-two scaling). Below -700 it returns 0.
 */
export function expNonPositive(x: number): number {
  if (x < -700) return 0
  if (x > 0) throw new RangeError(`expNonPositive(${x})`)
  const k = Math.round(x * INV_LN2)
  const r = x - k * LN2_HI - k * LN2_LO
  let p = 1 / 6227020800 // 1/13!
  for (let d = 12; d >= 1; d--) p = p * r + INV_FACTORIAL[d]
  p = p * r + 1
  pow2Buffer.setUint32(0, ((k + 1023) << 20) >>> 0)
  pow2Buffer.setUint32(4, 0)
  return p * pow2Buffer.getFloat64(0)
}

const INV_FACTORIAL = (() => {
  const f = new Float64Array(13)
  let fact = 1
  for (let d = 0; d < 13; d++) {
    if (d > 0) fact *= d
    f[d] = 1 / fact
  }
  return f
})()
