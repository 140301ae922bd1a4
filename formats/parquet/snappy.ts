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

/**
 * A snappy block decoded a piece at a time: `take(dst)` fills dst with the block's next bytes. The
 * compressed bytes come from `read` in pieces of `inputBytes`, the output keeps the last `history`
 * bytes for back-references (snappy compressors emit offsets below 64 KiB: they work in 64 KiB
 * blocks). So a page of any size is decoded in a few MiB. Errors are plain Errors, as snappyDecode's.
 */
export class SnappyStream {
  private input: Uint8Array = new Uint8Array(0)
  /** Holds `input`: what was left of the last read, then the next read. */
  private buffer: Uint8Array | undefined
  /** Next input byte in `input`, and the file offset of input[0]. */
  private at = 0
  private inputStart: number
  private readonly inputEnd: number
  /** Decoded bytes: out[0 .. produced), of which [consumed .. produced) not yet taken. */
  private readonly out: Uint8Array
  private produced = 0
  private consumed = 0
  /** Bytes decoded so far in all (for offsets reaching before out[0]). */
  private total = 0
  private readonly length: number
  /** An element cut by the end of `out`: literal bytes still to copy, or a copy's remaining length. */
  private literal = 0
  private copy = 0
  private copyOffset = 0

  constructor(
    private readonly read: (offset: number, length: number) => Uint8Array,
    start: number,
    compressed: number,
    private readonly history = 1 << 20,
    private readonly inputBytes = 1 << 20,
  ) {
    this.inputStart = start
    this.inputEnd = start + compressed
    this.out = new Uint8Array(history + Math.max(inputBytes, 1 << 16))
    this.fill(10)
    const length = snappyLength(this.input.subarray(this.at))
    if (length < 0) throw new Error("snappy: bad length preamble")
    while (this.input[this.at] >= 0x80) this.at++
    this.at++
    this.length = length
  }

  /** Bytes of the block not taken yet. */
  get remaining(): number {
    return this.length - (this.total - (this.produced - this.consumed))
  }

  /** The block's next dst.length bytes into dst; an Error when the block holds fewer, or is corrupt. */
  take(dst: Uint8Array): void {
    if (dst.length > this.remaining) throw new Error(`snappy: block ends ${dst.length - this.remaining} bytes early`)
    let done = 0
    while (done < dst.length) {
      if (this.consumed === this.produced) this.decode()
      const n = Math.min(dst.length - done, this.produced - this.consumed)
      dst.set(this.out.subarray(this.consumed, this.consumed + n), done)
      this.consumed += n
      done += n
    }
    if (this.remaining === 0 && (this.at < this.input.length || this.inputStart + this.input.length < this.inputEnd)) {
      throw new Error("snappy: block has trailing bytes")
    }
  }

  /** Has at least `need` (<= 16) input bytes from `at` on (fewer only at the end of the block). */
  private fill(need: number): void {
    if (this.input.length - this.at >= need) return
    this.buffer ??= new Uint8Array(Math.max(this.inputBytes, 16))
    const keep = this.input.length - this.at
    const from = this.inputStart + this.at
    const n = Math.min(this.buffer.length, this.inputEnd - from)
    this.buffer.copyWithin(0, this.at, this.input.length)
    if (n > keep) this.buffer.set(this.read(from + keep, n - keep), keep)
    this.input = this.buffer.subarray(0, n)
    this.inputStart = from
    this.at = 0
  }

  /** Decodes elements into `out` until it is full or the block ends; makes room first. */
  private decode(): void {
    if (this.produced === this.out.length) {
      // keep the last `history` bytes for back-references
      const drop = this.produced - this.history
      this.out.copyWithin(0, drop, this.produced)
      this.produced -= drop
      this.consumed -= drop
    }
    const out = this.out, end = out.length
    let p = this.produced
    const total0 = this.total - this.produced
    const limit = this.length - total0
    while (p < end && p < limit) {
      if (this.literal > 0) {
        this.fill(1)
        const n = Math.min(this.literal, this.input.length - this.at, end - p, limit - p)
        if (n <= 0) throw new Error("snappy: literal runs past the input")
        out.set(this.input.subarray(this.at, this.at + n), p)
        this.at += n
        p += n
        this.literal -= n
        continue
      }
      if (this.copy > 0) {
        const n = Math.min(this.copy, end - p, limit - p)
        const from = p - this.copyOffset
        if (from < 0) {
          throw new Error(`snappy: copy offset ${this.copyOffset} reaches back past the ${this.history} bytes kept`)
        }
        if (this.copyOffset >= n && n >= 16) out.copyWithin(p, from, from + n)
        else for (let i = 0; i < n; i++) out[p + i] = out[from + i]
        p += n
        this.copy -= n
        continue
      }
      this.fill(5)
      if (this.at >= this.input.length) throw new Error("snappy: block ends early")
      const input = this.input, tag = input[this.at]
      if ((tag & 3) === 0) {
        let n = tag >>> 2
        let q = this.at + 1
        if (n >= 60) {
          const k = n - 59
          if (q + k > input.length) throw new Error("snappy: literal length runs past the input")
          n = 0
          for (let i = 0; i < k; i++) n += input[q + i] * 2 ** (8 * i)
          q += k
        }
        this.at = q
        this.literal = n + 1
        if (total0 + p + this.literal > this.length) throw new Error("snappy: literal runs past the output")
        continue
      }
      const kind = tag & 3
      const size = kind === 1 ? 2 : kind === 2 ? 3 : 5
      if (this.at + size > input.length) throw new Error("snappy: copy runs past the input")
      let n: number, offset: number
      if (kind === 1) {
        n = ((tag >>> 2) & 7) + 4
        offset = ((tag >>> 5) << 8) | input[this.at + 1]
      } else if (kind === 2) {
        n = (tag >>> 2) + 1
        offset = input[this.at + 1] | (input[this.at + 2] << 8)
      } else {
        n = (tag >>> 2) + 1
        offset =
          (input[this.at + 1] | (input[this.at + 2] << 8) | (input[this.at + 3] << 16) | (input[this.at + 4] << 24)) >>>
          0
      }
      this.at += size
      if (offset === 0 || offset > total0 + p) throw new Error(`snappy: copy offset ${offset} outside the output`)
      if (total0 + p + n > this.length) throw new Error("snappy: copy runs past the output")
      this.copy = n
      this.copyOffset = offset
    }
    this.total += p - this.produced
    this.produced = p
  }
}
