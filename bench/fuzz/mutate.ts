/**
 * Seeded mutations for the fuzz harness: a case's mutant depends only on (seed, case index), so a run
 * resumes at any index (--from K) and a failing case is reproduced by its numbers alone.
 */

export interface Rnd {
  next(): number
  int(n: number): number
  pick<T>(xs: readonly T[]): T
  chance(p: number): boolean
}

/** xorshift32 seeded from (seed, k) through a 32-bit mix. */
export function caseRandom(seed: number, k: number): Rnd {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 0x632be5ab, 0xc2b2ae35)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0
  let s = (h ^ (h >>> 16)) >>> 0 || 1
  const next = () => (s ^= s << 13, s ^= s >>> 17, s ^= s << 5, (s >>> 0) / 2 ** 32)
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  }
}

/** A numeric field of a format: a fixed-width integer, or a (zigzag or plain) varint of `width` bytes. */
export interface Field {
  readonly at: number
  readonly width: 1 | 2 | 4 | 8
  readonly bigEndian?: boolean
  /** Thrift compact varint (zigzag when `zigzag`): the replacement may change the field's length. */
  readonly varint?: { length: number; zigzag: boolean }
  readonly label?: string
}

export const INTERESTING = [
  0,
  1,
  -1,
  2,
  3,
  4,
  7,
  8,
  15,
  16,
  31,
  32,
  63,
  64,
  127,
  128,
  255,
  256,
  1023,
  4096,
  65535,
  65536,
  0x7fff,
  0x8000,
  0x7fffffff,
  -0x80000000,
  0xffffffff,
  0x100000000,
  2 ** 40,
  2 ** 53,
  -(2 ** 31) + 1,
]

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) out.set(p, at), at += p.length
  return out
}

function readField(b: Uint8Array, f: Field): number {
  if (f.varint) {
    let v = 0, mul = 1
    for (let i = 0; i < f.varint.length; i++) v += (b[f.at + i] & 0x7f) * mul, mul *= 128
    return f.varint.zigzag ? (v % 2 ? -(v + 1) / 2 : v / 2) : v
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.length)
  const le = !f.bigEndian
  switch (f.width) {
    case 1:
      return b[f.at]
    case 2:
      return dv.getUint16(f.at, le)
    case 4:
      return dv.getInt32(f.at, le)
    case 8:
      return Number(dv.getBigInt64(f.at, le))
  }
}

export function encodeVarint(v: number, zigzag: boolean): Uint8Array {
  let u = zigzag ? (v < 0 ? -2 * v - 1 : 2 * v) : Math.abs(v)
  const out: number[] = []
  do {
    const low = u % 128
    u = Math.floor(u / 128)
    out.push(u > 0 ? low | 0x80 : low)
  } while (u > 0 && out.length < 10)
  return Uint8Array.from(out)
}

/** A new value for a field: an interesting constant, or the old value nudged. */
export function newValue(old: number, rnd: Rnd): number {
  return rnd.chance(0.5)
    ? rnd.pick(INTERESTING)
    : rnd.pick([old + 1, old - 1, old * 2, old + 8, old - 8, Math.floor(old / 2), -old, old + 2 ** 31, old * 1000, 0])
}

/** The bytes with one field rewritten. */
export function setField(b: Uint8Array, f: Field, v: number): Uint8Array {
  if (f.varint) {
    return concat([
      b.subarray(0, f.at),
      encodeVarint(Math.trunc(v), f.varint.zigzag),
      b.subarray(f.at + f.varint.length),
    ])
  }
  const out = b.slice()
  const dv = new DataView(out.buffer)
  const le = !f.bigEndian
  switch (f.width) {
    case 1:
      out[f.at] = v & 0xff
      break
    case 2:
      dv.setUint16(f.at, v & 0xffff, le)
      break
    case 4:
      dv.setInt32(f.at, v | 0, le)
      break
    case 8:
      dv.setBigInt64(f.at, BigInt.asIntN(64, BigInt(Math.trunc(v))), le)
      break
  }
  return out
}

export function mutateField(b: Uint8Array, fields: readonly Field[], rnd: Rnd): { bytes: Uint8Array; kind: string } {
  const f = rnd.pick(fields)
  const v = newValue(readField(b, f), rnd)
  return { bytes: setField(b, f, v), kind: `field ${f.label ?? ""}@${f.at}=${v}` }
}

/** Blind mutations: bit flips, byte sets, inserted, dropped or repeated runs, a cut. */
export function mutateBlind(b: Uint8Array, rnd: Rnd, region?: [number, number]): { bytes: Uint8Array; kind: string } {
  const [lo, hi] = region ?? [0, b.length]
  const span = Math.max(1, hi - lo)
  const where = () => lo + rnd.int(span)
  const kind = rnd.pick(["flip", "flip", "set", "insert", "delete", "repeat", "cut"] as const)
  switch (kind) {
    case "flip": {
      const out = b.slice()
      for (let n = 1 + rnd.int(4); n > 0; n--) if (out.length) out[where() % out.length] ^= 1 << rnd.int(8)
      return { bytes: out, kind }
    }
    case "set": {
      const out = b.slice()
      for (let n = 1 + rnd.int(3); n > 0; n--) {
        if (out.length) out[where() % out.length] = rnd.pick([0, 0xff, 0x7f, 0x80, rnd.int(256)])
      }
      return { bytes: out, kind }
    }
    case "insert": {
      const at = Math.min(b.length, where()), n = 1 + rnd.int(rnd.chance(0.2) ? 200 : 16)
      const fill = rnd.chance(0.5) ? () => rnd.int(256) : () => 0
      return { bytes: concat([b.subarray(0, at), Uint8Array.from({ length: n }, fill), b.subarray(at)]), kind }
    }
    case "delete": {
      const at = Math.min(b.length, where()), n = 1 + rnd.int(rnd.chance(0.2) ? 200 : 16)
      return { bytes: concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + n))]), kind }
    }
    case "repeat": {
      const at = Math.min(b.length, where()), n = 1 + rnd.int(64)
      const run = b.subarray(at, Math.min(b.length, at + n))
      return { bytes: concat([b.subarray(0, at + run.length), run, b.subarray(at + run.length)]), kind }
    }
    case "cut":
      return { bytes: b.slice(0, Math.min(b.length, where())), kind }
  }
}
