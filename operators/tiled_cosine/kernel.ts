/**
 * Glue for the cosine tile kernel: loading the WebAssembly variant the runtime supports, packing
 * normalised rows into 8-row k-major panels, the screen margin, and the scalar TypeScript reference
 * the kernel is checked against.
 */
import { KERNEL_BASE64 } from "../kernels/cosine_bytes.ts"

/** Rows per float panel and per register block of the float kernels (4 x 8). */
export const PANEL_ROWS = 8
/** Bytes of a worker's kernel state: resume point, then one block's 64 sums and scores. */
export const STATE_BYTES = 16 + 64 * 4
/** Rows per int8 panel and per register block of the int8 screen (4 x 16). */
export const PANEL8_ROWS = 16

export type KernelVariant = "int8" | "relaxed" | "simd"

/**
 * Kernel bytes, from the inline copy of the committed .wasm files (a test checks they agree), so
 * single-file binaries and library users read no file at run time.
 */
export function kernelBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  const text = atob(KERNEL_BASE64[variant])
  const bytes = new Uint8Array(text.length)
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k)
  return bytes
}

/** The fastest variant this runtime validates: int8 screen (relaxed dot), f32 FMA, else SIMD128. */
export function pickVariant(forced?: KernelVariant): { variant: KernelVariant; bytes: Uint8Array<ArrayBuffer> } {
  if (forced) return { variant: forced, bytes: kernelBytes(forced) }
  for (const variant of ["int8", "relaxed"] as const) {
    const bytes = kernelBytes(variant)
    if (WebAssembly.validate(bytes)) return { variant, bytes }
  }
  return { variant: "simd", bytes: kernelBytes("simd") }
}

/**
 * How far a float screen score can be from the exact score, for unit vectors of dimension d: both
 * are float32 sums of the same d products (in other orders, fused or not), each within
 * (d + 2) * 2^-24 * sum |a_k b_k| of the true dot product, and sum |a_k b_k| <= |a||b| <= 1 + 1e-6
 * after float32 normalisation. Doubled for safety.
 */
export function screenMargin(_variant: KernelVariant, dim: number): number {
  return 2 * 2 * (dim + 2) * 2 ** -24
}

/** Bytes per stored row: float panels, plus int8 panels for the int8 screen. */
export const rowBytes = (variant: KernelVariant, dim: number): number =>
  4 * dim + (variant === "int8" ? paddedDim(dim) : 0)

/** Bytes of `rows` rows in every layout the variant reads. */
export const storeBytes = (variant: KernelVariant, rows: number, dim: number): number =>
  packedBytes(rows, dim) + (variant === "int8" ? packed8Bytes(rows, dim) : 0)

/** The largest float32 not above t: s > it (in float32) exactly when s > t (in float64). */
export function f32Below(t: number): number {
  const f = Math.fround(t)
  if (f <= t) return f
  const buf = new Float32Array([f])
  const bits = new Int32Array(buf.buffer)
  bits[0] += f > 0 ? -1 : 1
  if (f === 0) buf[0] = -(2 ** -149)
  return buf[0]
}

/** Bytes of `rows` rows packed in panels (rows rounded up to a whole panel). */
export const packedBytes = (rows: number, dim: number): number => Math.ceil(rows / PANEL_ROWS) * PANEL_ROWS * dim * 4

/**
 * Normalises rows (norm in float64, quotient rounded to float32) and writes them into `panels`, a
 * Float32Array over packed storage whose first panel starts at row `panelRow0` (a multiple of 8).
 * Returns -1, or the first row (of `values`) with no direction: a NaN or Inf value, or all zeros (its
 * rows are left unwritten; the caller refuses the input).
 */
export function packNormalised(
  values: Float32Array,
  count: number,
  dim: number,
  panels: Float32Array,
  firstRow: number,
  panelRow0 = 0,
): number {
  for (let r = 0; r < count; r++) {
    const base = r * dim
    let sq = 0
    for (let k = 0; k < dim; k++) sq += values[base + k] * values[base + k]
    // float32 values squared cannot overflow a float64 sum: a non-finite sum is a NaN or Inf value
    if (!(sq > 0 && sq < Infinity)) return r
    const inv = 1 / Math.sqrt(sq)
    const row = firstRow + r - panelRow0
    let at = (row >> 3) * PANEL_ROWS * dim + (row & 7)
    for (let k = 0; k < dim; k++, at += PANEL_ROWS) panels[at] = values[base + k] * inv
  }
  return -1
}

