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
