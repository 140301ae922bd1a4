/** Small helpers shared by the report's panels: escaping, number formatting, ticks, colors, text width. */

/** Escapes text for XML content and attribute values. */
export const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

/** A number with at most `digits` decimals and no trailing zeros, as coordinates and labels want it. */
export const num = (x: number, digits = 2): string => String(Number(x.toFixed(digits)))

export const MiB = 1024 * 1024

/** An integer with thousands separators: 12345 -> "12,345". */
export const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/**
 * About `count` round tick values covering [0, max]: steps of 1, 2 or 5 times a power of ten.
 * @example ticks(7.3, 5) -> [0, 2, 4, 6, 8]
 */
export function ticks(max: number, count = 6): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const p = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!
  const out: number[] = []
  for (let k = 0; k * step < max + step * 1e-9 || out.length < 2; k++) out.push(k * step)
  if (out[out.length - 1] < max) out.push(out.length * step)
  return out
}

/** Width of `text` in px at `size` px, a sans-serif estimate that errs wide so labels do not collide. */
export const textWidth = (text: string, size: number): number => text.length * size * 0.6

/** Tableau 10: distinct hues that stay apart for most color-vision deficiencies. */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
]

/** Pixel layout shared by the panels: the plot spans x in [left, left + width]. */
export interface Frame {
  readonly left: number
  readonly width: number
  readonly total: number
}

export const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
