/**
 * Generates the WebAssembly text of the cosine tile kernels, in three variants:
 * - "int8": rows quantised to int8 (|q| <= 63), multiplied by i16x8.relaxed_dot_i8x16_i7x16_s (one
 *   pmaddubsw: 16 multiply-adds) into 16-bit accumulators, run in chunks of dims: each row's scale also
 *   keeps |q| <= 181 over every chunk, so by Cauchy-Schwarz every partial sum of |q_a,k q_b,k| within a
 *   chunk is below 2^15 and the chunk's 16-bit dot is exact; chunk dots are widened into 32-bit sums.
 *   A block is screened against the exact threshold less the two tiles' largest bound on the quantisation
 *   error; in a block that passes, each score gets its own pair's bound added (from per-row norms and
 *   residuals) and is compared with the exact threshold,
 * - "relaxed": f32x4.relaxed_madd (one FMA per lane where the CPU has it),
 * - "simd": f32x4.mul + f32x4.add (plain SIMD128).
 *
 * Float layout: rows are packed in panels of 8 rows, k-major: element (row 8p + r, dim k) is the f32 at
 * panel p's base + (k * 8 + r) * 4; a 4 x 8 register block (4 rows of A as splats, 8 rows of B as two
 * vectors, 8 accumulators) runs down k. Int8 layout: panels of 16 rows, dims in pairs, each byte
 * u = q + 64 (1 .. 127: the relaxed dot's 7-bit operand); the byte of (row 16p + r, dim k) is at
 * p * 16 * dpad + (k / 2) * 32 + (r / 8) * 16 + (r % 8) * 2 + k % 2, so one pair of dims of 16 B rows is
 * two vectors. The worker expands each A tile back to signed q, every (row, pair) a whole vector of that
 * pair repeated, with 64 * sum(q) per chunk as the correction: a 4 x 16 block with no
 * shuffles in the loop. Blocks where no lane passes the screen threshold cost one test; lanes that pass
 * are recomputed exactly (four float32 partial sums, multiply then add, no FMA: deterministic on every
 * runtime) and only pairs whose exact score passes leave the kernel, as three columns (i, j, score).
 */
export type KernelVariant = "relaxed" | "simd" | "int8"

const acc = (n: number) => `$acc${n}`
const eight = [...Array(8).keys()]

/** The parts in which the variants differ; the group/panel loop, screen and emission are shared. */
interface Variant {
  readonly name: string
  readonly params: string
  readonly locals: string
  readonly prologue: string
  /** Rows of B per register block (and per panel of the screened layout): 8 or 16. */
  readonly cols: 8 | 16
  /** Per A group: $pa0 (first A byte of the group in the screened layout) and any per-group pointers. */
  readonly group: string
  /** Bytes of one panel in the screened layout, and of one A group's run down k. */
  readonly panel: string
  readonly groupBytes: string
  /** Per loop step: loads into $b0 $b1 and the 4 x 2 accumulations. */
  readonly step: string
  /** The whole run down k, when the default (zero, then one loop of `step`) does not fit. */
  readonly body?: string
  /** Bytes $pa and $pb advance per step (default 32). */
  readonly strideA?: number
  readonly strideB?: number
  /** After k: scores of the block's lanes at state+16 (row-major, `cols` per row) and $hit = any passes. */
  readonly finish: string
  /** The threshold emit tests the stored scores against (default $thrScreen). */
  readonly emitThreshold?: string
  /** Float panel addresses of the block's first A row and B row, for the exact recompute. */
  readonly floatA: string
  readonly floatB: string
  /** Bytes of one float panel (8 rows). */
  readonly floatPanel: string
  /** Further functions of the module. */
  readonly extra?: string
}

export function cosineWat(variant: KernelVariant): string {
  const v = variant === "int8" ? int8Variant() : floatVariant(variant)
  return `(module
  (import "env" "memory" (memory 1 65536 shared))
${exact()}${emit(v.cols)}${screen(v)})
`
}

