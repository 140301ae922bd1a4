/** core/rss.ts: the resident set sampled on a run's clock, its peak kept however long the run. */
import { expect, test } from "bun:test"
import { sampleRss } from "../../core/rss.ts"

test("sampleRss: a sample at the start, one per interval, one at stop; the peak is the largest; stop is idempotent", async () => {
  let now = 0
  const sampler = sampleRss(() => now, 10)
  const hold: Uint8Array[] = []
  for (let k = 0; k < 5; k++) {
    now += 100
    hold.push(new Uint8Array(4 << 20).fill(k + 1)) // touched, so resident
    await new Promise((r) => setTimeout(r, 30))
  }
  const r = sampler.stop()
  expect(r.samples.length).toBeGreaterThanOrEqual(2)
  expect(r.samples[0].t).toBe(0)
  expect(r.samples[r.samples.length - 1].t).toBe(500)
  expect(r.samples.every((s) => s.rss > 0)).toBe(true)
  expect(r.peak).toBe(Math.max(...r.samples.map((s) => s.rss)))
  expect(r.samples.some((s) => s.t === r.at && s.rss === r.peak)).toBe(true)
  expect(sampler.stop()).toBe(r)
  expect(hold.length).toBe(5)
})

test("sampleRss: a long run keeps at most `keep` samples, merged pairwise, and still its peak", async () => {
  let now = 0
  const sampler = sampleRss(() => now++, 1, 16)
  while (now < 100) await new Promise((r) => setTimeout(r, 5))
  const r = sampler.stop()
  expect(r.samples.length).toBeLessThanOrEqual(17)
  expect(r.samples.length).toBeGreaterThanOrEqual(8)
  expect(r.samples.some((s) => s.t === r.at && s.rss === r.peak)).toBe(true)
})
