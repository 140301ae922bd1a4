/** A FASTA file's bytes in chunks: plain in READ_CHUNK pieces, gzip in any number of members, bad files typed. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { InvalidInput } from "../../../core/errors.ts"
import { fileChunks, READ_CHUNK } from "../../../formats/fasta/file_chunks.ts"
import { parseFasta } from "../../../formats/fasta/parser.ts"
import { tempDir } from "../../helpers.ts"

const dir = tempDir()

const gzip = async (text: string | Uint8Array) =>
  new Uint8Array(
    await new Response(new Blob([text as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  )

/** Every chunk's length and the bytes they make together. */
async function read(file: string): Promise<{ sizes: number[]; bytes: Uint8Array }> {
  const sizes: number[] = [], parts: Uint8Array[] = []
  for await (const c of fileChunks(file)) sizes.push(c.length), parts.push(c.slice())
  return { sizes, bytes: new Uint8Array(Buffer.concat(parts)) }
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error("expected a failure")
}

test("a plain file comes in READ_CHUNK pieces and the rest", async () => {
  const file = path.join(dir, "plain.fa")
  const bytes = Uint8Array.from({ length: READ_CHUNK * 2 + 5 }, (_, k) => 65 + (k % 4))
  fs.writeFileSync(file, bytes)
  const got = await read(file)
  expect(got.sizes).toEqual([READ_CHUNK, READ_CHUNK, 5])
  expect(Buffer.from(got.bytes).equals(Buffer.from(bytes))).toBe(true)
})

test("an empty file has no chunks; a one-byte file starting like gzip is plain", async () => {
  const empty = path.join(dir, "empty.fa")
  fs.writeFileSync(empty, "")
  expect((await read(empty)).sizes).toEqual([])
  const one = path.join(dir, "one.fa")
  fs.writeFileSync(one, new Uint8Array([0x1f]))
  expect(Array.from((await read(one)).bytes)).toEqual([0x1f])
})

test("a file that cannot be opened is an InvalidInput naming it", async () => {
  const missing = path.join(dir, "missing.fa")
  const e = await failure(read(missing))
  expect(e).toBeInstanceOf(InvalidInput)
  expect((e as InvalidInput).file).toBe(missing)
  expect((e as InvalidInput).reason).toMatch(/^cannot open: /)
})

test("gzip input is gunzipped, past one output chunk", async () => {
  const text = ">big\n" + "ACGT".repeat(READ_CHUNK / 2) + "\n"
  const file = path.join(dir, "big.fa.gz")
  fs.writeFileSync(file, await gzip(text))
  const got = await read(file)
  expect(got.sizes.length).toBeGreaterThan(1)
  expect(got.bytes.length).toBe(text.length)
  expect(new TextDecoder().decode(got.bytes)).toBe(text)
})

test("FASTA: gzip input, in several members as bgzip writes it", async () => {
  const file = path.join(dir, "g.fa.gz")
  fs.writeFileSync(file, Buffer.concat([await gzip(">g\nACGTacgt\n"), await gzip("NNNN\nAC"), await gzip("GT\n")]))
  expect(new TextDecoder().decode((await read(file)).bytes)).toBe(">g\nACGTacgt\nNNNN\nACGT\n")
  let seq = ""
  await parseFasta(file, { contig() {}, sequence: (b) => seq += new TextDecoder().decode(b), contigEnd() {} })
  expect(seq).toBe("ACGTACGTNNNNACGT")
})

test("FASTA: a truncated gzip file is an InvalidInput, not a shorter sequence", async () => {
  const whole = await gzip(">t\n" + "ACGT".repeat(5000))
  const file = path.join(dir, "t.fa.gz")
  fs.writeFileSync(file, whole.subarray(0, whole.length - 6))
  const e = await failure(read(file))
  expect(e).toBeInstanceOf(InvalidInput)
  expect((e as InvalidInput).message).toMatch(/gzip/)
  expect((e as InvalidInput).file).toBe(file)
  expect((e as InvalidInput).offset).toBe(whole.length - 6) // every byte went in before the end was found missing
})

test("FASTA: a corrupt gzip file is an InvalidInput naming the file", async () => {
  const file = path.join(dir, "bad.fa.gz")
  fs.writeFileSync(file, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7]))
  const e = await failure(read(file))
  expect(e).toBeInstanceOf(InvalidInput)
  expect((e as InvalidInput).file).toBe(file)
  expect((e as InvalidInput).reason).toMatch(/^gzip: /)
})
