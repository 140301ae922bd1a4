/**
 * A group reference as bytes: 2 bits a base for A, C, G, T, and the other bytes (N runs, IUPAC codes)
 * as runs beside them. Random sequence is 2 bits a base; zstd on the text reaches 2.47 bits at level 3
 * and 2.0 only at level 19, 100 x slower (measured on the reference of bench/genomes.sh's collection).
 */
import { ByteReader, ByteWriter } from "../../core/bytes.ts"
import { BASES, CODE } from "./kmers.ts"

export function packRef(s: Uint8Array): Uint8Array {
  const w = new ByteWriter(64 + (s.length >>> 2))
  w.uint(s.length)
  // runs of one non-ACGT byte: (gap since the previous run's end, length, byte)
  const runs = new ByteWriter()
  let count = 0, last = 0
  for (let j = 0; j < s.length;) {
    if (CODE[s[j]] < 4) {
      j++
      continue
    }
    const b = s[j]
    let e = j + 1
    while (e < s.length && s[e] === b) e++
    runs.uint(j - last).uint(e - j).byte(b)
    count++
    last = e
    j = e
  }
  w.uint(count).bytes(runs.view())
  const packed = new Uint8Array((s.length + 3) >>> 2)
  for (let j = 0; j < s.length; j++) {
    const c = CODE[s[j]]
    if (c < 4) packed[j >>> 2] |= c << ((j & 3) << 1)
  }
  return w.bytes(packed).take()
}

export function unpackRef(b: Uint8Array): Uint8Array {
  const r = new ByteReader(b)
  const n = r.uint()
  const runs: number[] = []
  for (let k = r.uint(); k > 0; k--) runs.push(r.uint(), r.uint(), r.byte())
  const packed = r.bytes((n + 3) >>> 2)
  const s = new Uint8Array(n)
  for (let j = 0; j < n; j++) s[j] = BASES[(packed[j >>> 2] >>> ((j & 3) << 1)) & 3]
  let at = 0
  for (let t = 0; t < runs.length; t += 3) {
    at += runs[t]
    if (at + runs[t + 1] > n) throw new RangeError("reference run past its end")
    s.fill(runs[t + 2], at, at + runs[t + 1])
    at += runs[t + 1]
  }
  return s
}
