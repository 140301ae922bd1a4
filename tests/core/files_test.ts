/** core/files.ts: input formats told apart by their first bytes, not their names. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { sniffFormat } from "../../core/files.ts"
import { tempDir, writeNpy } from "../helpers.ts"

test("sniffFormat: \\x93NUMPY is npy and PAR1 is Parquet whatever the name; anything else is undefined", () => {
  const dir = tempDir()
  const npy = path.join(dir, "looks.csv")
  writeNpy(npy, 1, 2, [1, 0])
  expect(sniffFormat(npy)).toBe("npy")
  const pq = path.join(dir, "looks.npy")
  fs.writeFileSync(pq, "PAR1 and the rest")
  expect(sniffFormat(pq)).toBe("parquet")
  const text = path.join(dir, "edges.parquet")
  fs.writeFileSync(text, "0\t1\t1\n")
  expect(sniffFormat(text)).toBeUndefined()
  fs.writeFileSync(path.join(dir, "short"), "PA")
  expect(sniffFormat(path.join(dir, "short"))).toBeUndefined()
  expect(sniffFormat(path.join(dir, "missing.npy"))).toBeUndefined()
})