function floatVariant(variant: "relaxed" | "simd"): Variant {
  const madd = (a: string, b: string) =>
    variant === "relaxed"
      ? `(local.set ${a} (f32x4.relaxed_madd (local.get $va) (local.get ${b}) (local.get ${a})))`
      : `(local.set ${a} (f32x4.add (local.get ${a}) (f32x4.mul (local.get $va) (local.get ${b}))))`
  const over = eight.map((n) => `(f32x4.gt (local.get ${acc(n)}) (local.get $thr))`)
  const spill = eight.map((n) => `(v128.store offset=${16 + n * 16} (local.get $state) (local.get ${acc(n)}))`)
    .join("\n              ")
  return {
    name: "screen",
    params: `(param $a i32) (param $aRow0 i32) (param $aRows i32)
    (param $b i32) (param $bRow0 i32) (param $bRows i32)
    (param $d i32) (param $thrScreen f32) (param $thrExact f32) (param $diag i32)`,
    locals: "",
    prologue: "(local.set $panel (i32.shl (local.get $d) (i32.const 5)))",
    cols: 8,
    group:
      `(local.set $pa0 (i32.add (i32.add (local.get $a) (i32.mul (i32.shr_u (local.get $g) (i32.const 1)) (local.get $panel)))
                                 (i32.shl (i32.and (local.get $g) (i32.const 1)) (i32.const 4))))`,
    panel: "$panel",
    groupBytes: "(local.get $panel)",
    step: `
              (local.set $b0 (v128.load (local.get $pb)))
              (local.set $b1 (v128.load offset=16 (local.get $pb)))` + [0, 1, 2, 3].map((r) => `
              (local.set $va (v128.load32_splat offset=${r * 4} (local.get $pa)))
              ${madd(acc(2 * r), "$b0")}
              ${madd(acc(2 * r + 1), "$b1")}`).join(""),
    finish: `
            (local.set $hit (v128.any_true ${over.slice(1).reduce((e, m) => `(v128.or ${e} ${m})`, over[0])}))
            (if (local.get $hit)
              (then
              ${spill}))`,
    floatA: "(local.get $pa0)",
    floatB: "(local.get $pb0)",
    floatPanel: "(local.get $panel)",
  }
}

