/**
 * An HDF5 file opened through a ByteSource: the superblock, the root group's header, attributes and members
 * (each member's object header read once, datasets parsed). Nested groups are listed but not entered.
 */
import type { ByteSource } from "../../core/byte_source.ts"
import { type Attribute, attributes } from "./attribute.ts"
import { type Dataset, isDataset, readDataset } from "./dataset.ts"
import { links } from "./group.ts"
import type { Ctx } from "./io.ts"
import { type ObjectHeader, readObjectHeader } from "./object_header.ts"
import { readSuperblock, type Superblock } from "./superblock.ts"

export interface Member {
  readonly name: string
  readonly address: number
  readonly header: ObjectHeader
  /** Set for datasets; groups and named datatypes have none. */
  readonly dataset?: Dataset
  readonly attrs: Attribute[]
}

export interface Hdf5File {
  readonly ctx: Ctx
  readonly superblock: Superblock
  readonly attrs: Attribute[]
  /** The root group's members, in creation order when tracked. */
  readonly members: Member[]
}

export function openHdf5(src: ByteSource): Hdf5File {
  const sb = readSuperblock(src)
  const root = readObjectHeader(sb, sb.root)
  const members = links(sb, root).map((l) => {
    const header = readObjectHeader(sb, l.address)
    return {
      name: l.name,
      address: l.address,
      header,
      dataset: isDataset(header) ? readDataset(sb, header, l.name) : undefined,
      attrs: attributes(sb, header),
    }
  })
  return { ctx: sb, superblock: sb, attrs: attributes(sb, root), members }
}
