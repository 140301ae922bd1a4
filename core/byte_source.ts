/**
 * The one I/O seam of every reader of a file format (as hyparquet's AsyncBuffer): a name, a length and
 * positioned reads. Files, memory and tests' truncated copies all fit it; nothing else knows where bytes
 * come from, and errors name the source by its `name`.
 */
import * as fs from "node:fs"
import { InvalidInput } from "./errors.ts"
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

/** A file opened for positioned reads; one that cannot be opened is an InvalidInput naming it. */
export function openFile(file: string): ByteSource {
  try {
    return fileSource(file)
  } catch (e) {
    throw new InvalidInput({ file, reason: `cannot open: ${e instanceof Error ? e.message : String(e)}` })
  }
}

/** Fills `into` from byte `offset`, or throws InvalidInput naming the source and where it ended first. */
export function readExactly(src: ByteSource, offset: number, into: Uint8Array): Uint8Array {
  const got = src.read(offset, into)
  if (got < into.length) {
    throw new InvalidInput({
      file: src.name,
      offset: offset + got,
      reason: `file ends while reading ${into.length} bytes at ${offset}`,
    })
  }
  return into
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
