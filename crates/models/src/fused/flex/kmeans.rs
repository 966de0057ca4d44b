//! Flex's k-means operations: the nearest centroid of each row (for up to
//! [`SCAN_MAX_K`] centroids one SIMD pass over the rows, [`scan`]; for more, gemm's
//! distance product and one pass over its scores) and the per-cluster sums (per-task
//! partial sums), or both in one scan.

use burn::backend::{Flex, flex::FlexTensor};
use burn::tensor::{DType, TensorData, TensorMetadata, ops::FloatTensorOps};
use rayon::prelude::*;

use super::{contiguous, is_f32, owned, values_mut};
use crate::fused::{NearestSums, reference};

mod scan;

use scan::Sums;

/// Rows per task of the k-means loops.
const KMEANS_ROWS: usize = 512;

/// Up to this many centroids, the distances are computed row by row in one pass over
/// the data ([`scan`]); more go through gemm.
const SCAN_MAX_K: usize = 64;

pub(super) fn nearest_centroid(
    x: FlexTensor,
    x_norms: FlexTensor,
    centroids_t: FlexTensor,
    centroid_norms: FlexTensor,
) -> (FlexTensor, FlexTensor) {
    let k = centroids_t.shape()[1];
    let all_f32 = [&x, &x_norms, &centroids_t, &centroid_norms]
        .iter()
        .all(|t| is_f32(t));
    if !all_f32 || k == 0 {
        return reference::nearest_centroid::<Flex>(x, x_norms, centroids_t, centroid_norms);
    }
    let (distances, labels, _) = assign(x, x_norms, centroids_t, centroid_norms, None);
    (distances, labels)
}

/// [`nearest_centroid`] and the rows added to `sums` and `counts` in the same scan
/// over the data; when the scan cannot run, [`nearest_centroid`] then [`cluster_sums`].
pub(super) fn nearest_centroid_sums(
    x: FlexTensor,
    x_norms: FlexTensor,
    centroids_t: FlexTensor,
    centroid_norms: FlexTensor,
    sums: FlexTensor,
    counts: FlexTensor,
) -> NearestSums<Flex> {
    let [k, d] = [centroids_t.shape()[1], x.shape()[1]];
    let fits = [&x, &x_norms, &centroids_t, &centroid_norms, &sums, &counts]
        .iter()
        .all(|t| is_f32(t))
        && k > 0
        && sums.shape().dims::<2>() == [k, d]
        && counts.shape().dims::<1>() == [k];
    let (distances, labels, sums, counts) = if fits {
        let (mut sums, mut counts) = (owned(sums), owned(counts));
        let totals = Sums {
            sums: values_mut(&mut sums),
            counts: values_mut(&mut counts),
        };
        let (distances, labels, summed) = assign(
            x.clone(),
            x_norms,
            centroids_t,
            centroid_norms,
            Some(totals),
        );
        if summed {
            return (distances, labels, sums, counts);
        }
        (distances, labels, sums, counts)
    } else {
        let (distances, labels) = nearest_centroid(x.clone(), x_norms, centroids_t, centroid_norms);
        (distances, labels, sums, counts)
    };
    let (sums, counts) = cluster_sums(sums, counts, x, labels.clone());
    (distances, labels, sums, counts)
}

/// The distances and labels of `f32` tensors by the [`scan`] where it runs (then
/// with `sums` added to, and `true`), else by gemm (`sums` untouched, `false`).
fn assign(
    x: FlexTensor,
    x_norms: FlexTensor,
    centroids_t: FlexTensor,
    centroid_norms: FlexTensor,
    sums: Option<Sums<'_>>,
) -> (FlexTensor, FlexTensor, bool) {
    let m = x.shape()[0];
    let (x, x_norms, c_norms) = (
        contiguous(x),
        contiguous(x_norms),
        contiguous(centroid_norms),
    );
    let mut distances = vec![0.0f32; m];
    let mut labels = vec![0i32; m];
    // The scan checks the shapes and the CPU, and says whether it ran.
    let c_t = contiguous(centroids_t.clone());
    let scanned = match (
        x.as_slice::<f32>(),
        c_t.as_slice::<f32>(),
        x_norms.as_slice::<f32>(),
        c_norms.as_slice::<f32>(),
    ) {
        (Some(rows), Some(c_t), Some(x_norms), Some(c_norms)) => scan::nearest(
            rows,
            c_t,
            x_norms,
            c_norms,
            &mut distances,
            &mut labels,
            sums,
        ),
        _ => false,
    };
    if !scanned {
        by_gemm(
            x,
            &x_norms,
            centroids_t,
            &c_norms,
            &mut distances,
            &mut labels,
        );
    }
    (
        FlexTensor::from_data(TensorData::new(distances, [m, 1])),
        FlexTensor::from_data(TensorData::new(labels, [m])),
        scanned,
    )
}

