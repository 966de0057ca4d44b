//! Each row's nearest centroid in one pass over the rows: for a few rows at a time, the
//! dot products with a few centroids at a time in SIMD registers (AVX-512: 4 rows × 5
//! centroids; AVX2 with FMA: 2 × 4; chosen at run time through `pulp`), then the
//! arg-min. The centroids (`k × d`, at most [`SCAN_MAX_K`]) stay in the core's cache
//! while the rows stream past once, fetched a few rows ahead of the kernel.
//!
//! gemm, which this replaces for few centroids, packs the whole `[m, d]` data into its
//! own blocks before its kernel reads them, with only `k` columns to spread that over:
//! on MNIST (60,000 × 784, k = 10) that made the distance pass several times the time
//! of one read of the data (`examples/read_rate.rs`, `benches/kmeans_speed.sh`).
//!
//! The block of rows × centroids sets how many loads each multiply-add needs: 2 × 4
//! loads 6 vectors for 8 multiply-adds, 4 × 5 loads 9 for 20, and the loads, not the
//! arithmetic, bounded the kernel (`examples/assign_rate.rs`). 20 accumulators fit
//! AVX-512's 32 registers; AVX2 has 16.

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use super::{KMEANS_ROWS, SCAN_MAX_K, add_parts, nearest_of};

/// How many rows ahead of the block being computed the scan asks the CPU to bring
/// rows into the cache, so that memory and the kernel work at the same time.
const AHEAD: usize = 8;

/// Rows whose labels the scan finds before it adds them to their clusters: few
/// enough to stay in the core's L2 cache, so that the centroids alone share L1 with
/// the rows during the distances, and the sums during the additions.
const PART: usize = 64;

/// Writes each row's squared distance to its nearest centroid and that centroid's
/// index, from `rows` `[m, d]`, `centroids_t` = −2·Cᵀ `[d, k]`, the rows' squared norms
/// `[m]` and the centroids' `[k]`; with `sums`, also adds each row to its cluster's sum
/// `[k, d]` and count `[k]` while the row is in the core's cache. `false` (nothing
/// written) when this CPU has neither AVX-512 nor AVX2 with FMA, or the shapes do not
/// fit; the caller then uses gemm.
pub(super) fn nearest(
    rows: &[f32],
    centroids_t: &[f32],
    x_norms: &[f32],
    c_norms: &[f32],
    distances: &mut [f32],
    labels: &mut [i32],
    sums: Option<Sums<'_>>,
) -> bool {
    let (m, k) = (x_norms.len(), c_norms.len());
    if k == 0 || k > SCAN_MAX_K || m == 0 || !centroids_t.len().is_multiple_of(k) {
        return false;
    }
    let d = centroids_t.len() / k;
    if d == 0 || rows.len() != m * d || distances.len() != m || labels.len() != m {
        return false;
    }
    if sums
        .as_ref()
        .is_some_and(|s| s.sums.len() != k * d || s.counts.len() != k)
    {
        return false;
    }
    let input = Input {
        rows,
        centroids_t,
        x_norms,
        c_norms,
    };
    let output = Output {
        distances,
        labels,
        sums,
    };
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(simd) = pulp::x86::V4::try_new() {
            scan::<_, 4, 5>(simd, input, output);
            return true;
        }
        if let Some(simd) = pulp::x86::V3::try_new() {
            scan::<_, 2, 4>(simd, input, output);
            return true;
        }
    }
    let _ = (input, output);
    false
}

/// What [`nearest`] reads.
#[derive(Clone, Copy)]
struct Input<'a> {
    rows: &'a [f32],
    centroids_t: &'a [f32],
    x_norms: &'a [f32],
    c_norms: &'a [f32],
}

/// Where [`nearest`] writes.
struct Output<'a> {
    distances: &'a mut [f32],
    labels: &'a mut [i32],
    sums: Option<Sums<'a>>,
}

