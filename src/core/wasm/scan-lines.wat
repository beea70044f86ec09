;; The byte kernel of the fast path (src/core/scan-tsv.ts). It finds the tabs and line ends
;; of a chunk of tab-separated log lines 32 bytes at a time (SIMD), and turns each kept
;; text field into its id in the caller's value tables through an index from bytes to ids,
;; so that JavaScript never touches the bytes of a value it has seen before. The index is
;; only a cache: a value it lacks stops the scan, the caller finds or makes its id from the
;; text, and hands it back with `remember`. Build: `npm run build:wasm`.
;;
;; Memory:
;;   0..255            column -> slot (signed byte; -1: column not kept)    } written by the
;;   256..319          slot -> what to do (0: bounds, 1: id, 2: cut at '?', } caller before
;;                     then id, 3: a number, 4: empty unless it holds       } each scan
;;                     `utm_`, then id)                                      }
;;   512..767          column j -> the first tab from the j-th on that ends  }
;;                     or begins a kept field (255: none)                    }
;;   out               one record per line (see $scan)
;;   from..to          the text, with 32 readable bytes after `to`; below $TABLE
;;   $TABLE..          the index: 2^17 slots (i32: entry + 1, 0 empty),
;;   $ENTRIES..        2^16 entries (hash, slot << 24 | length, pool offset, id),
;;   $POOL..           and 8 MiB of the values' bytes (+16 readable bytes).
(module
  (memory (export "memory") 177)
  (global $next (export "next") (mut i32) (i32.const 0))
  ;; What the last scan stopped at: the slot (or -1) and hash of a value not in the index.
  (global $missSlot (export "missSlot") (mut i32) (i32.const -1))
  (global $missHash (export "missHash") (mut i32) (i32.const 0))
  (global $entries (mut i32) (i32.const 0))
  (global $poolUsed (mut i32) (i32.const 0))
  (global $TABLE i32 (i32.const 0x180000))
  (global $MASK i32 (i32.const 0x1ffff))
  (global $ENTRIES i32 (i32.const 0x200000))
  (global $MAX_ENTRIES i32 (i32.const 0x10000))
  (global $POOL i32 (i32.const 0x300000))
  (global $POOL_BYTES i32 (i32.const 0x800000))

  ;; Empties the index (the caller's tables started over, or the index is full).
  (func $forget (export "forget")
    (memory.fill (global.get $TABLE) (i32.const 0) (i32.shl (i32.add (global.get $MASK) (i32.const 1)) (i32.const 2)))
    (global.set $entries (i32.const 0))
    (global.set $poolUsed (i32.const 0)))

  ;; Adds [s, e) of `slot`, hash h, as `id` (emptying the index first when it is full).
  (func (export "remember") (param $slot i32) (param $h i32) (param $s i32) (param $e i32) (param $id i32)
    (local $len i32) (local $i i32) (local $a i32)
    (local.set $len (i32.sub (local.get $e) (local.get $s)))
    (if (i32.gt_u (local.get $len) (global.get $POOL_BYTES)) (then (return)))
    (if (i32.or
          (i32.ge_u (global.get $entries) (global.get $MAX_ENTRIES))
          (i32.gt_u (i32.add (global.get $poolUsed) (local.get $len)) (global.get $POOL_BYTES)))
      (then (call $forget)))
    (local.set $i (i32.and (local.get $h) (global.get $MASK)))
    (block $free
      (loop $probe
        (br_if $free (i32.eqz (i32.load (i32.add (global.get $TABLE) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (global.get $MASK)))
        (br $probe)))
    (local.set $a (i32.add (global.get $ENTRIES) (i32.shl (global.get $entries) (i32.const 4))))
    (i32.store (local.get $a) (local.get $h))
    (i32.store offset=4 (local.get $a) (i32.or (i32.shl (local.get $slot) (i32.const 24)) (local.get $len)))
    (i32.store offset=8 (local.get $a) (global.get $poolUsed))
    (i32.store offset=12 (local.get $a) (local.get $id))
    (memory.copy (i32.add (global.get $POOL) (global.get $poolUsed)) (local.get $s) (local.get $len))
    (global.set $poolUsed (i32.add (global.get $poolUsed) (local.get $len)))
    (global.set $entries (i32.add (global.get $entries) (i32.const 1)))
    (i32.store (i32.add (global.get $TABLE) (i32.shl (local.get $i) (i32.const 2))) (global.get $entries)))

  ;; Scans the complete lines of [from, to), at most `max` of them, writing per line at
  ;; `out` a record of 3 + 3 * slots i32 and 5 f64: line start, line end (before a CR), the
  ;; column count (-1 for a line that starts with a blank, '#' or '{': the string parser's),
  ;; then per slot its field's start and end, then per slot its id (text slots only: the ids
  ;; of consecutive slots lie side by side, so the caller reads them where they are), then
  ;; per slot below 5 its number (number slots only). Slots of
  ;; lines whose column count is not `width` are not all written. Returns the lines written; `next` is where the
  ;; first line not scanned starts: an incomplete last line, left for the next chunk, or a
  ;; line with a value the index lacks ($missSlot, $missHash; its record has the bounds).
  (func (export "scan")
    (param $from i32) (param $to i32) (param $out i32) (param $max i32)
    (param $width i32) (param $slots i32)
    (result i32)
    (local $n i32) (local $pos i32) (local $p i32) (local $bits i32) (local $q i32)
    (local $c i32) (local $col i32) (local $fieldStart i32) (local $end i32)
    (local $rec i32) (local $stride i32) (local $slot i32) (local $at i32) (local $what i32)
    (local $first i32) (local $fe i32) (local $h i32) (local $id i32)
    (local $fs i32) (local $len i32) (local $h64 i64) (local $h2 i64) (local $k i32) (local $rest i32)
    (local $key i32) (local $i i32) (local $entry i32) (local $e i32) (local $p1 i32)
    (local $q1 i32) (local $utm i32) (local $ids i32) (local $nums i32) (local $d i32) (local $left i32) (local $same i32) (local $num f64) (local $acc f64) (local $scale f64)
    (local $tab v128) (local $lf v128) (local $v v128) (local $w v128) (local $lfs i32) (local $cnt i32)
    (local.set $tab (i8x16.splat (i32.const 9)))
    (local.set $lf (i8x16.splat (i32.const 10)))
    (local.set $nums (i32.mul (i32.add (i32.const 1) (local.get $slots)) (i32.const 12)))
    (local.set $stride (i32.add (local.get $nums) (i32.const 40)))
    (local.set $ids (i32.add (i32.const 12) (i32.shl (local.get $slots) (i32.const 3))))
    (global.set $missSlot (i32.const -1))
    (local.set $pos (local.get $from))
    (local.set $rec (local.get $out))
    (block $stop
      (loop $lines
        (br_if $stop (i32.ge_u (local.get $pos) (local.get $to)))
        (br_if $stop (i32.ge_u (local.get $n) (local.get $max)))
        (local.set $col (i32.const 0))
        (local.set $fieldStart (local.get $pos))
        (local.set $p (local.get $pos))
        ;; Every tab and LF of the line, 32 bytes a step. A step without the line's end
        ;; and without a tab the layout needs (see NEED) only counts its tabs.
        (block $eol
          (loop $blocks
            (br_if $stop (i32.ge_u (local.get $p) (local.get $to)))
            (local.set $v (v128.load (local.get $p)))
            (local.set $w (v128.load offset=16 (local.get $p)))
            (local.set $lfs
              (i32.or (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $lf)))
                (i32.shl (i8x16.bitmask (i8x16.eq (local.get $w) (local.get $lf))) (i32.const 16))))
            (local.set $bits
              (i32.or (local.get $lfs)
                (i32.or (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $tab)))
                  (i32.shl (i8x16.bitmask (i8x16.eq (local.get $w) (local.get $tab))) (i32.const 16)))))
            (if (i32.lt_u (i32.sub (local.get $to) (local.get $p)) (i32.const 32))
              (then
                (local.set $bits
                  (i32.and (local.get $bits)
                    (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $to) (local.get $p)))
                      (i32.const 1))))))
            (if (i32.eqz (i32.and (local.get $lfs) (local.get $bits)))
              (then
                (local.set $cnt (i32.popcnt (local.get $bits)))
                (if (i32.or
                      (i32.ge_u (local.get $col) (local.get $width))
                      (i32.le_u (i32.add (local.get $col) (local.get $cnt))
                        (i32.load8_u offset=512 (i32.and (local.get $col) (i32.const 255)))))
                  (then
                    (local.set $col (i32.add (local.get $col) (local.get $cnt)))
                    (local.set $p (i32.add (local.get $p) (i32.const 32)))
                    (br $blocks)))))
            (block $empty
              (loop $each
                (br_if $empty (i32.eqz (local.get $bits)))
                (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $bits))))
                (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
                (local.set $c (i32.load8_u (local.get $q)))
                (local.set $end (local.get $q))
                (if (i32.and
                      (i32.eq (local.get $c) (i32.const 10))
                      (i32.gt_u (local.get $q) (local.get $pos)))
                  (then
                    (if (i32.eq (i32.load8_u (i32.sub (local.get $q) (i32.const 1))) (i32.const 13))
                      (then (local.set $end (i32.sub (local.get $q) (i32.const 1)))))))
                ;; The field [fieldStart, end) is column `col`.
                (if (i32.lt_u (local.get $col) (local.get $width))
                  (then
                    (local.set $slot (i32.load8_s (local.get $col)))
                    (if (i32.ge_s (local.get $slot) (i32.const 0))
                      (then
                        (local.set $at
                          (i32.add (local.get $rec)
                            (i32.add (i32.const 12) (i32.shl (local.get $slot) (i32.const 3)))))
                        (i32.store (local.get $at) (local.get $fieldStart))
                        (i32.store offset=4 (local.get $at) (local.get $end))))))
                (local.set $col (i32.add (local.get $col) (i32.const 1)))
                (local.set $fieldStart (i32.add (local.get $q) (i32.const 1)))
                (br_if $eol (i32.eq (local.get $c) (i32.const 10)))
                (br $each)))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $blocks)))
        ;; The line is [pos, end), its LF at q.
        (local.set $first (i32.load8_u (local.get $pos)))
        (if (i32.or
              (i32.le_u (local.get $first) (i32.const 32))
              (i32.or (i32.eq (local.get $first) (i32.const 35)) (i32.eq (local.get $first) (i32.const 123))))
          (then (local.set $col (i32.const -1))))
        (i32.store (local.get $rec) (local.get $pos))
        (i32.store offset=4 (local.get $rec) (local.get $end))
        (i32.store offset=8 (local.get $rec) (local.get $col))
        ;; The ids of the kept text fields of a line of the right width.
        (if (i32.eq (local.get $col) (local.get $width))
          (then
            (local.set $slot (i32.const 0))
            (block $hashed
              (loop $each_slot
                (br_if $hashed (i32.ge_u (local.get $slot) (local.get $slots)))
                (local.set $what (i32.load8_u (i32.add (i32.const 256) (local.get $slot))))
                (if (i32.eq (local.get $what) (i32.const 3))
                  (then
                    ;; A number: [fs, fe) read as scan-tsv.ts's decimal() reads it, into the
                    ;; record's numbers: -1 for "" or "-", NaN unless digits[.digits] of at
                    ;; most 16 characters. The digits add up exactly (below 2^53) and one
                    ;; division by an exact power of ten rounds as Number() does.
                    (local.set $at
                      (i32.add (local.get $rec)
                        (i32.add (i32.const 12) (i32.shl (local.get $slot) (i32.const 3)))))
                    (local.set $fs (i32.load (local.get $at)))
                    (local.set $fe (i32.load offset=4 (local.get $at)))
                    (local.set $len (i32.sub (local.get $fe) (local.get $fs)))
                    (local.set $num (f64.const nan))
                    (if (i32.or
                          (i32.eqz (local.get $len))
                          (i32.and (i32.eq (local.get $len) (i32.const 1))
                            (i32.eq (i32.load8_u (local.get $fs)) (i32.const 45))))
                      (then (local.set $num (f64.const -1)))
                      (else
                        (if (i32.le_u (local.get $len) (i32.const 16))
                          (then
                            (local.set $acc (f64.const 0))
                            (local.set $c (local.get $fs))
                            (block $whole
                              (loop $digits
                                (br_if $whole (i32.ge_u (local.get $c) (local.get $fe)))
                                (local.set $d (i32.sub (i32.load8_u (local.get $c)) (i32.const 48)))
                                (br_if $whole (i32.gt_u (local.get $d) (i32.const 9)))
                                (local.set $acc
                                  (f64.add (f64.mul (local.get $acc) (f64.const 10)) (f64.convert_i32_u (local.get $d))))
                                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                                (br $digits)))
                            (if (i32.eq (local.get $c) (local.get $fe))
                              (then (local.set $num (local.get $acc)))
                              (else
                                (if (i32.and
                                      (i32.and (i32.ne (local.get $c) (local.get $fs))
                                        (i32.eq (i32.load8_u (local.get $c)) (i32.const 46)))
                                      (i32.ne (i32.add (local.get $c) (i32.const 1)) (local.get $fe)))
                                  (then
                                    (local.set $scale (f64.const 1))
                                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                                    (block $fraction
                                      (loop $more
                                        (if (i32.ge_u (local.get $c) (local.get $fe))
                                          (then
                                            (local.set $num (f64.div (local.get $acc) (local.get $scale)))
                                            (br $fraction)))
                                        (local.set $d (i32.sub (i32.load8_u (local.get $c)) (i32.const 48)))
                                        (br_if $fraction (i32.gt_u (local.get $d) (i32.const 9)))
                                        (local.set $acc
                                          (f64.add (f64.mul (local.get $acc) (f64.const 10)) (f64.convert_i32_u (local.get $d))))
                                        (local.set $scale (f64.mul (local.get $scale) (f64.const 10)))
                                        (local.set $c (i32.add (local.get $c) (i32.const 1)))
                                        (br $more)))))))))))
                    (f64.store
                      (i32.add (local.get $rec)
                        (i32.add (local.get $nums) (i32.shl (local.get $slot) (i32.const 3))))
                      (local.get $num))))
                (if (i32.and (i32.ne (local.get $what) (i32.const 0)) (i32.ne (local.get $what) (i32.const 3)))
                  (then
                    (local.set $at
                      (i32.add (local.get $rec)
                        (i32.add (i32.const 12) (i32.shl (local.get $slot) (i32.const 3)))))
                    (local.set $fe (i32.load offset=4 (local.get $at)))
                    (if (i32.eq (local.get $what) (i32.const 4))
                      (then
                        ;; A query counts only for its utm_* parameters: without the
                        ;; bytes `utm_` it is empty (columns.ts, utmOnly).
                        (local.set $c (i32.load (local.get $at)))
                        (local.set $utm (i32.const 0))
                        (block $looked
                          (loop $look
                            (br_if $looked (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $fe)))
                            (if (i32.eq (i32.load (local.get $c)) (i32.const 0x5f6d7475))
                              (then (local.set $utm (i32.const 1)) (br $looked)))
                            (local.set $c (i32.add (local.get $c) (i32.const 1)))
                            (br $look)))
                        (if (i32.eqz (local.get $utm))
                          (then
                            (local.set $fe (i32.load (local.get $at)))
                            (i32.store offset=4 (local.get $at) (local.get $fe))))))
                    (if (i32.eq (local.get $what) (i32.const 2))
                      (then
                        ;; A path is kept without its query string.
                        (local.set $c (i32.load (local.get $at)))
                        (block $cut
                          (loop $find
                            (br_if $cut (i32.ge_u (local.get $c) (local.get $fe)))
                            (if (i32.eq (i32.load8_u (local.get $c)) (i32.const 63))
                              (then (local.set $fe (local.get $c)) (br $cut)))
                            (local.set $c (i32.add (local.get $c) (i32.const 1)))
                            (br $find)))
                        (i32.store offset=4 (local.get $at) (local.get $fe))))
                    ;; Written out here rather than called: Node 20's V8 does not inline
                    ;; WebAssembly calls, and these run for every kept field (13 a line).
                    ;; Hash [fs, fe): FxHash over 8-byte words, the length first, the last
                    ;; partial word masked (the bytes after fe are readable, not the value's).
                    ;; Sixteen bytes a step in two chains, folded together after: a long
                    ;; value (an agent, a path) waits on half as many multiplications.
                    (local.set $fs (i32.load (local.get $at)))
                    (local.set $len (i32.sub (local.get $fe) (local.get $fs)))
                    (local.set $h64 (i64.extend_i32_u (local.get $len)))
                    (local.set $h2 (i64.const 0))
                    (local.set $k (local.get $fs))
                    (block $pairs_done
                      (loop $pairs
                        (br_if $pairs_done (i32.gt_s (i32.add (local.get $k) (i32.const 16)) (local.get $fe)))
                        (local.set $h64
                          (i64.mul
                            (i64.xor (i64.rotl (local.get $h64) (i64.const 5)) (i64.load (local.get $k)))
                            (i64.const 0x517cc1b727220a95)))
                        (local.set $h2
                          (i64.mul
                            (i64.xor (i64.rotl (local.get $h2) (i64.const 5)) (i64.load offset=8 (local.get $k)))
                            (i64.const 0x517cc1b727220a95)))
                        (local.set $k (i32.add (local.get $k) (i32.const 16)))
                        (br $pairs)))
                    (local.set $h64 (i64.xor (local.get $h64) (i64.rotl (local.get $h2) (i64.const 31))))
                    (if (i32.le_s (i32.add (local.get $k) (i32.const 8)) (local.get $fe))
                      (then
                        (local.set $h64
                          (i64.mul
                            (i64.xor (i64.rotl (local.get $h64) (i64.const 5)) (i64.load (local.get $k)))
                            (i64.const 0x517cc1b727220a95)))
                        (local.set $k (i32.add (local.get $k) (i32.const 8)))))
                    (local.set $rest (i32.sub (local.get $fe) (local.get $k)))
                    (if (i32.gt_s (local.get $rest) (i32.const 0))
                      (then
                        (local.set $h64
                          (i64.mul
                            (i64.xor
                              (i64.rotl (local.get $h64) (i64.const 5))
                              (i64.and (i64.load (local.get $k)) (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $rest) (i32.const 3)))) (i64.const 1))))
                            (i64.const 0x517cc1b727220a95)))))
                    (local.set $h (i32.wrap_i64 (i64.xor (local.get $h64) (i64.shr_u (local.get $h64) (i64.const 32)))))
                    ;; Its id: probe the index; an entry of the same hash, slot and length
                    ;; is compared byte for byte (eight at a time) with the pool.
                    (local.set $key (i32.or (i32.shl (local.get $slot) (i32.const 24)) (local.get $len)))
                    (local.set $i (i32.and (local.get $h) (global.get $MASK)))
                    (local.set $id (i32.const -1))
                    (block $found
                      (loop $probe
                        (local.set $entry
                          (i32.load (i32.add (global.get $TABLE) (i32.shl (local.get $i) (i32.const 2)))))
                        (br_if $found (i32.eqz (local.get $entry)))
                        (local.set $e
                          (i32.add (global.get $ENTRIES) (i32.shl (i32.sub (local.get $entry) (i32.const 1)) (i32.const 4))))
                        (if (i32.and
                              (i32.eq (i32.load (local.get $e)) (local.get $h))
                              (i32.eq (i32.load offset=4 (local.get $e)) (local.get $key)))
                          (then
                            (local.set $p1 (i32.add (global.get $POOL) (i32.load offset=8 (local.get $e))))
                            (local.set $q1 (local.get $fs))
                            (local.set $left (local.get $len))
                            (local.set $same (i32.const 1))
                            (block $compared
                              (loop $compare
                                (br_if $compared (i32.lt_u (local.get $left) (i32.const 8)))
                                (if (i64.ne (i64.load (local.get $p1)) (i64.load (local.get $q1)))
                                  (then (local.set $same (i32.const 0)) (br $compared)))
                                (local.set $p1 (i32.add (local.get $p1) (i32.const 8)))
                                (local.set $q1 (i32.add (local.get $q1) (i32.const 8)))
                                (local.set $left (i32.sub (local.get $left) (i32.const 8)))
                                (br $compare)))
                            (if (local.get $same)
                              (then
                                (local.set $same
                                  (i64.eqz
                                    (i64.and
                                      (i64.xor (i64.load (local.get $p1)) (i64.load (local.get $q1)))
                                      (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $left) (i32.const 3)))) (i64.const 1)))))))
                            (if (local.get $same)
                              (then
                                (local.set $id (i32.load offset=12 (local.get $e)))
                                (br $found)))))
                        (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (global.get $MASK)))
                        (br $probe)))
                    (if (i32.lt_s (local.get $id) (i32.const 0))
                      (then
                        (global.set $missSlot (local.get $slot))
                        (global.set $missHash (local.get $h))
                        (br $stop)))
                    (i32.store
                      (i32.add (local.get $rec)
                        (i32.add (local.get $ids) (i32.shl (local.get $slot) (i32.const 2))))
                      (local.get $id))))
                (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
                (br $each_slot)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $rec (i32.add (local.get $rec) (local.get $stride)))
        (local.set $pos (i32.add (local.get $q) (i32.const 1)))
        (br $lines)))
    (global.set $next (local.get $pos))
    (local.get $n))
)
