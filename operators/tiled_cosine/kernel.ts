/**
 * Glue for the cosine tile kernel: loading the WebAssembly variant the runtime supports, packing
 * normalised rows into 8-row k-major panels, the screen margin, and the scalar TypeScript reference
 * the kernel is checked against.
 */
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"

/** Rows per panel and per register block, fixed by the kernel's 4 x 8 block. */
export const PANEL_ROWS = 8

export type KernelVariant = "relaxed" | "simd"

/** Kernel bytes; `bytesOverride` lets a single-file build supply them embedded. */
export function kernelBytes(variant: KernelVariant): Uint8Array {
  const url = new URL(`../kernels/cosine_${variant}.wasm`, import.meta.url)
  return new Uint8Array(fs.readFileSync(fileURLToPath(url)))
}

/** The fastest variant this runtime validates (relaxed-SIMD FMA, else SIMD128). */
export function pickVariant(forced?: KernelVariant): { variant: KernelVariant; bytes: Uint8Array } {
  if (forced) return { variant: forced, bytes: kernelBytes(forced) }
  const relaxed = kernelBytes("relaxed")
  if (WebAssembly.validate(relaxed)) return { variant: "relaxed", bytes: relaxed }
  return { variant: "simd", bytes: kernelBytes("simd") }
}

/**
 * How far a fused (FMA) accumulation can drift from the sequential multiply-then-add one for unit
 * vectors of dimension d: each of the d steps rounds at most once differently, by at most 2^-24 of
 * a running sum bounded by sum |a_k b_k| <= |a||b| (<= 1 + 1e-6 after float32 normalisation).
 * Doubled for safety. Zero for the plain SIMD kernel, whose lanes round exactly as the reference.
 */
export function screenMargin(variant: KernelVariant, dim: number): number {
  return variant === "relaxed" ? 2 * 2 * (dim + 2) * 2 ** -24 : 0
}

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
 */
export function packNormalised(
  values: Float32Array,
  count: number,
  dim: number,
  panels: Float32Array,
  firstRow: number,
  panelRow0 = 0,
): void {
  for (let r = 0; r < count; r++) {
    const base = r * dim
    let sq = 0
    for (let k = 0; k < dim; k++) sq += values[base + k] * values[base + k]
    const inv = 1 / Math.sqrt(sq)
    const row = firstRow + r - panelRow0
    let at = (row >> 3) * PANEL_ROWS * dim + (row & 7)
    for (let k = 0; k < dim; k++, at += PANEL_ROWS) panels[at] = values[base + k] * inv
  }
}

/** Scalar reference: the exact score the kernel reports for packed rows i and j. */
export function referenceDot(panels: Float32Array, dim: number, i: number, j: number): number {
  let s = 0
  let a = (i >> 3) * PANEL_ROWS * dim + (i & 7)
  let b = (j >> 3) * PANEL_ROWS * dim + (j & 7)
  for (let k = 0; k < dim; k++, a += PANEL_ROWS, b += PANEL_ROWS) {
    s = Math.fround(s + Math.fround(panels[a] * panels[b]))
  }
  return s
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
  exact(pa: number, pb: number, d: number): number
}

export function instantiateKernel(bytes: Uint8Array, memory: WebAssembly.Memory): KernelExports {
  const mod = new WebAssembly.Module(bytes)
  return new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as KernelExports
}
