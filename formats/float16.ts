/**
 * IEEE 754 binary16 ("half", numpy float16, Parquet FLOAT16, Arrow HalfFloat) widened to float32.
 * Every binary16 value is exactly a float32 value (11 significant bits into 24, exponents -24..15 into
 * -149..127), so the conversion is exact: subnormals become normal float32 values, infinities stay
 * infinite, NaN stays NaN (its payload kept in the top mantissa bits). The bits are assembled directly,
 * not through Float16Array (not in every runtime brook supports).
 */

/** The float32 bit pattern of binary16 bits `h`. */
export function float16Bits(h: number): number {
  const sign = (h & 0x8000) << 16
  const exponent = (h >> 10) & 0x1f
  let mantissa = h & 0x3ff
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0 // Inf, NaN
  if (exponent !== 0) return (sign | ((exponent + 127 - 15) << 23) | (mantissa << 13)) >>> 0
  if (mantissa === 0) return sign >>> 0 // +-0
  // subnormal: mantissa * 2^-24; shift until the hidden bit (bit 10) is set, lowering the exponent
  let e = 127 - 14
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1
    e--
  }
  return (sign | (e << 23) | ((mantissa & 0x3ff) << 13)) >>> 0
}

/**
 * Widens `n` binary16 values at `bytes[start]` (2 bytes each, little-endian unless `littleEndian` is
 * false) into `out[at ...]`. `bytes` may be unaligned; `out` is written through its own bits.
 */
export function float16ToFloat32(
  bytes: Uint8Array,
  start: number,
  n: number,
  out: Float32Array,
  at: number,
  littleEndian = true,
): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset + at * 4, n)
  const lo = littleEndian ? 0 : 1, hi = 1 - lo
  for (let i = 0, p = start; i < n; i++, p += 2) bits[i] = float16Bits(bytes[p + lo] | (bytes[p + hi] << 8))
}