function int8Variant(): Variant {
  // B rows are stored as u = q + 64 (1 .. 127, the 7-bit operand), A is expanded back to signed q: lane j of
  // acc holds q_a . (q_b + 64) = q_a . q_b + 64 * sum(q_a) over the chunk (mod 2^16), one correction per A row
  const dot = (a: string, b: string) =>
    `(local.set ${a} (i16x8.add (local.get ${a}) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $va) (local.get ${b}))))`
  // two pairs of dims per step (dims padded to 8)
  const step = (pair: number) =>
    `
                (local.set $b0 (v128.load offset=${pair * 32} (local.get $pb)))
                (local.set $b1 (v128.load offset=${pair * 32 + 16} (local.get $pb)))` +
    [0, 1, 2, 3].map((r) => `
                (local.set $va (v128.load offset=${pair * 64 + r * 16} (local.get $pa)))
                ${dot(acc(2 * r), "$b0")}
                ${dot(acc(2 * r + 1), "$b1")}`).join("")
  const zero16 = eight.map((n) => `(local.set ${acc(n)} (v128.const i32x4 0 0 0 0))`).join("\n              ")
  // i32 sums of lane (r, c) at state + 16 + (16 r + c) * 4, turned into scores in place at the end
  const at = (r: number, h: number, q: number) => 16 + (16 * r + 8 * h + 4 * q) * 4
  const clear = [0, 1, 2, 3].flatMap((r) => [0, 1].flatMap((h) => [0, 1].map((q) => at(r, h, q))))
    .map((o) => `(v128.store offset=${o} (local.get $state) (v128.const i32x4 0 0 0 0))`).join("\n            ")
  // end of a chunk: the exact chunk dot in 16 bits (acc - 64 * sum(q_a)), widened into the i32 sums
  const flush = [0, 1, 2, 3].map((r) =>
    `
              (local.set $x4 (v128.load offset=${r * 16} (local.get $cp)))` + [0, 1].map((h) =>
      `
              (local.set $va (i16x8.sub (local.get ${acc(2 * r + h)}) (local.get $x4)))` +
      ["low", "high"].map((half, q) => `
              (v128.store offset=${at(r, h, q)} (local.get $state)
                (i32x4.add (v128.load offset=${
        at(r, h, q)
      } (local.get $state)) (i32x4.extend_${half}_i16x8_s (local.get $va))))`)
        .join("")
    ).join("")
  ).join("")
  const body = `
            ${clear}
            (local.set $cp (local.get $cg))
            (loop $chunks
              (local.set $chunkEnd (i32.add (local.get $pa) (local.get $chunkA)))
              (if (i32.gt_u (local.get $chunkEnd) (local.get $paEnd)) (then (local.set $chunkEnd (local.get $paEnd))))
              ${zero16}
              (loop $k${step(0)}${step(1)}
                (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
                (local.set $pa (i32.add (local.get $pa) (i32.const 128)))
                (br_if $k (i32.lt_u (local.get $pa) (local.get $chunkEnd))))${flush}
              (local.set $cp (i32.add (local.get $cp) (i32.const 64)))
              (br_if $chunks (i32.lt_u (local.get $pa) (local.get $paEnd))))`
  // scores = sums * inv_a * inv_b, tested against $thrScreen: the exact threshold less the largest bound on
  // the quantisation error over the two tiles (from the caller)
  const scale = (r: number) =>
    [0, 1].map((h) =>
      [0, 1].map((q) => `
            (local.set $x4 (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (v128.load offset=${
        at(r, h, q)
      } (local.get $state)))
              (local.get $sc)) (local.get $ib${2 * h + q})))
            (v128.store offset=${at(r, h, q)} (local.get $state) (local.get $x4))
            (local.set $over (v128.or (local.get $over) (f32x4.gt (local.get $x4) (local.get $thr))))`).join("")
    ).join("")
  // only for a block that passes: each score plus its own pair's bound, npr_a * r_b + r_a * npr_b + 1e-5
  // (npr = |x'| + |e|, r = |e| per row), tested against the exact threshold; emit tests the same
  const tighten = (r: number) =>
    `
                (local.set $ra (f32x4.splat (f32.load offset=${r * 4} (i32.add (local.get $ia) (local.get $tA)))))
                (local.set $na (f32x4.splat (f32.load offset=${
      r * 4
    } (i32.add (local.get $ia) (i32.shl (local.get $tA) (i32.const 1))))))` +
    [0, 1].map((h) =>
      [0, 1].map((q) => `
                (local.set $x4 (f32x4.add (v128.load offset=${
        at(r, h, q)
      } (local.get $state)) (f32x4.add (local.get $slack)
                  (f32x4.add (f32x4.mul (local.get $na) (v128.load offset=${
        (2 * h + q) * 16
      } (i32.add (local.get $ibp) (local.get $tB))))
                             (f32x4.mul (local.get $ra) (v128.load offset=${
        (2 * h + q) * 16
      } (i32.add (local.get $ibp) (i32.shl (local.get $tB) (i32.const 1)))))))))
                (v128.store offset=${at(r, h, q)} (local.get $state) (local.get $x4))
                (local.set $over (v128.or (local.get $over) (f32x4.gt (local.get $x4) (local.get $thrX))))`).join("")
    ).join("")
  return {
    name: "screen8",
    params:
      `(param $a8 i32) (param $fa i32) (param $invA i32) (param $tA i32) (param $corr i32) (param $aRow0 i32) (param $aRows i32)
    (param $b8 i32) (param $fb i32) (param $invB i32) (param $tB i32) (param $bRow0 i32) (param $bRows i32)
    (param $d i32) (param $dpad i32) (param $chunkPairs i32) (param $thrScreen f32) (param $thrExact f32) (param $diag i32)`,
    locals: `(local $panelF i32) (local $ia i32) (local $ibp i32) (local $cg i32) (local $cp i32) (local $chunkA i32)
    (local $chunkEnd i32) (local $chunkGroup i32)
    (local $sc v128) (local $ib0 v128) (local $ib1 v128) (local $ib2 v128) (local $ib3 v128) (local $x4 v128) (local $over v128)
    (local $na v128) (local $ra v128) (local $slack v128) (local $thrX v128)`,
    prologue: `(local.set $panel (i32.shl (local.get $dpad) (i32.const 4)))
    (local.set $panelF (i32.shl (local.get $d) (i32.const 5)))
    (local.set $slack (f32x4.splat (f32.const 1e-5)))
    (local.set $thrX (f32x4.splat (local.get $thrExact)))
    (local.set $chunkA (i32.shl (local.get $chunkPairs) (i32.const 6)))
    ;; bytes of corrections per A group: 64 per chunk
    (local.set $chunkGroup (i32.shl (i32.div_u (i32.add (i32.shr_u (local.get $dpad) (i32.const 1)) (i32.sub (local.get $chunkPairs) (i32.const 1)))
                                               (local.get $chunkPairs)) (i32.const 6)))`,
    cols: 16,
    group:
      `(local.set $pa0 (i32.add (local.get $a8) (i32.mul (local.get $g) (i32.shl (local.get $dpad) (i32.const 5)))))
        (local.set $ia (i32.add (local.get $invA) (i32.shl (local.get $g) (i32.const 4))))
        (local.set $cg (i32.add (local.get $corr) (i32.mul (local.get $g) (local.get $chunkGroup))))`,
    panel: "$panel",
    groupBytes: "(i32.shl (local.get $dpad) (i32.const 5))",
    step: "",
    body,
    finish: `
            (local.set $ibp (i32.add (local.get $invB) (i32.shl (local.get $p) (i32.const 6))))
            (local.set $ib0 (v128.load (local.get $ibp)))
            (local.set $ib1 (v128.load offset=16 (local.get $ibp)))
            (local.set $ib2 (v128.load offset=32 (local.get $ibp)))
            (local.set $ib3 (v128.load offset=48 (local.get $ibp)))
            (local.set $over (v128.const i32x4 0 0 0 0))` +
      [0, 1, 2, 3].map((r) => `
            (local.set $sc (f32x4.splat (f32.load offset=${r * 4} (local.get $ia))))${scale(r)}`).join("") + `
            (if (v128.any_true (local.get $over))
              (then
                (local.set $over (v128.const i32x4 0 0 0 0))${[0, 1, 2, 3].map(tighten).join("")}))
            (local.set $hit (v128.any_true (local.get $over)))`,
    emitThreshold: "(local.get $thrExact)",
    floatA: `(i32.add (i32.add (local.get $fa) (i32.mul (i32.shr_u (local.get $g) (i32.const 1)) (local.get $panelF)))
                           (i32.shl (i32.and (local.get $g) (i32.const 1)) (i32.const 4)))`,
    floatB: "(i32.add (local.get $fb) (i32.mul (i32.shl (local.get $p) (i32.const 1)) (local.get $panelF)))",
    floatPanel: "(local.get $panelF)",
    extra: `
  ;; Expands the int8 A tile at $src (16-row panels of u = q + 64, $rows rows rounded up to groups of 4)
  ;; for the screen: group g's pair t of row r becomes 16 bytes at $dst + g * 32 * dpad + t * 64 + r * 16,
  ;; the pair's two q repeated eight times; and writes, for every chunk of $chunkPairs pairs, the i16
  ;; splat of 64 * sum(q) over the chunk at $corr + (g * chunks + c) * 64 + r * 16.
  (func (export "expand_a") (param $src i32) (param $rows i32) (param $dst i32) (param $dpad i32)
                             (param $corr i32) (param $chunkPairs i32)
    (local $row i32) (local $t i32) (local $pairs i32) (local $from i32) (local $to i32) (local $off v128)
    (local $chunks i32) (local $sum i32) (local $c i32) (local $left i32)
    (local.set $off (i8x16.splat (i32.const 64)))
    (local.set $pairs (i32.shr_u (local.get $dpad) (i32.const 1)))
    (local.set $chunks (i32.div_u (i32.add (local.get $pairs) (i32.sub (local.get $chunkPairs) (i32.const 1))) (local.get $chunkPairs)))
    (local.set $rows (i32.and (i32.add (local.get $rows) (i32.const 3)) (i32.const -4)))
    (block $done
      (br_if $done (i32.eqz (local.get $rows)))
      (loop $row
        (local.set $from (i32.add (local.get $src)
          (i32.add (i32.mul (i32.shr_u (local.get $row) (i32.const 4)) (i32.shl (local.get $dpad) (i32.const 4)))
                   (i32.add (i32.shl (i32.and (i32.shr_u (local.get $row) (i32.const 3)) (i32.const 1)) (i32.const 4))
                            (i32.shl (i32.and (local.get $row) (i32.const 7)) (i32.const 1))))))
        (local.set $to (i32.add (local.get $dst)
          (i32.add (i32.mul (i32.shr_u (local.get $row) (i32.const 2)) (i32.shl (local.get $dpad) (i32.const 5)))
                   (i32.shl (i32.and (local.get $row) (i32.const 3)) (i32.const 4)))))
        (local.set $t (i32.const 0))
        (local.set $c (i32.const 0))
        (local.set $sum (i32.const 0))
        (local.set $left (local.get $chunkPairs))
        (loop $pair
          (v128.store (local.get $to) (i8x16.sub (v128.load16_splat (local.get $from)) (local.get $off)))
          (local.set $sum (i32.add (local.get $sum)
            (i32.sub (i32.add (i32.load8_u (local.get $from)) (i32.load8_u offset=1 (local.get $from))) (i32.const 128))))
          (local.set $from (i32.add (local.get $from) (i32.const 32)))
          (local.set $to (i32.add (local.get $to) (i32.const 64)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (local.set $left (i32.sub (local.get $left) (i32.const 1)))
          (if (i32.or (i32.eqz (local.get $left)) (i32.eq (local.get $t) (local.get $pairs)))
            (then
              (v128.store (i32.add (local.get $corr)
                (i32.add (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $row) (i32.const 2)) (local.get $chunks)) (local.get $c)) (i32.const 6))
                         (i32.shl (i32.and (local.get $row) (i32.const 3)) (i32.const 4))))
                (i16x8.splat (i32.shl (local.get $sum) (i32.const 6))))
              (local.set $sum (i32.const 0))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (local.set $left (local.get $chunkPairs))))
          (br_if $pair (i32.lt_u (local.get $t) (local.get $pairs))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $row) (local.get $rows))))))
`,
  }
}

