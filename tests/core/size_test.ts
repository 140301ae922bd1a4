/** core/size.ts: one rule for sizes: a unit is required, K/M/G/T (with or without B or iB) are powers of 1024. */
import { expect, test } from "bun:test"
import { formatBytes, parseSize } from "../../core/size.ts"

test("every spelling of a unit is the same power of 1024", () => {
  for (const unit of ["M", "m", "MB", "mb", "MiB", "mib"]) expect(parseSize(`512${unit}`)).toBe(512 * 2 ** 20)
  expect(parseSize("1K")).toBe(1024)
  expect(parseSize("1kB")).toBe(1024)
  expect(parseSize("2G")).toBe(2 * 2 ** 30)
  expect(parseSize("1T")).toBe(2 ** 40)
  expect(parseSize("1.5G")).toBe(1.5 * 2 ** 30)
  expect(parseSize(" 64 MB ")).toBe(64 * 2 ** 20)
  expect(parseSize("100B")).toBe(100)
  // numbers (the library's form) are bytes
  expect(parseSize(4096)).toBe(4096)
})

test("a bare number or an unknown unit is refused, saying what to write", () => {
  expect(() => parseSize("512")).toThrow('--memory: "512" has no unit: write e.g. 512M, 2G')
  expect(() => parseSize("512X")).toThrow('cannot read size "512X"')
  expect(() => parseSize("lots")).toThrow("cannot read size")
  expect(() => parseSize("1P")).toThrow()
  expect(() => parseSize("64", "chunk")).toThrow("--chunk:")
})

test("formatBytes writes binary units", () => {
  expect(formatBytes(512 * 2 ** 20)).toBe("512.0 MiB")
  expect(formatBytes(2 ** 31)).toBe("2.00 GiB")
})
