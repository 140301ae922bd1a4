/** What every report must hold, shared by the renderer's tests and the CLI's. */
import { expect } from "bun:test"
import { parseXml, walk, type XmlElement } from "./xml.ts"

/** Parses an SVG report and checks its skeleton: one series per owner, the budget line. */
export function checkSvg(svg: string, owners: readonly string[], budget: number): XmlElement {
  const root = parseXml(svg)
  expect(root.name).toBe("svg")
  expect(root.attrs.xmlns).toBe("http://www.w3.org/2000/svg")
  const all = [...walk(root)]
  // standalone: no scripts, no links to anything outside the file
  expect(all.filter((e) => e.name === "script" || e.name === "image" || e.name === "foreignObject")).toEqual([])
  expect(all.filter((e) => Object.keys(e.attrs).some((a) => a === "href" || a.endsWith(":href")))).toEqual([])
  const series = all.filter((e) => "data-owner" in e.attrs)
  expect(series.map((e) => e.attrs["data-owner"]).sort()).toEqual([...owners].sort())
  expect(series.every((e) => e.name === "path" && /^M[\d. HVZ-]+Z$/.test(e.attrs.d))).toBe(true)
  const lines = all.filter((e) => e.attrs.class === "budget")
  expect(lines.length).toBe(1)
  expect(Number(lines[0].attrs["data-budget"])).toBe(budget)
  return root
}

/** The histogram's bars as [smallest size, largest size, count]. */
export const histogramBars = (root: XmlElement): number[][] =>
  [...walk(root)].filter((e) => "data-count" in e.attrs).map((e) =>
    [e.attrs["data-bin-lo"], e.attrs["data-bin-hi"], e.attrs["data-count"]].map(Number)
  )

/** The SVG inside an HTML report. */
export function embeddedSvg(html: string): string {
  const start = html.indexOf("<svg"), end = html.indexOf("</svg>")
  expect(start).toBeGreaterThan(0)
  expect(html.indexOf("<svg", start + 1)).toBe(-1)
  return html.slice(start, end + "</svg>".length)
}
