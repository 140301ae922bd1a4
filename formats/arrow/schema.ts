/**
 * Arrow schemas as brook reads and writes them (Schema.fbs): the field types brook's streams use,
 * and the buffer layout of every type a foreign stream may carry beside them.
 */
import { type FbField, type FbField_Table, FbTable } from "./flatbuffers.ts"

export type ArrowType =
  | { readonly kind: "null" }
  | { readonly kind: "int"; readonly bits: number; readonly signed: boolean }
  | { readonly kind: "float"; readonly bits: 16 | 32 | 64 }
  | { readonly kind: "utf8" | "binary" | "largeUtf8" | "largeBinary" | "bool" | "struct" }
  | { readonly kind: "list" | "largeList" }
  | { readonly kind: "fixedSizeList"; readonly size: number }
  /** Fixed-width types brook does not interpret (dates, decimals, ...): `bytes` per value. */
  | { readonly kind: "fixed"; readonly name: string; readonly bytes: number }
  /** Types whose layout brook does not know (unions, views, run-end encoded, maps). */
  | { readonly kind: "unsupported"; readonly name: string }

export interface ArrowField {
  readonly name: string
  readonly nullable: boolean
  readonly type: ArrowType
  readonly children: readonly ArrowField[]
  /** Set when the field is dictionary-encoded (brook does not read those). */
  readonly dictionary?: boolean
}

export interface ArrowSchema {
  readonly fields: readonly ArrowField[]
  readonly metadata: ReadonlyMap<string, string>
}

// Type union ids (Schema.fbs)
const T = {
  Null: 1,
  Int: 2,
  FloatingPoint: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  Interval: 11,
  List: 12,
  Struct: 13,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20,
  LargeList: 21,
} as const
const TYPE_NAMES = [
  "NONE",
  "Null",
  "Int",
  "FloatingPoint",
  "Binary",
  "Utf8",
  "Bool",
  "Decimal",
  "Date",
  "Time",
  "Timestamp",
  "Interval",
  "List",
  "Struct",
  "Union",
  "FixedSizeBinary",
  "FixedSizeList",
  "Map",
  "Duration",
  "LargeBinary",
  "LargeUtf8",
  "LargeList",
  "RunEndEncoded",
  "BinaryView",
  "Utf8View",
  "ListView",
  "LargeListView",
]

export const int = (bits: number, signed: boolean): ArrowType => ({ kind: "int", bits, signed })
export const float32: ArrowType = { kind: "float", bits: 32 }
export const utf8: ArrowType = { kind: "utf8" }
export const field = (name: string, type: ArrowType, children: ArrowField[] = []): ArrowField => ({
  name,
  nullable: false,
  type,
  children,
})

/** A type as text, for error messages: "uint32", "fixed_size_list<float32>[384]". */
export function typeName(f: ArrowField): string {
  const t = f.type
  switch (t.kind) {
    case "int":
      return `${t.signed ? "" : "u"}int${t.bits}`
    case "float":
      return `float${t.bits}`
    case "list":
    case "largeList":
      return `${t.kind === "list" ? "list" : "large_list"}<${typeName(f.children[0])}>`
    case "fixedSizeList":
      return `fixed_size_list<${typeName(f.children[0])}>[${t.size}]`
    case "fixed":
    case "unsupported":
      return t.name
    default:
      return t.kind
  }
}

/** Buffers a field of this type has in a record batch (validity first), children not counted. */
export function bufferCount(t: ArrowType): number {
  switch (t.kind) {
    case "null":
      return 0
    case "utf8":
    case "binary":
    case "largeUtf8":
    case "largeBinary":
      return 3
    case "fixedSizeList":
    case "struct":
      return 1
    default:
      return 2
  }
}

export function decodeSchema(s: FbTable): ArrowSchema {
  const metadata = new Map<string, string>()
  for (const kv of s.tables(2)) metadata.set(kv.string(0) ?? "", kv.string(1) ?? "")
  return { fields: s.tables(1).map(decodeField), metadata }
}