/**
 * Scalar reference: the exact score the kernel reports for packed rows i and j. Four float32 partial
 * sums over the dims k = 0, 1, 2, 3 (mod 4), each in k order, every product and sum rounded to float32
 * (no FMA), combined as (s0 + s1) + (s2 + s3).
 */
export function referenceDot(panels: Float32Array, dim: number, i: number, j: number): number {
  const s = [0, 0, 0, 0]
  let a = (i >> 3) * PANEL_ROWS * dim + (i & 7)
  let b = (j >> 3) * PANEL_ROWS * dim + (j & 7)
  for (let k = 0; k < dim; k++, a += PANEL_ROWS, b += PANEL_ROWS) {
    s[k & 3] = Math.fround(s[k & 3] + Math.fround(panels[a] * panels[b]))
  }
  return Math.fround(Math.fround(s[0] + s[1]) + Math.fround(s[2] + s[3]))
}

/** Scalar reference for a whole self join: every pair i < j with score > t, in row order. */
export function referencePairs(panels: Float32Array, n: number, dim: number, t: number) {
  const i: number[] = [], j: number[] = [], s: number[] = []
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const x = referenceDot(panels, dim, a, b)
      if (x > t) i.push(a), j.push(b), s.push(x)
    }
  }
  return { i, j, s }
}

export interface KernelExports {
  screen(
    a: number,
    aRow0: number,
    aRows: number,
    b: number,
    bRow0: number,
    bRows: number,
    d: number,
    thrScreen: number,
    thrExact: number,
    diag: number,
    out: number,
    cap: number,
    state: number,
  ): number
  /**
   * The int8 screen: A expanded (expand_a) with its chunk corrections, int8 panels of B, inverse scales,
   * float panels for the exact recompute.
   */
  screen8(
    a8: number,
    fa: number,
    invA: number,
    tableA: number,
    corr: number,
    aRow0: number,
    aRows: number,
    b8: number,
    fb: number,
    invB: number,
    tableB: number,
    bRow0: number,
    bRows: number,
    d: number,
    dpad: number,
    chunkPairs: number,
    thrScreen: number,
    thrExact: number,
    diag: number,
    out: number,
    cap: number,
    state: number,
  ): number
  exact(pa: number, pb: number, d: number): number
  /**
   * Expands an int8 A tile into the screen's operand (each (row, pair of dims) a vector of signed q)
   * and writes each row's chunk corrections (64 * sum(q) per chunk of `chunkPairs` pairs) at `corr`.
   */
  expand_a(src: number, rows: number, dst: number, dpad: number, corr: number, chunkPairs: number): void
}

export function instantiateKernel(bytes: Uint8Array<ArrayBuffer>, memory: WebAssembly.Memory): KernelExports {
  const mod = new WebAssembly.Module(bytes)
  return new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as KernelExports
}

/** Int8 screen: dims rounded up to a multiple of 8 (the kernel does two pairs of dims per step). */
export const paddedDim = (dim: number): number => Math.ceil(dim / 8) * 8

/** Bytes of `rows` rows as int8 panels. */
export const packed8Bytes = (rows: number, dim: number): number =>
  Math.ceil(rows / PANEL8_ROWS) * PANEL8_ROWS * paddedDim(dim)

/**
 * Dims per chunk of the int8 screen: 16-bit sums run over one chunk, then widen into 32-bit sums. 128
 * lets most rows keep the full |q| <= 63 resolution (a chunk of Gaussian-like values has squared norm
 * about 128 x 18^2 at that scale) at ~5% of the loop's time for the widening.
 */
export const CHUNK_DIMS = 128
/** Pairs of dims per chunk, as the kernel counts them. */
export const CHUNK_PAIRS = CHUNK_DIMS / 2

/** Bytes of an A tile of `rows` rows expanded for the int8 screen (16 B per row and pair of dims). */
export const expandedABytes = (rows: number, dim: number): number => Math.ceil(rows / 4) * 4 * 8 * paddedDim(dim)
/** Bytes of the chunk corrections of an expanded A tile: one 16 B splat per row and chunk. */
export const correctionBytes = (rows: number, dim: number): number =>
  Math.ceil(rows / 4) * 4 * 16 * Math.ceil(paddedDim(dim) / CHUNK_DIMS)

/** Largest quantised magnitude: q + 64 must stay in 1 .. 127, the relaxed dot's 7-bit operand. */
export const Q_MAX = 63
/**
 * Largest squared norm of a quantised row over one chunk: 181^2 = 32761 < 2^15, so every partial sum of
 * |q_a,k q_b,k| within a chunk fits a 16-bit accumulator (Cauchy-Schwarz).
 */
