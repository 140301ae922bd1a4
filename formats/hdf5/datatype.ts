/**
 * The datatype message: the classes NetCDF-4 uses (fixed-point, floating-point of either byte order, fixed
 * strings, variable-length strings and sequences, references), and the NetCDF type each numeric one reads as.
 */
import type { NcType } from "../netcdf/types.ts"
import type { Cursor } from "./io.ts"

export type Datatype =
  | { readonly kind: "int"; readonly size: number; readonly signed: boolean; readonly bigEndian: boolean }
  | { readonly kind: "float"; readonly size: number; readonly bigEndian: boolean }
  | { readonly kind: "string"; readonly size: number }
  | { readonly kind: "vlen"; readonly size: number; readonly string: boolean; readonly base?: Datatype }
  | { readonly kind: "reference"; readonly size: number }
  | { readonly kind: "other"; readonly size: number; readonly class: number }

export function readDatatype(c: Cursor, depth = 0): Datatype {
  const b0 = c.u8()
  const cls = b0 & 15
  const bits = c.u8() | (c.u8() << 8) | (c.u8() << 16)
  const size = c.u32()
  if (depth > 8) c.fail("datatypes nested too deep")
  switch (cls) {
    case 0:
      c.skip(4)
      return { kind: "int", size, signed: (bits & 8) !== 0, bigEndian: (bits & 1) !== 0 }
    case 1:
      if (bits & 0x40) c.fail("VAX floating-point order")
      c.skip(12)
      return { kind: "float", size, bigEndian: (bits & 1) !== 0 }
    case 3:
      return { kind: "string", size }
    case 7:
      return { kind: "reference", size }
    case 9: {
      const string = (bits & 15) === 1
      return { kind: "vlen", size, string, base: c.left >= 8 ? readDatatype(c, depth + 1) : undefined }
    }
    default:
      return { kind: "other", size, class: cls }
  }
}

/** The NetCDF type values of `t` read as, or undefined for types brook does not read as numbers. */
export function ncTypeOf(t: Datatype): NcType | undefined {
  if (t.kind === "int") {
    const s: Record<number, [NcType, NcType]> = {
      1: ["byte", "ubyte"],
      2: ["short", "ushort"],
      4: ["int", "uint"],
      8: ["int64", "uint64"],
    }
    return s[t.size]?.[t.signed ? 0 : 1]
  }
  if (t.kind === "float") return t.size === 4 ? "float" : t.size === 8 ? "double" : undefined
  if (t.kind === "string" && t.size === 1) return "char"
  return undefined
}