/// The distance product with Flex's gemm, then one pass over the scores (many
/// centroids, or a CPU without AVX2).
fn by_gemm(
    x: FlexTensor,
    x_norms: &FlexTensor,
    centroids_t: FlexTensor,
    c_norms: &FlexTensor,
    distances: &mut [f32],
    labels: &mut [i32],
) {
    let k = centroids_t.shape()[1];
    let scores = contiguous(Flex::float_matmul(x, centroids_t));
    let (Some(scores), Some(x_norms), Some(c_norms)) = (
        scores.as_slice::<f32>(),
        x_norms.as_slice::<f32>(),
        c_norms.as_slice::<f32>(),
    ) else {
        unreachable!("contiguous f32 tensors have slices")
    };
    scores
        .par_chunks(KMEANS_ROWS * k)
        .zip(x_norms.par_chunks(KMEANS_ROWS))
        .zip(
            distances
                .par_chunks_mut(KMEANS_ROWS)
                .zip(labels.par_chunks_mut(KMEANS_ROWS)),
        )
        .for_each(|((scores, norms), (d, l))| {
            for (((row, norm), d), l) in scores.chunks(k).zip(norms).zip(d).zip(l) {
                (*d, *l) = nearest_of(row, c_norms, *norm);
            }
        });
}

/// The nearest of one row's scores `x·(−2c)` plus the centroids' squared norms: its
/// squared distance (clamped at 0) and index, the first of equals.
fn nearest_of(scores: &[f32], c_norms: &[f32], x_norm: f32) -> (f32, i32) {
    let (mut best, mut index) = (scores[0] + c_norms[0], 0);
    for (j, (s, c)) in scores.iter().zip(c_norms).enumerate().skip(1) {
        let v = s + c;
        if v < best {
            (best, index) = (v, j);
        }
    }
    ((best + x_norm).max(0.0), index as i32)
}

pub(super) fn cluster_sums(
    sums: FlexTensor,
    counts: FlexTensor,
    x: FlexTensor,
    labels: FlexTensor,
) -> (FlexTensor, FlexTensor) {
    let [k, d] = [sums.shape()[0], sums.shape()[1]];
    let fits = [&sums, &counts, &x].iter().all(|t| is_f32(t))
        && labels.dtype() == DType::I32
        && x.shape()[1] == d;
    if !fits {
        return reference::cluster_sums::<Flex>(sums, counts, x, labels);
    }
    let (x, labels) = (contiguous(x), contiguous_labels(labels));
    let (Some(rows), Some(labels)) = (x.as_slice::<f32>(), labels.as_slice::<i32>()) else {
        unreachable!("contiguous tensors have slices")
    };
    if labels.iter().any(|&l| l < 0 || l as usize >= k) {
        // Out-of-range labels: burn's own operation reports them.
        let labels = FlexTensor::from_data(TensorData::new(labels.to_vec(), [labels.len()]));
        return reference::cluster_sums::<Flex>(sums, counts, x, labels);
    }
    // Each task sums its rows into its own [k, d] and [k]; the parts are added in
    // task order, so the result does not depend on scheduling.
    let parts: Vec<(Vec<f32>, Vec<f32>)> = rows
        .par_chunks(KMEANS_ROWS * d)
        .zip(labels.par_chunks(KMEANS_ROWS))
        .map(|(rows, labels)| {
            let (mut s, mut c) = (vec![0.0f32; k * d], vec![0.0f32; k]);
            for (row, &l) in rows.chunks(d).zip(labels) {
                let l = l as usize;
                s[l * d..][..d]
                    .iter_mut()
                    .zip(row)
                    .for_each(|(s, x)| *s += x);
                c[l] += 1.0;
            }
            (s, c)
        })
        .collect();
    let (mut sums, mut counts) = (owned(sums), owned(counts));
    add_parts(values_mut(&mut sums), values_mut(&mut counts), &parts);
    (sums, counts)
}

/// Adds per-task partial sums and counts to the totals, in task order.
fn add_parts(sums: &mut [f32], counts: &mut [f32], parts: &[(Vec<f32>, Vec<f32>)]) {
    for (ps, pc) in parts {
        sums.iter_mut().zip(ps).for_each(|(s, p)| *s += p);
        counts.iter_mut().zip(pc).for_each(|(c, p)| *c += p);
    }
}

/// An `i32` label tensor, made contiguous if it is a view.
fn contiguous_labels(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<i32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}