/** The screen function: A groups of 4 rows x B panels of `cols` rows, resumable when the output fills. */
function screen(v: Variant): string {
  const lanes = 4 * v.cols
  const shift = v.cols === 16 ? 4 : 3
  const zero = eight.map((n) => `(local.set ${acc(n)} (v128.const i32x4 0 0 0 0))`).join("\n            ")
  return `
  ;; Screens rows [aRow0, aRow0+aRows) of A against [bRow0, bRow0+bRows) of B.
  ;; state[0], state[1]: the A group (4 rows) and B panel to resume at; state+16: ${lanes * 4} bytes of scratch.
  ;; Returns the pairs written at $out (columns i, j, s of capacity $cap); stops early when fewer than
  ;; ${lanes} slots are left, with state[0] < ceil(aRows / 4) telling the caller to drain and call again.
  (func (export "${v.name}")
    ${v.params}
    (param $out i32) (param $cap i32) (param $state i32)
    (result i32)
    (local $g i32) (local $p i32) (local $nG i32) (local $nP i32) (local $panel i32) (local $hit i32)
    (local $pa i32) (local $pb i32) (local $paEnd i32) (local $pa0 i32) (local $pb0 i32)
    (local $count i32) (local $x i32) (local $thr v128) (local $va v128) (local $b0 v128) (local $b1 v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $acc4 v128) (local $acc5 v128) (local $acc6 v128) (local $acc7 v128) ${v.locals}
    (local.set $thr (f32x4.splat (local.get $thrScreen)))
    ${v.prologue}
    (local.set $nG (i32.shr_u (i32.add (local.get $aRows) (i32.const 3)) (i32.const 2)))
    (local.set $nP (i32.shr_u (i32.add (local.get $bRows) (i32.const ${v.cols - 1})) (i32.const ${shift})))
    (local.set $g (i32.load (local.get $state)))
    (local.set $p (i32.load offset=4 (local.get $state)))
    (block $finished
      (br_if $finished (i32.ge_u (local.get $g) (local.get $nG)))
      (br_if $finished (i32.eqz (local.get $d)))
      (loop $groups
        ${v.group}
        ;; upper triangle: skip B panels whose every j <= the group's first i
        (if (local.get $diag)
          (then
            (local.set $x (i32.add (i32.sub (i32.add (local.get $aRow0) (i32.shl (local.get $g) (i32.const 2))) (local.get $bRow0)) (i32.const 1)))
            (if (i32.gt_s (local.get $x) (i32.const 0))
              (then
                (if (i32.gt_s (i32.shr_s (local.get $x) (i32.const ${shift})) (local.get $p))
                  (then (local.set $p (i32.shr_s (local.get $x) (i32.const ${shift})))))))))
        (block $panelsDone
          (br_if $panelsDone (i32.ge_u (local.get $p) (local.get $nP)))
          (loop $panels
            (local.set $pb0 (i32.add (local.get ${
    v.name === "screen" ? "$b" : "$b8"
  }) (i32.mul (local.get $p) (local.get ${v.panel}))))
            (local.set $pa (local.get $pa0))
            (local.set $pb (local.get $pb0))
            (local.set $paEnd (i32.add (local.get $pa0) ${v.groupBytes}))
            ${
    v.body ?? `${zero}
            (loop $k${v.step}
              (local.set $pb (i32.add (local.get $pb) (i32.const ${v.strideB ?? 32})))
              (local.set $pa (i32.add (local.get $pa) (i32.const ${v.strideA ?? 32})))
              (br_if $k (i32.lt_u (local.get $pa) (local.get $paEnd))))`
  }${v.finish}
            (if (local.get $hit)
              (then
                (local.set $count (call $emit (local.get $state) ${v.floatA} ${v.floatB} ${v.floatPanel}
                  (i32.add (local.get $aRow0) (i32.shl (local.get $g) (i32.const 2)))
                  (i32.add (local.get $bRow0) (i32.shl (local.get $p) (i32.const ${shift})))
                  (i32.sub (local.get $aRows) (i32.shl (local.get $g) (i32.const 2)))
                  (i32.sub (local.get $bRows) (i32.shl (local.get $p) (i32.const ${shift})))
                  (local.get $diag) (local.get $d) ${v.emitThreshold ?? "(local.get $thrScreen)"} (local.get $thrExact)
                  (local.get $out) (local.get $cap) (local.get $count)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (if (i32.gt_u (i32.add (local.get $count) (i32.const ${lanes})) (local.get $cap))
              (then
                (if (i32.ge_u (local.get $p) (local.get $nP))
                  (then (local.set $p (i32.const 0)) (local.set $g (i32.add (local.get $g) (i32.const 1)))))
                (i32.store (local.get $state) (local.get $g))
                (i32.store offset=4 (local.get $state) (local.get $p))
                (return (local.get $count))))
            (br_if $panels (i32.lt_u (local.get $p) (local.get $nP)))))
        (local.set $p (i32.const 0))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br_if $groups (i32.lt_u (local.get $g) (local.get $nG)))))
    (i32.store (local.get $state) (local.get $nG))
    (i32.store offset=4 (local.get $state) (i32.const 0))
    (local.get $count))
${v.extra ?? ""}`
}