/// [`nearest`] (its shapes checked) with `simd`'s kernel of `R` rows × `C` centroids.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn scan<S: Simd + Send + Sync, const R: usize, const C: usize>(
    simd: S,
    input: Input<'_>,
    output: Output<'_>,
) {
    let Input {
        rows,
        centroids_t,
        x_norms,
        c_norms,
    } = input;
    let k = c_norms.len();
    let d = centroids_t.len() / k;
    let lanes = size_of::<S::f32s>() / size_of::<f32>();
    let centroids = packed::<C>(centroids_t, k, d, lanes);
    Work::new(rows, d, &centroids, x_norms, c_norms).run::<S, R, C>(
        simd,
        output.distances,
        output.labels,
        output.sums,
    );
}

/// −2·C `[k, d]` from −2·Cᵀ `[d, k]` packed for [`dots`]: in groups of `C` centroids
/// (zero centroids pad the last), each group first its whole vectors of `lanes`
/// values, the `C` centroids' `i`-th vectors side by side, then the `C` tails of
/// `d mod lanes` values. One pointer then walks a group's vectors in the kernel.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn packed<const C: usize>(centroids_t: &[f32], k: usize, d: usize, lanes: usize) -> Vec<f32> {
    let (n, tail) = (d / lanes, d % lanes);
    let mut packed = vec![0.0f32; k.div_ceil(C) * C * d];
    for (g, group) in packed.chunks_exact_mut(C * d).enumerate() {
        let (vectors, tails) = group.split_at_mut(n * C * lanes);
        for j in 0..C.min(k - g * C) {
            let centroid = g * C + j;
            for (i, vector) in vectors.chunks_exact_mut(C * lanes).enumerate() {
                let to = &mut vector[j * lanes..(j + 1) * lanes];
                for (lane, v) in to.iter_mut().enumerate() {
                    *v = centroids_t[(i * lanes + lane) * k + centroid];
                }
            }
            for (lane, v) in tails[j * tail..(j + 1) * tail].iter_mut().enumerate() {
                *v = centroids_t[(n * lanes + lane) * k + centroid];
            }
        }
    }
    packed
}

/// Per-cluster sums `[k, d]` and counts `[k]` that the scan adds its rows to.
pub(super) struct Sums<'a> {
    pub(super) sums: &'a mut [f32],
    pub(super) counts: &'a mut [f32],
}

/// What every block of rows reads.
#[derive(Clone, Copy)]
struct Work<'a> {
    rows: &'a [f32],
    d: usize,
    centroids: &'a [f32],
    x_norms: &'a [f32],
    c_norms: &'a [f32],
}

impl<'a> Work<'a> {
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn new(
        rows: &'a [f32],
        d: usize,
        centroids: &'a [f32],
        x_norms: &'a [f32],
        c_norms: &'a [f32],
    ) -> Self {
        Self {
            rows,
            d,
            centroids,
            x_norms,
            c_norms,
        }
    }

    /// Blocks of [`KMEANS_ROWS`] rows on rayon's threads, each in `simd`'s registers;
    /// with `sums`, each block sums its rows into its own part, and the parts are
    /// added in block order, so the result does not depend on scheduling.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn run<S: Simd + Send + Sync, const R: usize, const C: usize>(
        self,
        simd: S,
        distances: &mut [f32],
        labels: &mut [i32],
        sums: Option<Sums<'_>>,
    ) {
        let (d, k) = (self.d, self.c_norms.len());
        let blocks = self
            .rows
            .par_chunks(KMEANS_ROWS * d)
            .zip(self.x_norms.par_chunks(KMEANS_ROWS))
            .zip(
                distances
                    .par_chunks_mut(KMEANS_ROWS)
                    .zip(labels.par_chunks_mut(KMEANS_ROWS)),
            );
        let Some(Sums { sums, counts }) = sums else {
            blocks.for_each(|((rows, x_norms), (distances, labels))| {
                simd.vectorize(self.block::<R, C>(rows, x_norms, distances, labels, None))
            });
            return;
        };
        let parts: Vec<(Vec<f32>, Vec<f32>)> = blocks
            .map(|((rows, x_norms), (distances, labels))| {
                let (mut s, mut c) = (vec![0.0f32; k * d], vec![0.0f32; k]);
                let part = Sums {
                    sums: &mut s,
                    counts: &mut c,
                };
                simd.vectorize(self.block::<R, C>(rows, x_norms, distances, labels, Some(part)));
                (s, c)
            })
            .collect();
        add_parts(sums, counts, &parts);
    }

    /// The block of `rows` (with their norms) and where its results go.
    fn block<'b, const R: usize, const C: usize>(
        self,
        rows: &'b [f32],
        x_norms: &'b [f32],
        distances: &'b mut [f32],
        labels: &'b mut [i32],
        sums: Option<Sums<'b>>,
    ) -> Block<'b, R, C>
    where
        Self: 'b,
    {
        Block {
            work: Work {
                rows,
                x_norms,
                ..self
            },
            distances,
            labels,
            sums,
        }
    }
}

