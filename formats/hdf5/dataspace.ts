/** The dataspace message (versions 1 and 2): a scalar, null or simple shape, and which dimensions are unlimited. */
import { type Cursor, UNDEF } from "./io.ts"

export interface Dataspace {
  readonly dims: number[]
  /** Maximum sizes; UNDEF for an unlimited dimension. */
  readonly maxDims: number[]
  /** A null dataspace holds no element (a scalar holds one). */
  readonly isNull: boolean
}

/** Most dimensions a dataspace has (the library's own limit). */
const MAX_RANK = 32

export function readDataspace(c: Cursor): Dataspace {
  const version = c.u8()
  const rank = c.u8()
  const flags = c.u8()
  let type = 1
  if (version === 1) c.skip(5)
  else if (version === 2) type = c.u8()
  else c.fail(`dataspace version ${version}`)
  if (rank > MAX_RANK) c.fail(`dataspace of ${rank} dimensions`)
  const dims = Array.from({ length: rank }, () => c.len())
  if (dims.some((d) => d === UNDEF)) c.fail("a dimension of undefined size")
  if (!Number.isSafeInteger(dims.reduce((a, b) => a * b, 1))) c.fail(`dataspace of ${dims.join(" x ")} elements`)
  const maxDims = flags & 1 ? Array.from({ length: rank }, () => c.len()) : dims.slice()
  if (maxDims.some((m, d) => m !== UNDEF && m < dims[d])) c.fail(`dimensions ${dims.join(" x ")} past their maximum sizes`)
  return { dims, maxDims, isNull: version === 2 && type === 2 }
}

/** Elements in a dataspace. */
export function elements(s: Dataspace): number {
  return s.isNull ? 0 : s.dims.reduce((a, b) => a * b, 1)
}