function decodeField(f: FbTable): ArrowField {
  const field = {
    name: f.string(0) ?? "",
    nullable: f.bool(1),
    type: decodeType(f.u8(2), f.table(3)),
    children: f.tables(5).map(decodeField),
    dictionary: f.table(4) !== undefined || undefined,
  }
  const kind = field.type.kind
  if ((kind === "list" || kind === "largeList" || kind === "fixedSizeList") && field.children.length !== 1) {
    throw new Error(`${kind} field ${field.name} has ${field.children.length} children, not 1`)
  }
  return field
}

/** A size or width from a schema: a non-negative integer (`what` names it in the error). */
function size(n: number, what: string): number {
  if (!(Number.isSafeInteger(n) && n >= 0)) throw new Error(`${what} ${n}`)
  return n
}

function decodeType(id: number, type: FbTable | undefined): ArrowType {
  const name = TYPE_NAMES[id] ?? `type ${id}`
  const params = (): FbTable => {
    if (!type) throw new Error(`a ${name} field without its type table`)
    return type
  }
  switch (id) {
    case T.Null:
      return { kind: "null" }
    case T.Int: {
      const bits = params().i32(0)
      if (![8, 16, 32, 64].includes(bits)) throw new Error(`an integer of ${bits} bits`)
      return int(bits, params().bool(1))
    }
    case T.FloatingPoint: {
      const bits = ([16, 32, 64] as const)[params().i16(0)]
      if (bits === undefined) throw new Error(`floating point precision ${params().i16(0)}`)
      return { kind: "float", bits }
    }
    case T.Binary:
      return { kind: "binary" }
    case T.Utf8:
      return { kind: "utf8" }
    case T.LargeBinary:
      return { kind: "largeBinary" }
    case T.LargeUtf8:
      return { kind: "largeUtf8" }
    case T.Bool:
      return { kind: "bool" }
    case T.Struct:
      return { kind: "struct" }
    case T.List:
      return { kind: "list" }
    case T.LargeList:
      return { kind: "largeList" }
    case T.FixedSizeList:
      return { kind: "fixedSizeList", size: size(params().i32(0), "fixed_size_list of size") }
    case T.Decimal:
      return { kind: "fixed", name, bytes: size(params().i32(2, 128) / 8, "decimal of bytes") }
    case T.Date:
      return { kind: "fixed", name, bytes: params().i16(0, 1) === 0 ? 4 : 8 }
    case T.Time:
      return { kind: "fixed", name, bytes: size(params().i32(1, 32) / 8, "time of bytes") }
    case T.Timestamp:
    case T.Duration:
      return { kind: "fixed", name, bytes: 8 }
    case T.FixedSizeBinary:
      return { kind: "fixed", name, bytes: size(params().i32(0), "fixed_size_binary of bytes") }
    default:
      return { kind: "unsupported", name }
  }
}

export function encodeSchema(schema: ArrowSchema): FbField_Table {
  return [
    { t: "i16", v: 0 }, // little-endian
    { t: "tables", v: schema.fields.map(encodeField) },
    { t: "tables", v: [...schema.metadata].map(([k, v]) => [{ t: "string", v: k }, { t: "string", v }]) },
  ]
}

function encodeField(f: ArrowField): FbField_Table {
  const [id, body] = encodeType(f.type)
  return [
    { t: "string", v: f.name },
    { t: "bool", v: f.nullable ? 1 : 0 },
    { t: "u8", v: id },
    { t: "table", v: body },
    undefined,
    { t: "tables", v: f.children.map(encodeField) },
  ]
}

function encodeType(t: ArrowType): [number, FbField_Table] {
  const f = (...x: FbField[]) => x
  switch (t.kind) {
    case "int":
      return [T.Int, f({ t: "i32", v: t.bits }, { t: "bool", v: t.signed ? 1 : 0 })]
    case "float":
      return [T.FloatingPoint, f({ t: "i16", v: t.bits === 16 ? 0 : t.bits === 32 ? 1 : 2 })]
    case "utf8":
      return [T.Utf8, []]
    case "list":
      return [T.List, []]
    case "fixedSizeList":
      return [T.FixedSizeList, f({ t: "i32", v: t.size })]
    default:
      throw new TypeError(`brook does not write Arrow type ${t.kind}`)
  }
}
