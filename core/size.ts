/**
 * Byte sizes as users write them, one rule: a number and a unit, K, M, G or T, with or without B or iB, in
 * any case, every unit a power of 1024 ("512M" = "512MB" = "512MiB" = 512 x 2^20 bytes). B alone is bytes.
 * A bare number is refused: "512" would be 512 bytes, never what was meant.
 */
import { InvalidOption } from "./errors.ts"

const POWERS: Record<string, number> = { b: 0, k: 1, m: 2, g: 3, t: 4 }

/**
 * Parses a size (strings need a unit; a number is bytes).
 * @example parseSize("512MB") === 512 * 2 ** 20; parseSize("2GiB") === parseSize("2g") === 2 ** 31
 */
export function parseSize(text: string | number, option = "memory"): number {
  if (typeof text === "number") return text
  const m = /^\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(?:([kmgt])(?:i?b)?|(b))\s*$/i.exec(text)
  if (!m) {
    const bare = /^\s*[0-9.]+\s*$/.test(text)
    throw new InvalidOption({
      option,
      reason: `${bare ? `"${text}" has no unit` : `cannot read size "${text}"`}: write e.g. 512M, 2G (K, M, G, T: ` +
        `powers of 1024, with or without B)`,
    })
  }
  return Math.floor(Number(m[1]) * 1024 ** POWERS[(m[2] ?? m[3]).toLowerCase()])
}

/** Human-readable bytes in binary units. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${n} B`
}
