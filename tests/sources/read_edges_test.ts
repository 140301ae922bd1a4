/** readEdges on broken Parquet edge lists (found by bench/fuzz): typed one-line errors, no unhandled rejections. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { parquetWriteBuffer } from "hyparquet-writer"
import { collect, pipe, run } from "../../mod.ts"
import { readEdges } from "../../sources/read_edges.ts"
import { tempDir } from "../helpers.ts"

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "fixtures", "fuzz")
const read = (file: string) =>
  run(pipe(readEdges(file), collect({ batches: [] })), { memory: "64MB" }).then(() => undefined, (e) => e)

test("a node id out of range in a Parquet edge list is InvalidInput naming the row, not an unhandled rejection", async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (e: unknown) => void unhandled.push(e)
  process.on("unhandledRejection", onUnhandled)
  try {
    const file = path.join(tempDir(), "bad-id.parquet")
    const n = 100
    fs.writeFileSync(
      file,
      new Uint8Array(parquetWriteBuffer({
        columnData: [
          {
            name: "src",
            data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i === 49 ? -5 : i)),
            type: "INT64",
            nullable: false,
          },
          {
            name: "dst",
            data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i + 1)),
            type: "INT64",
            nullable: false,
          },
          { name: "weight", data: Float32Array.from({ length: n }, () => 1), type: "FLOAT", nullable: false },
        ],
        rowGroupSize: 50,
        pageSize: 128,
      } as never)),
    )
    const e = await read(file)
    expect((e as Error).message).toBe(`${file} (row 49): src -5 is not a node id`)
    await new Promise((r) => setTimeout(r, 50))
    expect(unhandled).toEqual([])
  } finally {
    process.off("unhandledRejection", onUnhandled)
  }
})

test("a Parquet edge list whose footer holds a field of the wrong kind is InvalidInput naming the footer, not a TypeError's words", async () => {
  const file = path.join(fixtures, "edges-parquet-footer-field-wrong-kind.tsv")
  const e = await read(file)
  expect((e as Error).message).toBe(
    `${file} (byte offset ${
      fs.statSync(file).size - 8
    }): not a readable Parquet file: corrupt metadata (a field is missing or of the wrong kind)`,
  )
})
