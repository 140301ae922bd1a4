/**
 * Finds the embedding (vector) column and the id column in a Parquet schema, and the level
 * numbers needed to decode them.
 */
import type { FileMetaData, SchemaElement, SchemaTree } from "hyparquet"
import { parquetSchema } from "hyparquet"
import { InvalidInput } from "../../core/errors.ts"

/** One leaf column reached from a top-level field, with its level bounds. */
export interface LeafColumn {
  /** Name of the top-level field (what users pass as `column` / `idColumn`). */
  readonly name: string
  /** Path of the leaf from the root, as in the column chunk's path_in_schema. */
  readonly path: ReadonlyArray<string>
  /** Schema nodes from the root to the leaf (what hyparquet's decoders take). */
  readonly schemaPath: SchemaTree[]
  readonly element: SchemaElement
  readonly maxRepetition: number
  readonly maxDefinition: number
  /** Definition level at which a list entry exists (the repeated node is reached). */
  readonly entryDefinition: number
  /** Definition level of an empty list: every node above the repeated one is defined. */
  readonly emptyListDefinition: number
}

/** The schema as a tree (hyparquet), or a thrown Error when `num_children` does not add up. */
export function schemaTree(metadata: FileMetaData): SchemaTree {
  const tree = parquetSchema(metadata)
  if (tree.count !== metadata.schema.length) throw new Error("schema element counts do not add up")
  return tree
}

/** The single leaf under a top-level field and its levels, or undefined when it has several. */
export function leafOf(root: SchemaTree, field: SchemaTree): LeafColumn | undefined {
  const schemaPath = [root, field]
  let node = field
  while (node.children.length === 1) {
    node = node.children[0]
    schemaPath.push(node)
  }
  if (node.children.length > 0) return undefined
  let maxRepetition = 0
  let maxDefinition = 0
  let entryDefinition = 0
  let emptyListDefinition = 0
  for (const { element } of schemaPath.slice(1)) {
    if (element.repetition_type === "REPEATED") {
      maxRepetition++
      emptyListDefinition = maxDefinition
      entryDefinition = maxDefinition + 1
    }
    if (element.repetition_type !== "REQUIRED") maxDefinition++
  }
  return {
    name: field.element.name,
    path: node.path,
    schemaPath,
    element: node.element,
    maxRepetition,
    maxDefinition,
    entryDefinition,
    emptyListDefinition,
  }
}

/**
 * Bytes per value of a vector element type: FLOAT 4, DOUBLE 8, FLOAT16 (a FIXED_LEN_BYTE_ARRAY of 2
 * with the FLOAT16 logical type) 2; undefined for any other leaf.
 */
export function valueWidth(leaf: LeafColumn): 2 | 4 | 8 | undefined {
  const { type, type_length, logical_type } = leaf.element
  if (type === "FLOAT") return 4
  if (type === "DOUBLE") return 8
  if (type === "FIXED_LEN_BYTE_ARRAY" && type_length === 2 && logical_type?.type === "FLOAT16") return 2
  return undefined
}

/**
 * True for a list of FLOAT, DOUBLE or FLOAT16: one repeated node on the way to such a leaf.
 * Covers LIST<FLOAT>, LIST<DOUBLE>, LIST<FLOAT16>, DuckDB FLOAT[d] arrays (written as LIST) and legacy
 * two-level lists (`repeated float x`).
 */
export const isVectorLeaf = (leaf: LeafColumn): boolean => leaf.maxRepetition === 1 && valueWidth(leaf) !== undefined

/** Kind of id a flat (non-repeated) leaf gives, or undefined if it cannot be an id. */
export function idKindOf(leaf: LeafColumn): "string" | "integer" | undefined {
  if (leaf.maxRepetition !== 0) return undefined
  const { type } = leaf.element
  if (type === "BYTE_ARRAY") return "string"
  if (type === "INT32" || type === "INT64") return "integer"
  return undefined
}

/** Readable type of a top-level field, for error messages (e.g. "LIST<FLOAT>", "BYTE_ARRAY"). */
export function describeField(root: SchemaTree, field: SchemaTree): string {
  const leaf = leafOf(root, field)
  if (!leaf) return "group"
  const type = leaf.element.logical_type?.type === "FLOAT16" ? "FLOAT16" : leaf.element.type ?? "?"
  return leaf.maxRepetition === 0
    ? type
    : `${"LIST<".repeat(leaf.maxRepetition)}${type}${">".repeat(leaf.maxRepetition)}`
}

/** The vector column: `name`, or the first LIST<FLOAT> / LIST<DOUBLE> / LIST<FLOAT16> column. */
export function vectorColumn(file: string, root: SchemaTree, name: string | undefined): LeafColumn {
  const fields = root.children
  if (name !== undefined) {
    const field = fields.find((f) => f.element.name === name)
    if (!field) throw new InvalidInput({ file, reason: `no vector column "${name}"; columns: ${listColumns(root)}` })
    const leaf = leafOf(root, field)
    if (!leaf || !isVectorLeaf(leaf)) {
      throw new InvalidInput({
        file,
        reason: `column "${name}" is ${describeField(root, field)}, not a list of FLOAT, DOUBLE or FLOAT16; columns: ${
          listColumns(root)
        }`,
      })
    }
    return leaf
  }
  for (const field of fields) {
    const leaf = leafOf(root, field)
    if (leaf && isVectorLeaf(leaf)) return leaf
  }
  throw new InvalidInput({
    file,
    reason: `no LIST<FLOAT>, LIST<DOUBLE> or LIST<FLOAT16> vector column; columns: ${listColumns(root)}`,
  })
}

/** The id column: `name`, or a column "id" of strings or integers when there is one; `null`: none. */
export function idColumn(
  file: string,
  root: SchemaTree,
  name: string | null | undefined,
): { leaf: LeafColumn; kind: "string" | "integer" } | undefined {
  if (name === null) return undefined
  const field = root.children.find((f) => f.element.name === (name ?? "id"))
  const leaf = field && leafOf(root, field)
  const kind = leaf && idKindOf(leaf)
  if (leaf && kind) return { leaf, kind }
  if (name === undefined) return undefined // no usable "id" column: no ids
  if (!field) throw new InvalidInput({ file, reason: `no id column "${name}"; columns: ${listColumns(root)}` })
  throw new InvalidInput({
    file,
    reason: `id column "${name}" is ${describeField(root, field)}; ids must be strings (BYTE_ARRAY) or INT32/INT64`,
  })
}

const listColumns = (root: SchemaTree) =>
  root.children.map((f) => `${f.element.name} (${describeField(root, f)})`).join(", ") || "none"
