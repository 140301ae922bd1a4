/** The cluster-size panel: how many clusters fall in each log2 size bin [2^k, 2^(k+1)), on a log count axis. */
import { esc, type Frame, grouped, num, textWidth } from "./svg_util.ts"

export interface SizeBin {
  /** Sizes lo .. hi inclusive: lo = 2^k, hi = 2^(k+1) - 1. */
  readonly lo: number
  readonly hi: number
  readonly count: number
}

/**
 * Counts cluster sizes in log2 bins, from size 1 up to the bin of the largest (empty bins included).
 * @example sizeBins([1, 1, 2, 3, 9]) -> [{1,1,2}, {2,3,2}, {4,7,0}, {8,15,1}]
 */
export function sizeBins(sizes: ArrayLike<number>): SizeBin[] {
  const counts: number[] = []
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i]
    if (!(Number.isInteger(s) && s >= 1)) throw new RangeError(`cluster size ${s} is not a positive integer`)
    const k = Math.floor(Math.log2(s))
    while (counts.length <= k) counts.push(0)
    counts[k]++
  }
  return counts.map((count, k) => ({ lo: 2 ** k, hi: 2 ** (k + 1) - 1, count }))
}

const PLOT_HEIGHT = 180

export function histogramChart(sizes: ArrayLike<number>, frame: Frame, top: number): { svg: string; height: number } {
  const { left, width } = frame
  const bins = sizeBins(sizes)
  const sorted = Array.from(sizes).sort((a, b) => a - b)
  const largest = sorted.length ? sorted[sorted.length - 1] : 0
  const median = sorted.length ? sorted[sorted.length >> 1] : 0
  const ones = bins[0]?.count ?? 0
  const title = `Cluster sizes: ${grouped(sizes.length)} clusters, largest ${grouped(largest)}, median ${
    grouped(median)
  }, ${grouped(ones)} of one node`
  const out = [`<text x="${left}" y="${top + 12}" font-size="13" font-weight="600">${esc(title)}</text>`]
  const plotTop = top + 30
  const maxCount = Math.max(1, ...bins.map((b) => b.count))
  // log axis from half a cluster (a bin of one still shows a bar) to a little above the tallest bar (its label)
  const ceiling = Math.max(1, Math.log10(maxCount) + 0.35)
  const floor = Math.log10(0.5)
  const y = (c: number) => plotTop + PLOT_HEIGHT - ((Math.log10(c) - floor) / (ceiling - floor)) * PLOT_HEIGHT
  for (let d = 0; d <= ceiling; d++) {
    const yy = num(y(10 ** d))
    out.push(`<line x1="${left}" x2="${left + width}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${left - 6}" y="${yy}" dy="0.32em" text-anchor="end" font-size="11">${grouped(10 ** d)}</text>`)
  }
  out.push(
    `<text transform="translate(${left - 52} ${plotTop + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle" ` +
      `font-size="11">clusters (log scale)</text>`,
  )
  const slot = width / Math.max(bins.length, 1)
  const barWidth = Math.min(slot * 0.8, 48)
  // label bins by their range when those fit, else by their smallest size, on every 2nd, 4th, ... when needed
  const range = (b: SizeBin) => (b.lo === b.hi ? grouped(b.lo) : `${grouped(b.lo)}–${grouped(b.hi)}`)
  const ranges = bins.every((b) => textWidth(range(b), 10) <= slot - 6)
  const label = ranges ? range : (b: SizeBin) => grouped(b.lo)
  const widest = Math.max(...bins.map((b) => textWidth(label(b), 10)), 1)
  const every = 2 ** Math.max(0, Math.ceil(Math.log2(widest / (slot - 4))))
  const bottom = plotTop + PLOT_HEIGHT
  bins.forEach((b, k) => {
    const cx = left + slot * (k + 0.5)
    const yy = b.count > 0 ? y(b.count) : bottom
    out.push(
      `<rect data-bin-lo="${b.lo}" data-bin-hi="${b.hi}" data-count="${b.count}" x="${num(cx - barWidth / 2)}" ` +
        `y="${num(yy)}" width="${num(barWidth)}" height="${num(bottom - yy)}" fill="#4e79a7">` +
        `<title>${b.lo === b.hi ? b.lo : `${b.lo}–${b.hi}`} nodes: ${b.count} clusters</title></rect>`,
    )
    if (b.count > 0) {
      out.push(`<text x="${num(cx)}" y="${num(yy - 4)}" text-anchor="middle" font-size="10">${grouped(b.count)}</text>`)
    }
    if (k % every === 0) {
      out.push(`<text x="${num(cx)}" y="${bottom + 14}" text-anchor="middle" font-size="10">${label(b)}</text>`)
    }
  })
  out.push(`<rect x="${left}" y="${plotTop}" width="${width}" height="${PLOT_HEIGHT}" fill="none" stroke="#999"/>`)
  const axis = ranges
    ? "cluster size in nodes (log2 bins)"
    : "cluster size in nodes (log2 bins [2^k, 2^(k+1)), by smallest size)"
  out.push(`<text x="${left + width / 2}" y="${bottom + 30}" text-anchor="middle" font-size="11">${esc(axis)}</text>`)
  return { svg: out.join("\n"), height: bottom + 36 - top }
}
