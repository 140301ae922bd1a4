/**
 * A FASTA file's bytes in chunks: plain, or gzip in any number of members (bgzip).
 */
import * as fs from "node:fs"
import * as zlib from "node:zlib"
import { InvalidInput } from "../../core/errors.ts"

/** Bytes read from disk per chunk. */
export const READ_CHUNK = 1 << 20

/** The file's bytes in chunks, gunzipped (all members) when it starts with the gzip magic. */
export async function* fileChunks(file: string): AsyncGenerator<Uint8Array> {
  let fd: number | undefined
  try {
    fd = fs.openSync(file, "r")
  } catch (e) {
    throw new InvalidInput({ file, reason: `cannot open: ${(e as Error).message}` })
  }
  const buf = new Uint8Array(READ_CHUNK)
  let n: number
  try {
    n = fs.readSync(fd, buf, 0, buf.length, null)
    if (!(n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b)) {
      while (n > 0) {
        yield buf.subarray(0, n)
        n = fs.readSync(fd, buf, 0, buf.length, null)
      }
      return
    }
  } finally {
    fs.closeSync(fd)
  }
  // node:zlib, not DecompressionStream: Deno's DecompressionStream rejects a second gzip member
  // ("failed to write whole buffer"), and bgzip files (the usual .fa.gz) are hundreds of members
  const gunzip = zlib.createGunzip({ chunkSize: READ_CHUNK })
  const input = fs.createReadStream(file, { highWaterMark: READ_CHUNK })
  input.on("error", (e) => gunzip.destroy(e))
  input.pipe(gunzip)
  try {
    for await (const chunk of gunzip) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
  } catch (e) {
    throw new InvalidInput({ file, offset: gunzip.bytesWritten, reason: `gzip: ${(e as Error).message}` })
  } finally {
    input.destroy()
  }
}
