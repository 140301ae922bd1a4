/**
 * Generates the WebAssembly text of the cosine tile kernels, in three variants:
 * - "int8": rows quantised to 7 bits, i32x4.relaxed_dot_i8x16_i7x16_add_s (16 multiply-adds per
 *   instruction); the caller lowers the screen threshold by a proven bound on the quantisation error,
 * - "relaxed": f32x4.relaxed_madd (one FMA per lane where the CPU has it),
 * - "simd": f32x4.mul + f32x4.add (plain SIMD128).
 *
 * Layout: rows are packed in panels of 8 rows, k-major: element (row 8p + r, dim k) is the f32 at
 * panel p's base + (k * 8 + r) * 4 (int8: the byte at (k / 4) * 32 + r * 4 + k % 4). A 4 x 8 register
 * block (4 rows of A as splats, 8 rows of B as two vectors, 8 accumulators) runs down k. The caller
 * lowers the screen threshold by a bound on how far a screen score can be from the exact one. Blocks
 * where no lane passes the screen threshold cost one compare; lanes that pass are recomputed exactly
 * (four float32 partial sums, multiply then add, no FMA: deterministic on every runtime) and only
 * pairs whose exact score passes leave the kernel, as three columns (i, j, score).
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
  /** Per A group: $pa0 (first A row of the group in the screened layout) and any per-group pointers. */
  readonly group: string
  /** Bytes of one panel in the screened layout. */
  readonly panel: string
  /** Per k step (one f32 dim, or 4 int8 dims): loads into $b0 $b1 and the 4 x 2 accumulations. */
  readonly step: string
  /** After k: turn the accumulators into float scores. */
  readonly scores: string
  /** Float panel addresses of the block's first A row and B row, for the exact recompute. */
  readonly floatA: string
  readonly floatB: string
  /** Bytes $pa and $pb advance per step (default 32: one chunk). */
  readonly stride?: number
  /** Further functions of the module. */
  readonly extra?: string
}

export function cosineWat(variant: KernelVariant): string {
  return `(module
  (import "env" "memory" (memory 1 65536 shared))
${SHARED}${screen(variant === "int8" ? int8Variant() : floatVariant(variant))})
`
}

function floatVariant(variant: "relaxed" | "simd"): Variant {
  const madd = (a: string, b: string) =>
    variant === "relaxed"
      ? `(local.set ${a} (f32x4.relaxed_madd (local.get $va) (local.get ${b}) (local.get ${a})))`
      : `(local.set ${a} (f32x4.add (local.get ${a}) (f32x4.mul (local.get $va) (local.get ${b}))))`
  return {
    name: "screen",
    params: `(param $a i32) (param $aRow0 i32) (param $aRows i32)
    (param $b i32) (param $bRow0 i32) (param $bRows i32)
    (param $d i32) (param $thrScreen f32) (param $thrExact f32) (param $diag i32)`,
    locals: "",
    prologue: "(local.set $panel (i32.shl (local.get $d) (i32.const 5)))",
    group:
      `(local.set $pa0 (i32.add (i32.add (local.get $a) (i32.mul (i32.shr_u (local.get $g) (i32.const 1)) (local.get $panel)))
                                 (i32.shl (i32.and (local.get $g) (i32.const 1)) (i32.const 4))))`,
    panel: "$panel",
    step: `
              (local.set $b0 (v128.load (local.get $pb)))
              (local.set $b1 (v128.load offset=16 (local.get $pb)))` + [0, 1, 2, 3].map((r) => `
              (local.set $va (v128.load32_splat offset=${r * 4} (local.get $pa)))
              ${madd(acc(2 * r), "$b0")}
              ${madd(acc(2 * r + 1), "$b1")}`).join(""),
    scores: "",
    floatA: "(local.get $pa0)",
    floatB: "(local.get $pb0)",
  }
}

