/**
 * Repetition and definition levels of a data page. v1 pages hold them as length-prefixed RLE
 * sections at the start of the (decompressed) page; v2 pages as sections whose lengths are in the
 * page header. `levelSections` finds them, `LevelDecoder` decodes them into reusable arrays.
 */
import { bitWidth, decodeHybrid } from "./hybrid.ts"
import type { DataPage } from "./pages.ts"
import type { LeafColumn } from "./schema.ts"

/** Byte ranges of the level sections in `page.bytes` and where the values start. */
export interface LevelSections {
  readonly repetitionStart: number
  readonly repetitionEnd: number
  readonly definitionStart: number
  readonly definitionEnd: number
  readonly valuesStart: number
}

/**
 * Finds the level sections of a page. A column with max level 0 has an empty section. Throws a
 * plain Error when a v1 length prefix is missing, unless `bytes` is only a `prefix` of the page:
 * then sections can end past it, and one whose length is not in it starts at Infinity.
 */
export function levelSections(
  page: Pick<DataPage, "v2" | "repetitionBytes" | "definitionBytes">,
  bytes: Uint8Array,
  leaf: Pick<LeafColumn, "maxRepetition" | "maxDefinition">,
  prefix = false,
): LevelSections {
  if (page.v2) {
    const definitionStart = page.repetitionBytes
    const valuesStart = definitionStart + page.definitionBytes
    return {
      repetitionStart: 0,
      repetitionEnd: definitionStart,
      definitionStart,
      definitionEnd: valuesStart,
      valuesStart,
    }
  }
  let pos = 0
  const section = (max: number) => {
    if (max === 0) return [pos, pos]
    if (pos + 4 > bytes.length) {
      if (!prefix) throw new Error("levels length runs past the page")
      pos = Infinity
      return [pos, pos]
    }
    const length = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24)) >>> 0
    pos += 4 + length
    return [pos - length, pos]
  }
  const [repetitionStart, repetitionEnd] = section(leaf.maxRepetition)
  const [definitionStart, definitionEnd] = section(leaf.maxDefinition)
  return { repetitionStart, repetitionEnd, definitionStart, definitionEnd, valuesStart: pos }
}

/** Levels of one page; the arrays are scratch views valid until the next decode. */
export interface PageLevels {
  readonly repetition: Uint8Array
  readonly definition: Uint8Array
  /** Offset in `page.bytes` where the values start. */
  readonly valuesStart: number
}

/** Decodes levels page after page, reusing its buffers. Throws plain Errors on bad bytes. */
export class LevelDecoder {
  private rep = new Uint8Array(0)
  private def = new Uint8Array(0)

  constructor(private readonly leaf: LeafColumn) {}

  decode(page: DataPage): PageLevels {
    const n = page.numValues
    if (!(n >= 0)) throw new Error(`negative value count ${n}`)
    if (this.rep.length < n) {
      this.rep = new Uint8Array(n)
      this.def = new Uint8Array(n)
    }
    const repetition = this.rep.subarray(0, n)
    const definition = this.def.subarray(0, n)
    const { bytes } = page
    const s = levelSections(page, bytes, this.leaf)
    if (s.valuesStart > bytes.length) throw new Error(`levels (${s.valuesStart} bytes) run past the page`)
    const { maxRepetition, maxDefinition } = this.leaf
    decodeHybrid(bytes, s.repetitionStart, s.repetitionEnd, bitWidth(maxRepetition), repetition, n)
    decodeHybrid(bytes, s.definitionStart, s.definitionEnd, bitWidth(maxDefinition), definition, n)
    return { repetition, definition, valuesStart: s.valuesStart }
  }
}