export const Q_NORM_MAX = 181
export const Q_NORM2_MAX = Q_NORM_MAX * Q_NORM_MAX

/**
 * Quantises normalised float rows (already in packed panels, rows [row0, row0+count)) into int8 panels
 * (u = q + 64; padding dims 64, i.e. q = 0) with their inverse scales `inv` and, for the screen's bound,
 * each row's residual norm |x - q/s| in `res` and |q/s| + |x - q/s| in `npr` (indexed like `inv`). The
 * bound for rows a and b, npr_a r_b + r_a npr_b >= |x'||e_y| + |e_x||y'| + |e_x||e_y| (Cauchy-Schwarz on
 * x.y - x'.y' = x'.e_y + e_x.y' + e_x.e_y), is added to each screen score in the kernel with 1e-5 of slack
 * for float32 rounding (of these values, the scaled estimate, and |x| = 1 within 1e-6). The scale is
 * the largest that keeps every |q| <= Q_MAX and every chunk's squared norm <= Q_NORM2_MAX.
 */
export function quantiseRows(
  panels: Float32Array,
  dim: number,
  row0: number,
  count: number,
  panelRow0: number,
  q8: Int8Array,
  inv: Float32Array,
  res: Float32Array,
  npr: Float32Array,
): void {
  const dpad = paddedDim(dim)
  for (let r = row0; r < row0 + count; r++) {
    const row = r - panelRow0
    const fBase = (row >> 3) * PANEL_ROWS * dim + (row & 7)
    const qBase = (row >> 4) * PANEL8_ROWS * dpad + ((row >> 3) & 1) * 16 + (row & 7) * 2
    // the largest |x| and the largest chunk norm bound the scale
    let max = 0, chunkMax2 = 0, sum = 0
    for (let k0 = 0; k0 < dim; k0 += CHUNK_DIMS) {
      let c2 = 0
      for (
        let k = k0, at = fBase + k0 * PANEL_ROWS, end = Math.min(dim, k0 + CHUNK_DIMS);
        k < end;
        k++, at += PANEL_ROWS
      ) {
        const x = panels[at]
        c2 += x * x
        const ax = x < 0 ? -x : x
        if (ax > max) max = ax
        sum += ax
      }
      if (c2 > chunkMax2) chunkMax2 = c2
    }
    let scale = max > 0 ? Math.min(Q_MAX / max, (Q_NORM_MAX / Math.sqrt(chunkMax2)) * (1 - 1e-9)) : 0
    // the shrinking loop below ends once scale * max < 1/2 (every q is 0) at the latest, about 970 passes
    // from here: only for finite values and a finite scale (a NaN never fits, and once spun for ever)
    if (!(sum < Infinity && scale < Infinity)) {
      throw new RangeError(`quantiseRows: row ${r} is not a finite normalised vector`)
    }
    // quantise; rounding can lift a chunk's norm a little above scale * |x_chunk|: then shrink and redo
    let norm = 0, resid = 0
    for (let fits = false; !fits;) {
      fits = true
      norm = 0
      resid = 0
      const back = scale > 0 ? 1 / scale : 0
      for (let k0 = 0; k0 < dim && fits; k0 += CHUNK_DIMS) {
        let q2 = 0
        for (
          let k = k0, at = fBase + k0 * PANEL_ROWS, end = Math.min(dim, k0 + CHUNK_DIMS);
          k < end;
          k++, at += PANEL_ROWS
        ) {
          const x = panels[at]
          const q = Math.round(x * scale)
          q8[qBase + (k >> 1) * 32 + (k & 1)] = q + 64
          q2 += q * q
          const y = q * back
          norm += y * y
          resid += (x - y) * (x - y)
        }
        fits = q2 <= Q_NORM2_MAX
      }
      if (!fits) scale *= 0.995
    }
    for (let k = dim; k < dpad; k++) q8[qBase + (k >> 1) * 32 + (k & 1)] = 64
    inv[row] = scale > 0 ? 1 / scale : 0
    // rounded up to float32, so the stored bound never falls below the float64 one
    res[row] = f32Above(Math.sqrt(resid))
    npr[row] = f32Above(Math.sqrt(norm) + Math.sqrt(resid))
  }
}

/** The smallest float32 not below x (x >= 0). */
function f32Above(x: number): number {
  const f = Math.fround(x)
  if (f >= x) return f
  return f + 2 ** (Math.floor(Math.log2(f || 2 ** -126)) - 23)
}
