/**
 * Attributes: the attribute message (versions 1-3) and, for objects with many attributes, dense storage (the
 * attribute info message names a fractal heap and a v2 B-tree of attribute names). Values stay raw bytes
 * here; the NetCDF layer decodes them.
 */
import { btree2Records } from "./btree_v2.ts"
import { type Dataspace, readDataspace } from "./dataspace.ts"
import { type Datatype, readDatatype } from "./datatype.ts"
import { readFractalHeap } from "./fractal_heap.ts"
import { type Ctx, Cursor, UNDEF } from "./io.ts"
import { MSG, type ObjectHeader } from "./object_header.ts"

export interface Attribute {
  readonly name: string
  readonly type: Datatype
  readonly space: Dataspace
  readonly data: Uint8Array
  /** File offset of the message, for errors. */
  readonly at: number
}

export function readAttribute(c: Cursor): Attribute {
  const at = c.at
  const version = c.u8()
  if (version < 1 || version > 3) c.fail(`attribute message version ${version}`)
  c.u8()
  const nameSize = c.u16()
  const typeSize = c.u16()
  const spaceSize = c.u16()
  if (version === 3) c.u8()
  const pad = (n: number) => (version === 1 ? (n + 7) & ~7 : n)
  const rawName = c.take(pad(nameSize))
  const end = rawName.indexOf(0)
  const name = new TextDecoder().decode(rawName.subarray(0, end < 0 ? nameSize : Math.min(end, nameSize)))
  const sub = (n: number) => {
    const s = new Cursor(c.src, c.at, c.take(pad(n)), c.what)
    s.offsetSize = c.offsetSize
    s.lengthSize = c.lengthSize
    return s
  }
  const type = readDatatype(sub(typeSize))
  const space = readDataspace(sub(spaceSize))
  const count = space.isNull ? 0 : space.dims.reduce((a, b) => a * b, 1)
  const bytes = count * type.size
  if (bytes > c.left) c.fail(`attribute ${name}: ${bytes} bytes of data, ${c.left} in the message`)
  return { name, type, space, data: c.take(bytes).slice(), at }
}

/** Every attribute of an object, compact or dense. */
export function attributes(ctx: Ctx, oh: ObjectHeader): Attribute[] {
  const out = oh.all(MSG.ATTRIBUTE).map((m) => readAttribute(m.body))
  const info = oh.one(MSG.ATTRIBUTE_INFO)
  if (info) {
    const c = info.body
    if (c.u8() !== 0) c.fail("attribute info version")
    const flags = c.u8()
    if (flags & 1) c.u16()
    const heap = c.addr()
    const names = c.addr()
    if (heap !== UNDEF && names !== UNDEF) {
      const h = readFractalHeap(ctx, heap)
      for (const rec of btree2Records(ctx, names).records) {
        const obj = h.object(rec.subarray(0, 8))
        const m = new Cursor(ctx.src, c.at, obj, `dense attribute of the object at ${oh.address}`)
        m.offsetSize = ctx.offsetSize
        m.lengthSize = ctx.lengthSize
        out.push(readAttribute(m))
      }
    }
  }
  return out
}
