/**
 * The checksums of HDF5: Bob Jenkins' lookup3 (hashlittle, initial value 0), which every version-2 structure
 * (superblock 2/3, object header chunks, fractal heap, v2 B-tree nodes) ends with, and the Fletcher-32 of the
 * fletcher32 filter (16-bit big-endian words), written from their published descriptions.
 */
const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k))

/** lookup3's hashlittle of `k`. */
export function lookup3(k: Uint8Array, init = 0): number {
  let length = k.length
  let a = (0xdeadbeef + length + init) | 0
  let b = a
  let c = a
  let i = 0
  const w = (j: number) => k[j] | (k[j + 1] << 8) | (k[j + 2] << 16) | (k[j + 3] << 24)
  while (length > 12) {
    a = (a + w(i)) | 0
    b = (b + w(i + 4)) | 0
    c = (c + w(i + 8)) | 0
    a = (a - c) | 0, a ^= rot(c, 4), c = (c + b) | 0
    b = (b - a) | 0, b ^= rot(a, 6), a = (a + c) | 0
    c = (c - b) | 0, c ^= rot(b, 8), b = (b + a) | 0
    a = (a - c) | 0, a ^= rot(c, 16), c = (c + b) | 0
    b = (b - a) | 0, b ^= rot(a, 19), a = (a + c) | 0
    c = (c - b) | 0, c ^= rot(b, 4), b = (b + a) | 0
    length -= 12
    i += 12
  }
  if (length === 0) return c >>> 0
  const tail = (j: number) => (j < length ? k[i + j] : 0)
  a = (a + (tail(0) | (tail(1) << 8) | (tail(2) << 16) | (tail(3) << 24))) | 0
  b = (b + (tail(4) | (tail(5) << 8) | (tail(6) << 16) | (tail(7) << 24))) | 0
  c = (c + (tail(8) | (tail(9) << 8) | (tail(10) << 16) | (tail(11) << 24))) | 0
  c ^= b, c = (c - rot(b, 14)) | 0
  a ^= c, a = (a - rot(c, 11)) | 0
  b ^= a, b = (b - rot(a, 25)) | 0
  c ^= b, c = (c - rot(b, 16)) | 0
  a ^= c, a = (a - rot(c, 4)) | 0
  b ^= a, b = (b - rot(a, 14)) | 0
  c ^= b, c = (c - rot(b, 24)) | 0
  return c >>> 0
}

/** Fletcher-32 over 16-bit big-endian words (an odd last byte is the high byte of a last word). */
export function fletcher32(d: Uint8Array): number {
  let s1 = 0
  let s2 = 0
  let i = 0
  let words = d.length >> 1
  while (words > 0) {
    const n = Math.min(words, 360)
    words -= n
    for (let j = 0; j < n; j++, i += 2) {
      s1 += (d[i] << 8) | d[i + 1]
      s2 += s1
    }
    s1 = (s1 & 0xffff) + (s1 >>> 16)
    s2 = (s2 & 0xffff) + (s2 >>> 16)
  }
  if (d.length & 1) {
    s1 += d[i] << 8
    s2 += s1
    s1 = (s1 & 0xffff) + (s1 >>> 16)
    s2 = (s2 & 0xffff) + (s2 >>> 16)
  }
  s1 = (s1 & 0xffff) + (s1 >>> 16)
  s2 = (s2 & 0xffff) + (s2 >>> 16)
  return ((s2 << 16) | s1) >>> 0
}

/** Verifies the 4-byte lookup3 checksum that follows `bytes[0, end)`. */
export function checksumOk(bytes: Uint8Array, end: number): boolean {
  if (end + 4 > bytes.length) return false
  const stored = (bytes[end] | (bytes[end + 1] << 8) | (bytes[end + 2] << 16) | (bytes[end + 3] << 24)) >>> 0
  return lookup3(bytes.subarray(0, end)) === stored
}
