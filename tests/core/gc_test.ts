/**
 * collectGarbageNow: calls the runtime's collector when forced, and at most once a second otherwise.
 * CollectionPace: a forced collection once its byte count passes its pace, counted afresh after each.
 */
import { expect, test } from "bun:test"
import { CollectionPace, collectGarbageNow } from "../../core/gc.ts"

// deno-lint-ignore no-explicit-any
const g = globalThis as any

/** Runs `body` with the runtime's collector (Bun.gc, else globalThis.gc) replaced by a counter. */
function counting(body: (calls: () => number) => void): void {
  let n = 0
  const spy = () => void n++
  if (g.Bun?.gc) {
    const original = g.Bun.gc
    g.Bun.gc = spy
    try {
      body(() => n)
    } finally {
      g.Bun.gc = original
    }
  } else {
    const had = "gc" in g, original = g.gc
    g.gc = spy
    try {
      body(() => n)
    } finally {
      if (had) g.gc = original
      else delete g.gc
    }
  }
}

test("a forced call collects every time", () => {
  counting((calls) => {
    collectGarbageNow(true)
    collectGarbageNow(true)
    expect(calls()).toBe(2)
  })
})

test("an unforced call right after a collection is skipped", () => {
  counting((calls) => {
    const t0 = performance.now()
    collectGarbageNow(true)
    collectGarbageNow()
    collectGarbageNow(false)
    // the interval is a second: only a machine stalled that long between the calls could see a second one
    if (performance.now() - t0 < 1000) expect(calls()).toBe(1)
  })
})

test("without a collector to call it does nothing and does not throw", () => {
  if (g.Bun?.gc) return // Bun always has one
  const had = "gc" in g, original = g.gc
  delete g.gc
  try {
    collectGarbageNow(true)
  } finally {
    if (had) g.gc = original
  }
  expect(g.gc).toBe(original)
})

test("a pace collects when asked once its bytes are counted, and counts afresh after", () => {
  counting((calls) => {
    const pace = new CollectionPace(100)
    pace.count(60)
    pace.collectIfDue()
    expect(calls()).toBe(0)
    pace.count(40)
    expect(calls()).toBe(0) // counting alone never collects
    pace.collectIfDue()
    expect(calls()).toBe(1)
    pace.collectIfDue()
    expect(calls()).toBe(1)
    pace.count(250)
    pace.collectIfDue()
    pace.collectIfDue()
    expect(calls()).toBe(2)
  })
})