function int8Variant(): Variant {
  // the 7-bit operand is A's splat: the worker copies each A tile with +64 added (offset_copy), so
  // lane j of acc holds q_b . (q_a + 64) = q_a . q_b + 64 * sum(q_b), and B needs no work per step
  const dot = (a: string, b: string) =>
    `(local.set ${a} (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get ${b}) (local.get $va) (local.get ${a})))`
  // two 4-dim chunks per step (dims padded to 8): fewer loop branches per dot
  const step = (chunk: number) =>
    `
              (local.set $b0 (v128.load offset=${chunk * 32} (local.get $pb)))
              (local.set $b1 (v128.load offset=${chunk * 32 + 16} (local.get $pb)))` +
    [0, 1, 2, 3].map((r) => `
              (local.set $va (v128.load32_splat offset=${chunk * 32 + r * 4} (local.get $pa)))
              ${dot(acc(2 * r), "$b0")}
              ${dot(acc(2 * r + 1), "$b1")}`).join("")
  // scores = (acc - 64 * sum(q_b)) * inv_a * inv_b
  const scale = (r: number) =>
    [2 * r, 2 * r + 1].map((n) =>
      `(local.set ${acc(n)} (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (local.get ${
        acc(n)
      }) (local.get $corr${n % 2}))) (local.get $sc)) (local.get $ib${n % 2})))`
    ).join("\n            ")
  return {
    name: "screen8",
    params: `(param $a8 i32) (param $fa i32) (param $invA i32) (param $aRow0 i32) (param $aRows i32)
    (param $b8 i32) (param $fb i32) (param $invB i32) (param $sumB i32) (param $bRow0 i32) (param $bRows i32)
    (param $d i32) (param $dpad i32) (param $thrScreen f32) (param $thrExact f32) (param $diag i32)`,
    locals:
      "(local $panelF i32) (local $ia i32) (local $corr0 v128) (local $corr1 v128) (local $sc v128) (local $ib0 v128) (local $ib1 v128)",
    prologue: `(local.set $panel (i32.shl (local.get $dpad) (i32.const 3)))
    (local.set $panelF (i32.shl (local.get $d) (i32.const 5)))`,
    group:
      `(local.set $pa0 (i32.add (i32.add (local.get $a8) (i32.mul (i32.shr_u (local.get $g) (i32.const 1)) (local.get $panel)))
                                 (i32.shl (i32.and (local.get $g) (i32.const 1)) (i32.const 4))))
        (local.set $ia (i32.add (local.get $invA) (i32.shl (local.get $g) (i32.const 4))))`,
    panel: "$panel",
    stride: 64,
    step: step(0) + step(1),
    scores: `
            (local.set $ib0 (v128.load (i32.add (local.get $invB) (i32.shl (local.get $p) (i32.const 5)))))
            (local.set $ib1 (v128.load offset=16 (i32.add (local.get $invB) (i32.shl (local.get $p) (i32.const 5)))))
            (local.set $corr0 (i32x4.shl (v128.load (i32.add (local.get $sumB) (i32.shl (local.get $p) (i32.const 5)))) (i32.const 6)))
            (local.set $corr1 (i32x4.shl (v128.load offset=16 (i32.add (local.get $sumB) (i32.shl (local.get $p) (i32.const 5)))) (i32.const 6)))` +
      [0, 1, 2, 3].map((r) => `
            (local.set $sc (f32x4.splat (f32.load offset=${r * 4} (local.get $ia))))
            ${scale(r)}`).join(""),
    floatA: `(i32.add (i32.add (local.get $fa) (i32.mul (i32.shr_u (local.get $g) (i32.const 1)) (local.get $panelF)))
                           (i32.shl (i32.and (local.get $g) (i32.const 1)) (i32.const 4)))`,
    floatB: "(i32.add (local.get $fb) (i32.mul (local.get $p) (local.get $panelF)))",
    extra: `
  ;; Copies $bytes (a multiple of 16) from $src to $dst adding 64 to every byte: an A tile of int8
  ;; panels becomes the 7-bit (0..127) operand of the relaxed dot.
  (func (export "offset_copy") (param $src i32) (param $dst i32) (param $bytes i32)
    (local $end i32) (local $off v128)
    (local.set $off (i8x16.splat (i32.const 64)))
    (local.set $end (i32.add (local.get $src) (local.get $bytes)))
    (block $done
      (br_if $done (i32.eqz (local.get $bytes)))
      (loop $copy
        (v128.store (local.get $dst) (i8x16.add (v128.load (local.get $src)) (local.get $off)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br_if $copy (i32.lt_u (local.get $src) (local.get $end))))))
`,
  }
}