/// One block of rows and where its results go; the kernel takes `R` rows and `C`
/// centroids at a time.
struct Block<'a, const R: usize, const C: usize> {
    work: Work<'a>,
    distances: &'a mut [f32],
    labels: &'a mut [i32],
    sums: Option<Sums<'a>>,
}

impl<const R: usize, const C: usize> WithSimd for Block<'_, R, C> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Work {
            rows,
            d,
            centroids,
            x_norms,
            c_norms,
        } = self.work;
        let k = c_norms.len();
        let mut sums = self.sums;
        // Room for the padding of the last group of centroids.
        let mut scores = [[0.0f32; SCAN_MAX_K + 8]; R];
        let parts = rows.chunks(PART * d).zip(x_norms.chunks(PART)).zip(
            self.distances
                .chunks_mut(PART)
                .zip(self.labels.chunks_mut(PART)),
        );
        for (p, ((part, norms), (distances, labels))) in parts.enumerate() {
            let blocks = part
                .chunks(R * d)
                .zip(norms.chunks(R))
                .zip(distances.chunks_mut(R).zip(labels.chunks_mut(R)));
            for (b, ((block, norms), (distances, labels))) in blocks.enumerate() {
                // A short last block repeats its last row; the copies' results are not
                // kept.
                let mut xs = [&block[..d]; R];
                for (r, x) in xs.iter_mut().enumerate() {
                    if let Some(row) = block.get(r * d..(r + 1) * d) {
                        *x = row;
                    }
                }
                // The block AHEAD rows on is fetched into the cache while this one is
                // computed, a share of it during each group of centroids.
                let ahead = (p * PART + b * R + AHEAD) * d;
                let ahead = rows.get(ahead..(ahead + R * d).min(rows.len()));
                let share = (R * d).div_ceil(centroids.len() / (C * d));
                for (g, group) in centroids.chunks_exact(C * d).enumerate() {
                    let fetch = ahead
                        .and_then(|a| a.get(g * share..((g + 1) * share).min(a.len())))
                        .unwrap_or_default();
                    let dots = dots::<S, R, C>(simd, &xs, group, fetch, d);
                    for (r, row_dots) in dots.iter().enumerate() {
                        scores[r][g * C..][..C].copy_from_slice(row_dots);
                    }
                }
                for (r, ((norm, distance), label)) in
                    norms.iter().zip(distances).zip(labels).enumerate()
                {
                    (*distance, *label) = nearest_of(&scores[r][..k], c_norms, *norm);
                }
            }
            // The part's rows, still in the core's cache, added to their clusters.
            if let Some(Sums { sums, counts }) = sums.as_mut() {
                add_part(simd, sums, counts, part, labels, d);
            }
        }
    }
}

