import { expect, test } from "bun:test"
import { ByteReader, ByteWriter } from "../../../core/bytes.ts"
import { buildIndex, decodeDelta, encodeDelta } from "../../../formats/brk/delta.ts"
import { packRef, unpackRef } from "../../../formats/brk/ref_codec.ts"
import { mutate, randomBases, revcomp, rng } from "../../operators/segment_pack/genomes.ts"

const enc = (s: string) => new TextEncoder().encode(s)

function ops(target: string, ref: string): Uint8Array {
  const r = enc(ref)
  const w = new ByteWriter()
  encodeDelta(enc(target), r, buildIndex(r), w)
  return w.take()
}

function restore(o: Uint8Array, ref: string, length: number): string {
  const out = new Uint8Array(length)
  decodeDelta(new ByteReader(o), o.length, enc(ref), out)
  return new TextDecoder().decode(out)
}

test("delta: an identical segment is one diagonal match (a varint of length * 4 + 3)", () => {
  const ref = randomBases(1000, rng(1))
  expect([...ops(ref, ref)]).toEqual([...new ByteWriter().uint(1000 * 4 + 3).view()])
})

test("delta: a SNP costs a 1-base literal and a diagonal match", () => {
  const ref = randomBases(1000, rng(2))
  const t = ref.slice(0, 500) + (ref[500] === "A" ? "C" : "A") + ref.slice(501)
  const o = ops(t, ref)
  expect(o.length).toBeLessThan(10)
  expect(restore(o, ref, t.length)).toBe(t)
})

test("delta: an inversion is found as a reverse-complement match", () => {
  const ref = randomBases(3000, rng(3))
  const t = ref.slice(0, 1000) + revcomp(ref.slice(1000, 2000)) + ref.slice(2000)
  const o = ops(t, ref)
  expect(o.length).toBeLessThan(24)
  expect(restore(o, ref, t.length)).toBe(t)
})

const cases: Record<string, [string, string]> = {
  "SNPs and indels": [randomBases(5000, rng(4)), ""],
  "unrelated": [randomBases(2000, rng(5)), randomBases(2000, rng(6))],
  "empty target": [randomBases(100, rng(7)), ""],
  "N runs and IUPAC": [randomBases(2000, rng(8)), ""],
  "target longer than the reference": [randomBases(300, rng(9)), ""],
}
cases["SNPs and indels"][1] = mutate(cases["SNPs and indels"][0], rng(10))
cases["N runs and IUPAC"][1] = cases["N runs and IUPAC"][0].slice(0, 700) + "N".repeat(300) + "RYKM" +
  cases["N runs and IUPAC"][0].slice(1004)
cases["target longer than the reference"][1] = cases["target longer than the reference"][0].repeat(5)

for (const [name, [ref, t]] of Object.entries(cases)) {
  test(`delta round trip: ${name}`, () => {
    expect(restore(ops(t, ref), ref, t.length)).toBe(t)
  })
}

test("delta: ops that do not fit their reference are rejected", () => {
  const bad = new ByteWriter().uint(10 * 4 + 1).int(95).take()
  expect(() => restore(bad, "ACGT".repeat(25), 10)).toThrow(/outside the reference/)
  expect(() => restore(new ByteWriter().uint(4 * 4 + 3).take(), "ACGTACGT", 10)).toThrow(/cover 4 of 10/)
})

test("reference packing: 2 bits a base, other bytes as runs", () => {
  const s = enc("ACGTNNNNNacgtRYK".toUpperCase() + "T")
  const packed = packRef(s)
  expect(unpackRef(packed)).toEqual(s)
  const long = enc(randomBases(4000, rng(11)))
  expect(packRef(long).length).toBeLessThanOrEqual(1000 + 4)
  expect(unpackRef(packRef(long))).toEqual(long)
})
