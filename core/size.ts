/** Byte sizes as users write them: "512MB", "2GiB", "64m", "1048576". */
import { InvalidOption } from "./errors.ts"

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
}

/**
 * Parses a size. Decimal units (KB, MB, GB) are powers of 1000, binary ones (KiB, MiB, GiB)
 * and single letters (k, m, g) powers of 1024.
 * @example parseSize("512MB") === 512_000_000; parseSize("2GiB") === 2147483648
 */
export function parseSize(text: string | number): number {
  if (typeof text === "number") return text
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined
  if (!m || unit === undefined) {
    throw new InvalidOption({ option: "memory", reason: `cannot read size "${text}" (try 512MB, 2GiB)` })
  }
  return Math.floor(Number(m[1]) * unit)
}

/** Human-readable bytes in binary units. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${n} B`
}
