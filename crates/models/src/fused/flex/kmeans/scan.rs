//! Each row's nearest centroid in one pass over the rows: for two rows at a time, the
//! dot products with four centroids at a time in SIMD registers (AVX-512 or AVX2 with
//! FMA, chosen at run time through `pulp`), then the arg-min. The centroids
//! (`k × d`, at most [`SCAN_MAX_K`]) stay in the core's cache while the rows stream
//! past once.
//!
//! gemm, which this replaces for few centroids, packs the whole `[m, d]` data into its
//! own blocks before its kernel reads them, with only `k` columns to spread that over:
//! on MNIST (60,000 × 784, k = 10) that made the distance pass several times the time
//! of one read of the data (`examples/read_rate.rs`, `benches/kmeans_speed.sh`).

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use super::{KMEANS_ROWS, SCAN_MAX_K, nearest_of};

/// Rows and centroids per step of the kernel: 2 × 4 accumulators in flight.
const ROWS: usize = 2;
const CENTROIDS: usize = 4;

/// Writes each row's squared distance to its nearest centroid and that centroid's
/// index, from `rows` `[m, d]`, `centroids_t` = −2·Cᵀ `[d, k]`, the rows' squared norms
/// `[m]` and the centroids' `[k]`. `false` (nothing written) when this CPU has neither
/// AVX-512 nor AVX2 with FMA, or the shapes do not fit; the caller then uses gemm.
pub(super) fn nearest(
    rows: &[f32],
    centroids_t: &[f32],
    x_norms: &[f32],
    c_norms: &[f32],
    distances: &mut [f32],
    labels: &mut [i32],
) -> bool {
    let (m, k) = (x_norms.len(), c_norms.len());
    if k == 0 || k > SCAN_MAX_K || m == 0 || !centroids_t.len().is_multiple_of(k) {
        return false;
    }
    let d = centroids_t.len() / k;
    if d == 0 || rows.len() != m * d || distances.len() != m || labels.len() != m {
        return false;
    }
    // −2·C, row-major, padded with zero rows to whole groups of centroids.
    let k_pad = k.div_ceil(CENTROIDS) * CENTROIDS;
    let mut centroids = vec![0.0f32; k_pad * d];
    for (i, column) in centroids_t.chunks_exact(k).enumerate() {
        for (j, &v) in column.iter().enumerate() {
            centroids[j * d + i] = v;
        }
    }
    let work = Work {
        rows,
        d,
        centroids: &centroids,
        x_norms,
        c_norms,
    };
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(simd) = pulp::x86::V4::try_new() {
            work.run(simd, distances, labels);
            return true;
        }
        if let Some(simd) = pulp::x86::V3::try_new() {
            work.run(simd, distances, labels);
            return true;
        }
    }
    let _ = work;
    false
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

impl Work<'_> {
    /// Blocks of [`KMEANS_ROWS`] rows on rayon's threads, each in `simd`'s registers.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn run<S: Simd + Send + Sync>(self, simd: S, distances: &mut [f32], labels: &mut [i32]) {
        let d = self.d;
        self.rows
            .par_chunks(KMEANS_ROWS * d)
            .zip(self.x_norms.par_chunks(KMEANS_ROWS))
            .zip(
                distances
                    .par_chunks_mut(KMEANS_ROWS)
                    .zip(labels.par_chunks_mut(KMEANS_ROWS)),
            )
            .for_each(|((rows, x_norms), (distances, labels))| {
                simd.vectorize(Block {
                    work: Work {
                        rows,
                        x_norms,
                        ..self
                    },
                    distances,
                    labels,
                })
            });
    }
}

/// One block of rows and where its results go.
struct Block<'a> {
    work: Work<'a>,
    distances: &'a mut [f32],
    labels: &'a mut [i32],
}

impl WithSimd for Block<'_> {
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
        let mut scores = [[0.0f32; SCAN_MAX_K]; ROWS];
        let pairs = rows.chunks(ROWS * d).zip(x_norms.chunks(ROWS)).zip(
            self.distances
                .chunks_mut(ROWS)
                .zip(self.labels.chunks_mut(ROWS)),
        );
        for ((pair, norms), (distances, labels)) in pairs {
            let first = &pair[..d];
            // An odd last row is paired with itself; the copy's results are not kept.
            let second = pair.get(d..ROWS * d).unwrap_or(first);
            for (g, group) in centroids.chunks_exact(CENTROIDS * d).enumerate() {
                let dots = dots(simd, first, second, group, d);
                for (r, row_dots) in dots.iter().enumerate() {
                    scores[r][g * CENTROIDS..][..CENTROIDS].copy_from_slice(row_dots);
                }
            }
            for (r, ((norm, distance), label)) in
                norms.iter().zip(distances).zip(labels).enumerate()
            {
                (*distance, *label) = nearest_of(&scores[r][..k], c_norms, *norm);
            }
        }
    }
}

/// The dot products of two rows with four centroids (`group`: 4 rows of `d`).
///
/// No closures here: a closure is a function of its own, compiled without the
/// caller's SIMD features, and the intrinsics it calls are then not inlined.
#[inline(always)]
fn dots<S: Simd>(
    simd: S,
    first: &[f32],
    second: &[f32],
    group: &[f32],
    d: usize,
) -> [[f32; CENTROIDS]; ROWS] {
    let (x0, tail0) = S::as_simd_f32s(first);
    let (x1, tail1) = S::as_simd_f32s(second);
    let (c0, t0) = S::as_simd_f32s(&group[..d]);
    let (c1, t1) = S::as_simd_f32s(&group[d..2 * d]);
    let (c2, t2) = S::as_simd_f32s(&group[2 * d..3 * d]);
    let (c3, t3) = S::as_simd_f32s(&group[3 * d..4 * d]);
    let zero = simd.splat_f32s(0.0);
    let (mut a0, mut a1, mut a2, mut a3) = (zero, zero, zero, zero);
    let (mut b0, mut b1, mut b2, mut b3) = (zero, zero, zero, zero);
    for ((x, y), ((c0, c1), (c2, c3))) in x0
        .iter()
        .zip(x1)
        .zip(c0.iter().zip(c1).zip(c2.iter().zip(c3)))
    {
        a0 = simd.mul_add_f32s(*x, *c0, a0);
        b0 = simd.mul_add_f32s(*y, *c0, b0);
        a1 = simd.mul_add_f32s(*x, *c1, a1);
        b1 = simd.mul_add_f32s(*y, *c1, b1);
        a2 = simd.mul_add_f32s(*x, *c2, a2);
        b2 = simd.mul_add_f32s(*y, *c2, b2);
        a3 = simd.mul_add_f32s(*x, *c3, a3);
        b3 = simd.mul_add_f32s(*y, *c3, b3);
    }
    let mut out = [
        [
            simd.reduce_sum_f32s(a0),
            simd.reduce_sum_f32s(a1),
            simd.reduce_sum_f32s(a2),
            simd.reduce_sum_f32s(a3),
        ],
        [
            simd.reduce_sum_f32s(b0),
            simd.reduce_sum_f32s(b1),
            simd.reduce_sum_f32s(b2),
            simd.reduce_sum_f32s(b3),
        ],
    ];
    for (j, t) in [t0, t1, t2, t3].into_iter().enumerate() {
        for ((x, y), c) in tail0.iter().zip(tail1).zip(t) {
            out[0][j] += x * c;
            out[1][j] += y * c;
        }
    }
    out
}