/** The exact recompute, shared by every variant. */
const exact = () =>
  `  ;; Exact dot product of two packed rows (stride 32 bytes per dim).
  (func $exact (param $pa i32) (param $pb i32) (param $d i32) (result f32)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $end i32) (local $rest i32)
    ;; four partial sums (dims k = 0, 1, 2, 3 mod 4), each in k order, multiply then add: the
    ;; definition of the exact score (referenceDot), four times the throughput of one chain
    (local.set $rest (i32.and (local.get $d) (i32.const 3)))
    (local.set $end (i32.add (local.get $pa) (i32.shl (i32.sub (local.get $d) (local.get $rest)) (i32.const 5))))
    (block $done
      (br_if $done (i32.lt_u (local.get $d) (i32.const 4)))
      (loop $k
        (local.set $s0 (f32.add (local.get $s0) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
        (local.set $s1 (f32.add (local.get $s1) (f32.mul (f32.load offset=32 (local.get $pa)) (f32.load offset=32 (local.get $pb)))))
        (local.set $s2 (f32.add (local.get $s2) (f32.mul (f32.load offset=64 (local.get $pa)) (f32.load offset=64 (local.get $pb)))))
        (local.set $s3 (f32.add (local.get $s3) (f32.mul (f32.load offset=96 (local.get $pa)) (f32.load offset=96 (local.get $pb)))))
        (local.set $pb (i32.add (local.get $pb) (i32.const 128)))
        (local.set $pa (i32.add (local.get $pa) (i32.const 128)))
        (br_if $k (i32.lt_u (local.get $pa) (local.get $end)))))
    (if (i32.ge_u (local.get $rest) (i32.const 1))
      (then (local.set $s0 (f32.add (local.get $s0) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))))
    (if (i32.ge_u (local.get $rest) (i32.const 2))
      (then (local.set $s1 (f32.add (local.get $s1) (f32.mul (f32.load offset=32 (local.get $pa)) (f32.load offset=32 (local.get $pb)))))))
    (if (i32.ge_u (local.get $rest) (i32.const 3))
      (then (local.set $s2 (f32.add (local.get $s2) (f32.mul (f32.load offset=64 (local.get $pa)) (f32.load offset=64 (local.get $pb)))))))
    (f32.add (f32.add (local.get $s0) (local.get $s1)) (f32.add (local.get $s2) (local.get $s3))))
  (export "exact" (func $exact))
`

