/**
 * The RLE / bit-packed hybrid encoding Parquet uses for repetition and definition levels and for
 * dictionary indices: walked run by run (so callers can skip materializing long runs), or decoded
 * into a typed array. Throws plain Errors on bytes that run out, so the page reader can turn them
 * into an InvalidInput at the page's offset.
 */

/** Bits needed to store values up to `max` (0 for 0). */
export const bitWidth = (max: number): number => 32 - Math.clz32(max)

/** Receives the runs of a hybrid-encoded sequence, in order. */
export interface RunVisitor {
  /** `n` copies of `value`. */
  rle(value: number, n: number): void
  /** `n` values bit-packed LSB-first from `bytes[pos]`. */
  packed(pos: number, n: number): void
}

/**
 * Walks the runs covering `count` values in `bytes[pos, end)` and returns how many values they
 * covered: `count`, or with `partial` fewer when the bytes end first (else that is an Error).
 * Every run consumes at least one byte, so corrupt input cannot loop.
 */
export function walkRuns(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  count: number,
  visit: RunVisitor,
  partial = false,
): number {
  if (width === 0) {
    visit.rle(0, count)
    return count
  }
  if (width > 32) throw new Error(`bit width ${width} is over 32`)
  const valueBytes = (width + 7) >> 3
  const short = (n: number, what: string) => {
    if (partial) return n
    throw new Error(`${what} goes past the end of the levels or indices`)
  }
  let n = 0
  while (n < count) {
    // run header: ULEB128 varint
    let header = 0
    let shift = 0
    let b: number
    do {
      if (pos >= end) return short(n, "run header")
      b = bytes[pos++]
      header += (b & 0x7f) * 2 ** shift
      shift += 7
    } while (b & 0x80 && shift < 35)
    if (header % 2 === 1) {
      // bit-packed run: (header >> 1) groups of 8 values
      const groups = Math.floor(header / 2)
      if (pos + groups * width > end) return short(n, "bit-packed run")
      const take = Math.min(groups * 8, count - n)
      visit.packed(pos, take)
      n += take
      pos += groups * width
    } else {
      // RLE run: one little-endian value of ceil(width/8) bytes, repeated (header >> 1) times
      if (pos + valueBytes > end) return short(n, "RLE run")
      let value = 0
      for (let i = 0; i < valueBytes; i++) value += bytes[pos + i] * 2 ** (8 * i)
      pos += valueBytes
      const take = Math.min(header / 2, count - n)
      visit.rle(value, take)
      n += take
    }
  }
  return n
}

/** Decodes `count` values into `out[0, count)`; returns how many (see `walkRuns`). */
export function decodeHybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Uint8Array | Uint32Array,
  count: number,
  partial = false,
): number {
  let at = 0
  return walkRuns(bytes, pos, end, width, count, {
    rle(value, n) {
      out.fill(value, at, at + n)
      at += n
    },
    packed(from, n) {
      unpack(bytes, from, width, out, at, n)
      at += n
    },
  }, partial)
}

/** True when all `count` values are RLE runs of `value` (bit-packed runs count as not). */
export function isConstant(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  count: number,
  value: number,
): boolean {
  let constant = true
  try {
    walkRuns(bytes, pos, end, width, count, {
      rle(v) {
        if (v !== value) constant = false
      },
      packed() {
        constant = false
      },
    })
  } catch {
    return false // let the full decoder report it
  }
  return constant
}

/** Unpacks `take` LSB-first values of `width` bits starting at `bytes[pos]` into `out[at...]`. */
function unpack(
  bytes: Uint8Array,
  pos: number,
  width: number,
  out: Uint8Array | Uint32Array,
  at: number,
  take: number,
) {
  if (width === 1) {
    for (let i = 0; i < take; i++) out[at + i] = (bytes[pos + (i >> 3)] >> (i & 7)) & 1
    return
  }
  if (width <= 24) {
    const mask = (1 << width) - 1
    let acc = 0
    let bits = 0
    for (let i = 0; i < take; i++) {
      while (bits < width) {
        acc |= bytes[pos++] << bits
        bits += 8
      }
      out[at + i] = acc & mask
      acc >>>= width
      bits -= width
    }
    return
  }
  // 25..32 bits: keep the accumulator in a double (at most 39 bits in it)
  const scale = 2 ** width
  let acc = 0
  let bits = 0
  for (let i = 0; i < take; i++) {
    while (bits < width) {
      acc += bytes[pos++] * 2 ** bits
      bits += 8
    }
    const value = acc % scale
    out[at + i] = value
    acc = (acc - value) / scale
    bits -= width
  }
}