/** The screen function: A groups of 4 rows x B panels of 8, resumable when the output fills. */
function screen(v: Variant): string {
  const zero = eight.map((n) => `(local.set ${acc(n)} (v128.const i32x4 0 0 0 0))`).join("\n            ")
  const over = eight.map((n) => `(f32x4.gt (local.get ${acc(n)}) (local.get $thr))`)
  const anyOver = over.slice(1).reduce((e, m) => `(v128.or ${e} ${m})`, over[0])
  const spill = eight.map((n) => `(v128.store offset=${16 + n * 16} (local.get $state) (local.get ${acc(n)}))`)
    .join("\n                ")
  return `
  ;; Screens rows [aRow0, aRow0+aRows) of A against [bRow0, bRow0+bRows) of B.
  ;; state[0], state[1]: the A group (4 rows) and B panel to resume at; state+16: 128 bytes of scratch.
  ;; Returns the pairs written at $out (columns i, j, s of capacity $cap); stops early when fewer than
  ;; 32 slots are left, with state[0] < ceil(aRows / 4) telling the caller to drain and call again.
  (func (export "${v.name}")
    ${v.params}
    (param $out i32) (param $cap i32) (param $state i32)
    (result i32)
    (local $g i32) (local $p i32) (local $nG i32) (local $nP i32) (local $panel i32)
    (local $pa i32) (local $pb i32) (local $paEnd i32) (local $pa0 i32) (local $pb0 i32)
    (local $count i32) (local $x i32) (local $thr v128) (local $va v128) (local $b0 v128) (local $b1 v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $acc4 v128) (local $acc5 v128) (local $acc6 v128) (local $acc7 v128) ${v.locals}
    (local.set $thr (f32x4.splat (local.get $thrScreen)))
    ${v.prologue}
    (local.set $nG (i32.shr_u (i32.add (local.get $aRows) (i32.const 3)) (i32.const 2)))
    (local.set $nP (i32.shr_u (i32.add (local.get $bRows) (i32.const 7)) (i32.const 3)))
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
                (if (i32.gt_s (i32.shr_s (local.get $x) (i32.const 3)) (local.get $p))
                  (then (local.set $p (i32.shr_s (local.get $x) (i32.const 3)))))))))
        (block $panelsDone
          (br_if $panelsDone (i32.ge_u (local.get $p) (local.get $nP)))
          (loop $panels
            (local.set $pb0 (i32.add (local.get ${
    v.name === "screen" ? "$b" : "$b8"
  }) (i32.mul (local.get $p) (local.get ${v.panel}))))
            (local.set $pa (local.get $pa0))
            (local.set $pb (local.get $pb0))
            (local.set $paEnd (i32.add (local.get $pa0) (local.get ${v.panel})))
            ${zero}
            (loop $k${v.step}
              (local.set $pb (i32.add (local.get $pb) (i32.const ${v.stride ?? 32})))
              (local.set $pa (i32.add (local.get $pa) (i32.const ${v.stride ?? 32})))
              (br_if $k (i32.lt_u (local.get $pa) (local.get $paEnd))))${v.scores}
            (if (v128.any_true ${anyOver})
              (then
                ${spill}
                (local.set $count (call $emit (local.get $state) ${v.floatA} ${v.floatB}
                  (i32.add (local.get $aRow0) (i32.shl (local.get $g) (i32.const 2)))
                  (i32.add (local.get $bRow0) (i32.shl (local.get $p) (i32.const 3)))
                  (i32.sub (local.get $aRows) (i32.shl (local.get $g) (i32.const 2)))
                  (i32.sub (local.get $bRows) (i32.shl (local.get $p) (i32.const 3)))
                  (local.get $diag) (local.get $d) (local.get $thrScreen) (local.get $thrExact)
                  (local.get $out) (local.get $cap) (local.get $count)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (if (i32.gt_u (i32.add (local.get $count) (i32.const 32)) (local.get $cap))
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

/** Exact recompute and emission, shared by every variant. */
const SHARED = `  ;; Exact dot product of two packed rows (stride 32 bytes per dim).
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

  ;; Lanes of one 4 x 8 block (spilled at state+16) that pass the screen: check bounds, recompute, emit.
  (func $emit (param $state i32) (param $pa i32) (param $pb i32) (param $i0 i32) (param $j0 i32)
              (param $aLeft i32) (param $bLeft i32) (param $diag i32) (param $d i32)
              (param $thrScreen f32) (param $thrExact f32) (param $out i32) (param $cap i32) (param $count i32)
              (result i32)
    (local $e i32) (local $r i32) (local $c i32) (local $s f32) (local $i i32) (local $j i32) (local $at i32)
    (loop $lane
      (local.set $r (i32.shr_u (local.get $e) (i32.const 3)))
      (local.set $c (i32.and (local.get $e) (i32.const 7)))
      (local.set $i (i32.add (local.get $i0) (local.get $r)))
      (local.set $j (i32.add (local.get $j0) (local.get $c)))
      (if (i32.and
            (i32.and (f32.gt (f32.load offset=16 (i32.add (local.get $state) (i32.shl (local.get $e) (i32.const 2))))
                             (local.get $thrScreen))
                     (i32.and (i32.lt_s (local.get $r) (local.get $aLeft)) (i32.lt_s (local.get $c) (local.get $bLeft))))
            (i32.or (i32.eqz (local.get $diag)) (i32.gt_u (local.get $j) (local.get $i))))
        (then
          (local.set $s (call $exact (i32.add (local.get $pa) (i32.shl (local.get $r) (i32.const 2)))
                                     (i32.add (local.get $pb) (i32.shl (local.get $c) (i32.const 2)))
                                     (local.get $d)))
          (if (f32.gt (local.get $s) (local.get $thrExact))
            (then
              (local.set $at (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
              (i32.store (local.get $at) (local.get $i))
              (i32.store (i32.add (local.get $at) (i32.shl (local.get $cap) (i32.const 2))) (local.get $j))
              (f32.store (i32.add (local.get $at) (i32.shl (local.get $cap) (i32.const 3))) (local.get $s))
              (local.set $count (i32.add (local.get $count) (i32.const 1)))))))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br_if $lane (i32.lt_u (local.get $e) (i32.const 32))))
    (local.get $count))

`