/// Adds the rows of `part` (at most [`PART`]) to their clusters' sums and counts,
/// cluster by cluster: each vector of a sum is loaded and stored once per part, not
/// once per row. (Row by row, the stores of one row's sum covered most of a 4 KiB
/// window, and the CPU held back the next row's loads that seemed to alias them.)
#[inline(always)]
fn add_part<S: Simd>(
    simd: S,
    sums: &mut [f32],
    counts: &mut [f32],
    part: &[f32],
    labels: &[i32],
    d: usize,
) {
    let k = counts.len();
    // The rows of each cluster, in row order (a counting sort of the labels).
    let mut start = [0usize; SCAN_MAX_K + 1];
    for &l in labels {
        start[l as usize + 1] += 1;
    }
    for l in 0..k {
        start[l + 1] += start[l];
    }
    let mut next = start;
    let mut order = [(&[] as &[S::f32s], &[] as &[f32]); PART];
    for (row, &l) in part.chunks_exact(d).zip(labels) {
        order[next[l as usize]] = S::as_simd_f32s(row);
        next[l as usize] += 1;
    }
    for (l, (sum, count)) in sums.chunks_exact_mut(d).zip(counts.iter_mut()).enumerate() {
        let rows = &order[start[l]..start[l + 1]];
        if rows.is_empty() {
            continue;
        }
        *count += rows.len() as f32;
        let (vectors, tail) = S::as_mut_simd_f32s(sum);
        let from = vectors.len() / 4 * 4;
        // Four vectors of the sum in registers at a time, each row added to them.
        let mut blocks = vectors.chunks_exact_mut(4);
        for (b, block) in (&mut blocks).enumerate() {
            let i = 4 * b;
            let (mut a0, mut a1, mut a2, mut a3) = (block[0], block[1], block[2], block[3]);
            for (row, _) in rows {
                let row = &row[i..i + 4];
                a0 = simd.add_f32s(a0, row[0]);
                a1 = simd.add_f32s(a1, row[1]);
                a2 = simd.add_f32s(a2, row[2]);
                a3 = simd.add_f32s(a3, row[3]);
            }
            (block[0], block[1], block[2], block[3]) = (a0, a1, a2, a3);
        }
        for (i, s) in blocks.into_remainder().iter_mut().enumerate() {
            for (row, _) in rows {
                *s = simd.add_f32s(*s, row[from + i]);
            }
        }
        for (j, s) in tail.iter_mut().enumerate() {
            for (_, row_tail) in rows {
                *s += row_tail[j];
            }
        }
    }
}

/// The dot products of `R` rows with a group of `C` centroids ([`packed`]), while
/// the cache lines of `fetch` are requested.
///
/// No closures here: a closure is a function of its own, compiled without the
/// caller's SIMD features, and the intrinsics it calls are then not inlined.
#[inline(always)]
fn dots<S: Simd, const R: usize, const C: usize>(
    simd: S,
    xs: &[&[f32]; R],
    group: &[f32],
    fetch: &[f32],
    d: usize,
) -> [[f32; C]; R] {
    let lanes = size_of::<S::f32s>() / size_of::<f32>();
    let (n, tail) = (d / lanes, d % lanes);
    let mut x = [&[] as &[S::f32s]; R];
    for (x, row) in x.iter_mut().zip(xs) {
        *x = &S::as_simd_f32s(row).0[..n];
    }
    let (vectors, tails) = group.split_at(n * C * lanes);
    let c = &S::as_simd_f32s(vectors).0[..n * C];
    // The cache lines of `fetch` to request at each step.
    let per_step = fetch.len().div_ceil(LINE * n.max(1));
    let mut acc = [[simd.splat_f32s(0.0); C]; R];
    for i in 0..n {
        for line in 0..per_step {
            if let Some(v) = fetch.get((i * per_step + line) * LINE) {
                prefetch(v);
            }
        }
        let ci = &c[i * C..(i + 1) * C];
        for j in 0..C {
            for r in 0..R {
                acc[r][j] = simd.mul_add_f32s(x[r][i], ci[j], acc[r][j]);
            }
        }
    }
    let mut out = [[0.0f32; C]; R];
    for r in 0..R {
        for j in 0..C {
            let mut rest = 0.0;
            for (x, c) in xs[r][n * lanes..]
                .iter()
                .zip(&tails[j * tail..(j + 1) * tail])
            {
                rest += x * c;
            }
            out[r][j] = simd.reduce_sum_f32s(acc[r][j]) + rest;
        }
    }
    out
}

