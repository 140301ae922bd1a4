/** Positioned file I/O over node:fs (Bun and Deno both provide it), with the short-count loops done once. */
import * as fs from "node:fs"

/** Reads into `into` from byte `offset` until it is full or the file ends; returns the bytes read. */
export function readAt(fd: number, into: Uint8Array, offset: number): number {
  let done = 0
  while (done < into.byteLength) {
    const n = fs.readSync(fd, into, done, into.byteLength - done, offset + done)
    if (n <= 0) break
    done += n
  }
  return done
}

/** Writes all of `bytes` at the file's position (a single writeSync may write fewer). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done)
}

/** Magic numbers of the input formats brook reads, told apart by content, not by name. */
const MAGIC = { npy: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], parquet: [0x50, 0x41, 0x52, 0x31] } as const

/**
 * The format of `file` by its first bytes: "npy" (\x93NUMPY), "parquet" (PAR1), or undefined for anything else
 * (text, a missing or unreadable file: the reader's own error says which).
 */
export function sniffFormat(file: string): "npy" | "parquet" | undefined {
  let fd: number
  try {
    fd = fs.openSync(file, "r")
  } catch {
    return undefined
  }
  try {
    const head = new Uint8Array(8)
    const n = readAt(fd, head, 0)
    for (const [kind, magic] of Object.entries(MAGIC)) {
      if (n >= magic.length && magic.every((b, k) => head[k] === b)) return kind as "npy" | "parquet"
    }
    return undefined
  } finally {
    fs.closeSync(fd)
  }
}
