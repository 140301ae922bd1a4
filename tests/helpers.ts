/** Small builders shared by the suites: .npy files, temp dirs, deterministic vectors. */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export function tempDir(prefix = "brook-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Writes a .npy file (C order, little-endian) with header `version` 1, 2 or 3. */
export function writeNpy(
  file: string,
  rows: number,
  dim: number,
  values: ArrayLike<number>,
  dtype: "<f4" | "<f8" | ">f4" = "<f4",
  version = 1,
  fortran = false,
): void {
  const dict = `{'descr': '${dtype}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${rows}, ${dim}), }`
  const pre = version === 1 ? 10 : 12
  let header = dict
  while ((pre + header.length + 1) % 64 !== 0) header += " "
  header += "\n"
  const head = new Uint8Array(pre + header.length)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
  const view = new DataView(head.buffer)
  if (version === 1) view.setUint16(8, header.length, true)
  else view.setUint32(8, header.length, true)
  head.set(new TextEncoder().encode(header), pre)
  const body = dtype === "<f8" ? new Float64Array(values) : new Float32Array(values)
  fs.writeFileSync(file, Buffer.concat([head, new Uint8Array(body.buffer)]))
}

/** Deterministic pseudo-random values in [-0.5, 0.5). */
export function randomValues(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count)
  let s = seed >>> 0 || 1
  for (let k = 0; k < count; k++) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5
    out[k] = (s >>> 0) / 2 ** 32 - 0.5
  }
  return out
}

export const lines = (file: string): string[] => fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0)
