;; Exodus value kernels (WebAssembly SIMD128) over an imported memory holding the reader's buffers:
;; big-endian to native byte order in place (one i8x16.swizzle per 16 bytes), and min / max / sum of
;; float64 runs for exodusStats.
;; Built by formats/netcdf/kernel/build.ts; the scalar TypeScript versions in types.ts and
;; exodus_stats.ts are the reference the tests check these against.
(module
  (import "env" "memory" (memory 1))

  ;; reverses the bytes of each `size`-byte value (size 2, 4 or 8) of the n values at p
  (func $swap (param $p i32) (param $n i32) (param $mask v128) (param $size i32)
    (local $end i32)
    (local $vend i32)
    (local.set $end (i32.add (local.get $p) (i32.mul (local.get $n) (local.get $size))))
    (local.set $vend (i32.sub (local.get $end) (i32.const 16)))
    (block $done
      (loop $vec
        (br_if $done (i32.gt_s (local.get $p) (local.get $vend)))
        (v128.store (local.get $p) (i8x16.swizzle (v128.load (local.get $p)) (local.get $mask)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    ;; the tail (fewer than 16 bytes): one value at a time, through the low lanes
    (block $tail
      (loop $one
        (br_if $tail (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eq (local.get $size) (i32.const 8))
          (then (v128.store64_lane 0 (local.get $p)
                  (i8x16.swizzle (v128.load64_zero (local.get $p)) (local.get $mask)))))
        (if (i32.eq (local.get $size) (i32.const 4))
          (then (v128.store32_lane 0 (local.get $p)
                  (i8x16.swizzle (v128.load32_zero (local.get $p)) (local.get $mask)))))
        (if (i32.eq (local.get $size) (i32.const 2))
          (then (i32.store16 (local.get $p)
                  (i32.or (i32.shl (i32.load8_u (local.get $p)) (i32.const 8))
                          (i32.load8_u offset=1 (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (local.get $size)))
        (br $one))))

  (func (export "swap64") (param $p i32) (param $n i32)
    (call $swap (local.get $p) (local.get $n)
      (v128.const i8x16 7 6 5 4 3 2 1 0 15 14 13 12 11 10 9 8) (i32.const 8)))
  (func (export "swap32") (param $p i32) (param $n i32)
    (call $swap (local.get $p) (local.get $n)
      (v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12) (i32.const 4)))
  (func (export "swap16") (param $p i32) (param $n i32)
    (call $swap (local.get $p) (local.get $n)
      (v128.const i8x16 1 0 3 2 5 4 7 6 9 8 11 10 13 12 15 14) (i32.const 2)))

;; min, max and sum of the n float64 values at p, written as three float64 at out. pmin/pmax (one
  ;; instruction each on x86) skip NaN instead of propagating it; the sum does propagate it, so a caller
  ;; that gets a NaN sum redoes the run with NaN-propagating scalar code. Two accumulators per
  ;; quantity, four values per step, keep the add latency off the critical path.
  (func (export "fold64") (param $p i32) (param $n i32) (param $out i32)
    (local $end i32)
    (local $x v128)
    (local $y v128)
    (local $lo v128)
    (local $hi v128)
    (local $s0 v128)
    (local $s1 v128)
    (local $v f64)
    (local $slo f64)
    (local $shi f64)
    (local $ssum f64)
    (local $tail i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3))))
    (local.set $tail (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $lo (f64x2.splat (f64.const inf)))
    (local.set $hi (f64x2.splat (f64.const -inf)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (v128.load (local.get $p)))
        (local.set $y (v128.load offset=16 (local.get $p)))
        (local.set $lo (f64x2.pmin (f64x2.pmin (local.get $lo) (local.get $x)) (local.get $y)))
        (local.set $hi (f64x2.pmax (f64x2.pmax (local.get $hi) (local.get $x)) (local.get $y)))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $x)))
        (local.set $s1 (f64x2.add (local.get $s1) (local.get $y)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $vec)))
    (local.set $s0 (f64x2.add (local.get $s0) (local.get $s1)))
    (local.set $slo (f64.min (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))
    (local.set $shi (f64.max (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi))))
    (local.set $ssum (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
    (block $last
      (loop $one
        (br_if $last (i32.ge_u (local.get $p) (local.get $tail)))
        (local.set $v (f64.load (local.get $p)))
        (local.set $slo (f64.min (local.get $slo) (local.get $v)))
        (local.set $shi (f64.max (local.get $shi) (local.get $v)))
        (local.set $ssum (f64.add (local.get $ssum) (local.get $v)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $one)))
    (f64.store (local.get $out) (local.get $slo))
    (f64.store offset=8 (local.get $out) (local.get $shi))
    (f64.store offset=16 (local.get $out) (local.get $ssum))))