/// `f32` values per cache line.
const LINE: usize = 16;

/// Asks the CPU to bring the cache line holding `value` into its L1 cache.
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch(value: &f32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint to the cache; it reads nothing into the program and
    // cannot fault, and the address is of a live reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// Each kernel this CPU can run (AVX-512's 4 × 5, AVX2's 2 × 4), against plain
    /// loops: the same labels, and the distances and sums to rounding.
    #[test]
    fn every_kernel_matches_plain_loops() {
        let mut state = 0x2545_f491_u32;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as f32 / u32::MAX as f32
        };
        // Odd row counts, widths that leave a tail, k not a multiple of C, k = 64.
        for (m, d, k) in [
            (1, 1, 1),
            (7, 3, 2),
            (301, 37, 10),
            (131, 784, 10),
            (70, 20, 64),
        ] {
            let rows: Vec<f32> = (0..m * d).map(|_| random()).collect();
            let centroids: Vec<f32> = (0..k * d).map(|_| random()).collect();
            let mut centroids_t = vec![0.0f32; d * k];
            for (j, c) in centroids.chunks(d).enumerate() {
                for (i, v) in c.iter().enumerate() {
                    centroids_t[i * k + j] = -2.0 * v;
                }
            }
            let norms = |v: &[f32]| -> Vec<f32> {
                v.chunks(d).map(|r| r.iter().map(|x| x * x).sum()).collect()
            };
            let (x_norms, c_norms) = (norms(&rows), norms(&centroids));
            let (mut want_l, mut want_s) = (vec![0i32; m], vec![0.0f32; k * d]);
            let mut want_d = vec![0.0f32; m];
            for (i, row) in rows.chunks(d).enumerate() {
                let scores: Vec<f32> = (0..k)
                    .map(|j| (0..d).map(|e| row[e] * centroids_t[e * k + j]).sum())
                    .collect();
                (want_d[i], want_l[i]) = nearest_of(&scores, &c_norms, x_norms[i]);
                let l = want_l[i] as usize;
                for (s, x) in want_s[l * d..(l + 1) * d].iter_mut().zip(row) {
                    *s += x;
                }
            }
            let check = |name: &str, got_d: &[f32], got_l: &[i32], got_s: &[f32]| {
                let what = format!("{name}, {m}×{d}, k = {k}");
                assert_eq!(got_l, want_l, "{what}: labels");
                for (a, b) in got_d.iter().zip(&want_d).chain(got_s.iter().zip(&want_s)) {
                    assert!(
                        (a - b).abs() <= 1e-4 * b.abs().max(1.0),
                        "{what}: {a} vs {b}"
                    );
                }
            };
            macro_rules! run {
                ($simd:expr, $r:literal, $c:literal, $name:literal) => {
                    if let Some(simd) = $simd {
                        let (mut got_d, mut got_l) = (vec![0.0f32; m], vec![0i32; m]);
                        let (mut got_s, mut got_c) = (vec![0.0f32; k * d], vec![0.0f32; k]);
                        let sums = Sums {
                            sums: &mut got_s,
                            counts: &mut got_c,
                        };
                        let input = Input {
                            rows: &rows,
                            centroids_t: &centroids_t,
                            x_norms: &x_norms,
                            c_norms: &c_norms,
                        };
                        let output = Output {
                            distances: &mut got_d,
                            labels: &mut got_l,
                            sums: Some(sums),
                        };
                        scan::<_, $r, $c>(simd, input, output);
                        check($name, &got_d, &got_l, &got_s);
                        assert_eq!(got_c.iter().sum::<f32>(), m as f32);
                    }
                };
            }
            run!(pulp::x86::V4::try_new(), 4, 5, "AVX-512");
            run!(pulp::x86::V3::try_new(), 2, 4, "AVX2");
        }
    }
}
