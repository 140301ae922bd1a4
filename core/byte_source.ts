/**
 * The one I/O seam of the Exodus reader (as hyparquet's AsyncBuffer): a length and positioned reads.
 * Files, memory and tests' truncated copies all fit it; nothing else knows where bytes come from.
 */
import * as fs from "node:fs"
import { readAt } from "./files.ts"

export interface ByteSource {
  readonly name: string
  readonly byteLength: number
  /** Fills `into` from byte `offset` (fewer bytes at the end of the source); returns the bytes read. */
  read(offset: number, into: Uint8Array): number
  close(): void
}

/** A file opened for positioned reads. */
export function fileSource(file: string): ByteSource {
  const fd = fs.openSync(file, "r")
  return {
    name: file,
    byteLength: fs.fstatSync(fd).size,
    read: (offset, into) => readAt(fd, into, offset),
    close: () => fs.closeSync(fd),
  }
}

/** Bytes in memory, named like a file (tests: truncated and corrupted headers). */
export function memorySource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    byteLength: bytes.byteLength,
    read(offset, into) {
      const n = Math.max(0, Math.min(into.byteLength, bytes.byteLength - offset))
      into.set(bytes.subarray(offset, offset + n))
      return n
    },
    close: () => {},
  }
}
