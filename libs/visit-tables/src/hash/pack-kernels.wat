;; Packing kernels of the canonical record array (docs/visit-tables.md), in WebAssembly: what
;; CanonicalRowPacker does in JavaScript, a few times faster, for the column types that make up
;; opsim tables (fixed-size numbers, float NaN normalisation, UTF-8 text to zero-padded UTF-32).
;;
;; Every pointer is a byte address in the imported memory, where the Arrow buffers of a record
;; batch and the packed rows both live. Sources are dense arrays; destinations are fields of
;; rows `stride` bytes apart. Build: `npm run generate` (tools/build-wasm.js writes
;; pack-kernels.wasm.ts, checked for drift by CI).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Copies `count` items of 8 bytes.
  (func (export "copy64") (param $src i32) (param $count i32) (param $dst i32) (param $stride i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (i64.store (local.get $dst) (i64.load (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (br $next))))

  ;; Copies `count` items of 4 bytes.
  (func (export "copy32") (param $src i32) (param $count i32) (param $dst i32) (param $stride i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (i32.store (local.get $dst) (i32.load (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (br $next))))

  ;; Copies `count` items of 2 bytes.
  (func (export "copy16") (param $src i32) (param $count i32) (param $dst i32) (param $stride i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (i32.store16 (local.get $dst) (i32.load16_u (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 2)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (br $next))))

  ;; Copies `count` items of 1 byte.
  (func (export "copy8") (param $src i32) (param $count i32) (param $dst i32) (param $stride i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (local.get $count)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (br $next))))

  ;; Copies `count` float64s, writing numpy's np.nan (0x7ff8000000000000) for every NaN: a NaN's
  ;; bits without the sign are above those of infinity.
  (func (export "copyFloat64") (param $src i32) (param $count i32) (param $dst i32) (param $stride i32)
    (local $end i32) (local $x i64)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (i64.load (local.get $src)))
        (i64.store (local.get $dst)
          (select (i64.const 0x7ff8000000000000) (local.get $x)
            (i64.gt_u (i64.and (local.get $x) (i64.const 0x7fffffffffffffff)) (i64.const 0x7ff0000000000000))))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (br $next))))

  ;; Copies `count` float32s, writing np.float32 nan (0x7fc00000) for every NaN.
  (func (export "copyFloat32") (param $src i32) (param $count i32) (param $dst i32) (param $stride i32)
    (local $end i32) (local $x i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (i32.load (local.get $src)))
        (i32.store (local.get $dst)
          (select (i32.const 0x7fc00000) (local.get $x)
            (i32.gt_u (i32.and (local.get $x) (i32.const 0x7fffffff)) (i32.const 0x7f800000))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (br $next))))

  ;; Copies `count` float16s, writing np.float16 nan (0x7e00) for every NaN.
  (func (export "copyFloat16") (param $src i32) (param $count i32) (param $dst i32) (param $stride i32)
    (local $end i32) (local $x i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (i32.load16_u (local.get $src)))
        (i32.store16 (local.get $dst)
          (select (i32.const 0x7e00) (local.get $x)
            (i32.gt_u (i32.and (local.get $x) (i32.const 0x7fff)) (i32.const 0x7c00))))
        (local.set $src (i32.add (local.get $src) (i32.const 2)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (br $next))))

  ;; Packs `count` UTF-8 values (Arrow Utf8 or LargeUtf8: `offsets` into `bytes`, each
  ;; `offset_size` bytes, 4 or 8) as UTF-32LE code points, each field `width` bytes, zero-padded.
  ;; An offset is read as its low 32 bits (little-endian): offsets into this memory fit in them.
  ;; Runs of 8 ASCII bytes are widened with SIMD.
  ;; Null rows must have equal offsets (empty), as Arrow writers leave them; the caller checks.
  (func (export "packText") (param $offsets i32) (param $offset_size i32) (param $bytes i32) (param $count i32) (param $dst i32) (param $stride i32) (param $width i32)
    (local $p i32) (local $end i32) (local $w i32) (local $b0 i32) (local $v v128)
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.eqz (local.get $count)))
        (local.set $p (i32.add (local.get $bytes) (i32.load (local.get $offsets))))
        (local.set $end (i32.add (local.get $bytes) (i32.load (i32.add (local.get $offsets) (local.get $offset_size)))))
        (local.set $w (local.get $dst))
        (block $text_done
          (loop $text
            (br_if $text_done (i32.ge_u (local.get $p) (local.get $end)))
            ;; Eight ASCII bytes in a row: two stores of four code points.
            (if (i32.le_u (i32.add (local.get $p) (i32.const 8)) (local.get $end))
              (then
                (if (i64.eqz (i64.and (i64.load (local.get $p)) (i64.const 0x8080808080808080)))
                  (then
                    (local.set $v (v128.load64_zero (local.get $p)))
                    (local.set $v (i16x8.extend_low_i8x16_u (local.get $v)))
                    (v128.store (local.get $w) (i32x4.extend_low_i16x8_u (local.get $v)))
                    (v128.store offset=16 (local.get $w) (i32x4.extend_high_i16x8_u (local.get $v)))
                    (local.set $p (i32.add (local.get $p) (i32.const 8)))
                    (local.set $w (i32.add (local.get $w) (i32.const 32)))
                    (br $text)))))
            (local.set $b0 (i32.load8_u (local.get $p)))
            (if (i32.lt_u (local.get $b0) (i32.const 0x80))
              (then
                (i32.store (local.get $w) (local.get $b0))
                (local.set $p (i32.add (local.get $p) (i32.const 1))))
              (else
                (if (i32.lt_u (local.get $b0) (i32.const 0xe0))
                  (then
                    (i32.store (local.get $w)
                      (i32.or
                        (i32.shl (i32.and (local.get $b0) (i32.const 0x1f)) (i32.const 6))
                        (i32.and (i32.load8_u offset=1 (local.get $p)) (i32.const 0x3f))))
                    (local.set $p (i32.add (local.get $p) (i32.const 2))))
                  (else
                    (if (i32.lt_u (local.get $b0) (i32.const 0xf0))
                      (then
                        (i32.store (local.get $w)
                          (i32.or
                            (i32.or
                              (i32.shl (i32.and (local.get $b0) (i32.const 0x0f)) (i32.const 12))
                              (i32.shl (i32.and (i32.load8_u offset=1 (local.get $p)) (i32.const 0x3f)) (i32.const 6)))
                            (i32.and (i32.load8_u offset=2 (local.get $p)) (i32.const 0x3f))))
                        (local.set $p (i32.add (local.get $p) (i32.const 3))))
                      (else
                        (i32.store (local.get $w)
                          (i32.or
                            (i32.or
                              (i32.shl (i32.and (local.get $b0) (i32.const 0x07)) (i32.const 18))
                              (i32.shl (i32.and (i32.load8_u offset=1 (local.get $p)) (i32.const 0x3f)) (i32.const 12)))
                            (i32.or
                              (i32.shl (i32.and (i32.load8_u offset=2 (local.get $p)) (i32.const 0x3f)) (i32.const 6))
                              (i32.and (i32.load8_u offset=3 (local.get $p)) (i32.const 0x3f)))))
                        (local.set $p (i32.add (local.get $p) (i32.const 4)))))))))
            (local.set $w (i32.add (local.get $w) (i32.const 4)))
            (br $text)))
        ;; The rest of the field is zeros (the destination is reused).
        (memory.fill (local.get $w) (i32.const 0) (i32.sub (i32.add (local.get $dst) (local.get $width)) (local.get $w)))
        (local.set $offsets (i32.add (local.get $offsets) (local.get $offset_size)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $row))))
)
