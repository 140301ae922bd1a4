/** writeExodusParquet's plan: row groups sized from its share, the encoder's bytes counted (issue 18's budget matrix). */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import { PARQUET_ENCODER_BYTES } from "../../formats/parquet/file_writer.ts"
import {
  EXODUS_MIN_ROW_GROUP,
  EXODUS_ROW_GROUP,
  exodusGroupBytes,
  exodusRowGroup,
  writeExodusParquet,
} from "../../sinks/exodus_parquet.ts"

test("the smallest plan holds the encoder's fixed bytes and a group of the fewest rows", () => {
  const sink = writeExodusParquet("never.parquet")
  expect(sink.minimum({})).toBe(exodusGroupBytes(EXODUS_MIN_ROW_GROUP))
  expect(sink.minimum({})).toBeGreaterThan(PARQUET_ENCODER_BYTES)
})

test("row groups: 64 k rows under a large share, halved until the group fits, never below the fewest", () => {
  expect(exodusRowGroup(1 << 30)).toBe(EXODUS_ROW_GROUP)
  expect(exodusRowGroup(0)).toBe(EXODUS_MIN_ROW_GROUP)
  for (let share = exodusGroupBytes(EXODUS_MIN_ROW_GROUP); share < 1 << 27; share += 3 << 20) {
    const rows = exodusRowGroup(share)
    expect(exodusGroupBytes(rows)).toBeLessThanOrEqual(share)
    if (rows < EXODUS_ROW_GROUP) expect(exodusGroupBytes(rows * 2)).toBeGreaterThan(share)
    const plan = Effect.runSync(writeExodusParquet("never.parquet").plan(share, {}))
    expect(plan.rows).toBe(rows)
    expect(plan.bytes).toBe(exodusGroupBytes(rows))
  }
})