/** Emission of the lanes of one 4 x `cols` block that pass the screen. */
const emit = (cols: 8 | 16) => `
  ;; Lanes of one 4 x ${cols} block (scores at state+16, row-major) that pass the screen: check bounds,
  ;; recompute, emit. B row c of the block is at float panel $pb + (c / 8) * $panelF, column c % 8.
  (func $emit (param $state i32) (param $pa i32) (param $pb i32) (param $panelF i32) (param $i0 i32) (param $j0 i32)
              (param $aLeft i32) (param $bLeft i32) (param $diag i32) (param $d i32)
              (param $thrScreen f32) (param $thrExact f32) (param $out i32) (param $cap i32) (param $count i32)
              (result i32)
    (local $e i32) (local $r i32) (local $c i32) (local $s f32) (local $i i32) (local $j i32) (local $at i32)
    (loop $lane
      (local.set $r (i32.shr_u (local.get $e) (i32.const ${cols === 16 ? 4 : 3})))
      (local.set $c (i32.and (local.get $e) (i32.const ${cols - 1})))
      (local.set $i (i32.add (local.get $i0) (local.get $r)))
      (local.set $j (i32.add (local.get $j0) (local.get $c)))
      (if (i32.and
            (i32.and (f32.gt (f32.load offset=16 (i32.add (local.get $state) (i32.shl (local.get $e) (i32.const 2))))
                             (local.get $thrScreen))
                     (i32.and (i32.lt_s (local.get $r) (local.get $aLeft)) (i32.lt_s (local.get $c) (local.get $bLeft))))
            (i32.or (i32.eqz (local.get $diag)) (i32.gt_u (local.get $j) (local.get $i))))
        (then
          (local.set $s (call $exact (i32.add (local.get $pa) (i32.shl (local.get $r) (i32.const 2)))
                                     (i32.add (i32.add (local.get $pb) (i32.mul (i32.shr_u (local.get $c) (i32.const 3)) (local.get $panelF)))
                                              (i32.shl (i32.and (local.get $c) (i32.const 7)) (i32.const 2)))
                                     (local.get $d)))
          (if (f32.gt (local.get $s) (local.get $thrExact))
            (then
              (local.set $at (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
              (i32.store (local.get $at) (local.get $i))
              (i32.store (i32.add (local.get $at) (i32.shl (local.get $cap) (i32.const 2))) (local.get $j))
              (f32.store (i32.add (local.get $at) (i32.shl (local.get $cap) (i32.const 3))) (local.get $s))
              (local.set $count (i32.add (local.get $count) (i32.const 1)))))))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br_if $lane (i32.lt_u (local.get $e) (i32.const ${4 * cols}))))
    (local.get $count))

`
