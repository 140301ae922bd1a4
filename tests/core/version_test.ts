import { expect, test } from "bun:test"
import * as fs from "node:fs"
import { VERSION } from "../../core/version.ts"

const root = new URL("../../", import.meta.url)
const json = (name: string) => JSON.parse(fs.readFileSync(new URL(name, root), "utf8"))

test("VERSION is package.json's and deno.json's version", () => {
  expect(json("package.json").version).toBe(VERSION)
  expect(json("deno.json").version).toBe(VERSION)
})
