/**
 * Snappy block decompression (the raw format Parquet uses, no framing). Long literals and
 * non-overlapping copies use typed-array block copies, which makes incompressible float data
 * (mostly literals) decode at memcpy speed. Can also decode just a prefix of a block.
 */

/** The uncompressed length a snappy block declares (its varint preamble); -1 if unreadable. */
export function snappyLength(input: Uint8Array): number {
  let length = 0
  for (let pos = 0, shift = 0; pos < input.length && shift <= 28; shift += 7) {
    const b = input[pos++]
    length += (b & 0x7f) * 2 ** shift
    if (b < 0x80) return length
  }
  return -1
}

/**
 * Decodes `input` into `output` and returns the bytes written.
 * Whole mode (`partial` false): `output` must be exactly the uncompressed length and every input
 * byte must be used, else an Error. Partial mode: stops without error where `input` ends (a
 * truncated block) or `output` is full.
 */
export function snappyDecode(input: Uint8Array, output: Uint8Array, partial = false): number {
  const inEnd = input.length
  const length = snappyLength(input)
  if (length < 0) {
    if (partial && input.length < 5) return 0
    throw new Error("snappy: bad length preamble")
  }
  let pos = 1
  while (input[pos - 1] >= 0x80) pos++
  if (!partial && length !== output.length) {
    throw new Error(`snappy: block holds ${length} bytes, expected ${output.length}`)
  }
  const outEnd = Math.min(length, output.length)
  let out = 0
  while (pos < inEnd && out < outEnd) {
    const tag = input[pos]
    let n: number
    if ((tag & 3) === 0) {
      // literal: length in the tag, or in 1-4 following bytes
      n = tag >>> 2
      let p = pos + 1
      if (n >= 60) {
        const k = n - 59
        if (p + k > inEnd) break
        n = 0
        for (let i = 0; i < k; i++) n += input[p + i] * 2 ** (8 * i)
        p += k
      }
      n += 1
      if (p + n > inEnd) {
        if (!partial) throw new Error("snappy: literal runs past the input")
        n = inEnd - p
      }
      if (out + n > outEnd) {
        if (!partial) throw new Error("snappy: literal runs past the output")
        n = outEnd - out
      }
      if (n < 16) { for (let i = 0; i < n; i++) output[out + i] = input[p + i] }
      else output.set(input.subarray(p, p + n), out)
      out += n
      pos = p + n
      continue
    }
    // copy: length and back offset in the tag and 1, 2 or 4 following bytes
    let offset: number
    const kind = tag & 3
    const size = kind === 1 ? 2 : kind === 2 ? 3 : 5
    if (pos + size > inEnd) break
    if (kind === 1) {
      n = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | input[pos + 1]
    } else if (kind === 2) {
      n = (tag >>> 2) + 1
      offset = input[pos + 1] | (input[pos + 2] << 8)
    } else {
      n = (tag >>> 2) + 1
      offset = (input[pos + 1] | (input[pos + 2] << 8) | (input[pos + 3] << 16) | (input[pos + 4] << 24)) >>> 0
    }
    pos += size
    if (offset === 0 || offset > out) throw new Error(`snappy: copy offset ${offset} outside the output`)
    if (out + n > outEnd) {
      if (!partial) throw new Error("snappy: copy runs past the output")
      n = outEnd - out
    }
    const from = out - offset
    if (offset >= n && n >= 16) output.copyWithin(out, from, from + n)
    else for (let i = 0; i < n; i++) output[out + i] = output[from + i]
    out += n
  }
  if (!partial && (out !== outEnd || pos !== inEnd)) throw new Error("snappy: block ends early or has trailing bytes")
  return out
}
