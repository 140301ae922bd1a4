import { expect, test } from "bun:test"
import { GroupMembers, NO_BASE } from "../../../operators/segment_pack/members.ts"

const sig = (...h: number[]) => Int32Array.from(h).sort()

test("nearest: the member with the fewest differences, only when closer than the reference", () => {
  const m = new GroupMembers()
  m.add(sig(1, 2, 3), 1) // 0: a clade's mutations
  m.add(sig(1, 2, 3, 4), 2) // 1: the clade and one more
  m.add(sig(9), 1) // 2: another clade
  expect(m.nearest(sig(1, 2, 3, 4, 5), 4)).toBe(1) // 1 difference from member 1, 2 from member 0, 5 from the reference
  expect(m.nearest(sig(1, 2, 3, 4, 5), 2)).toBe(0) // member 1 is as deep as the bound allows
  expect(m.nearest(sig(7, 8), 4)).toBeUndefined() // nothing shared: the reference
  expect(m.nearest(sig(9, 10), 4)).toBe(2) // 1 difference from member 2, 2 from the reference
  expect(m.nearest(sig(9, 10, 11), 4)).toBe(2)
  expect(m.nearest(sig(1), 4)).toBeUndefined() // 2 differences from member 0, 1 from the reference
})

test("nearest: ties go to the shallowest, then the earliest; members encoded against related groups are never bases", () => {
  const m = new GroupMembers()
  m.add(sig(1, 2), 3)
  m.add(sig(1, 2), 1)
  m.add(sig(1, 2), 1)
  m.add(sig(), NO_BASE)
  expect(m.nearest(sig(1, 2, 3), 4)).toBe(1)
  expect(m.count).toBe(4)
})
