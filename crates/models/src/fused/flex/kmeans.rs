//! Flex's k-means operations: the nearest centroid of each row (one pass over the
//! distance product's scores) and the per-cluster sums (per-task partial sums).

use burn::backend::{Flex, flex::FlexTensor};
use burn::tensor::{DType, TensorData, TensorMetadata, ops::FloatTensorOps};
use rayon::prelude::*;

use super::{contiguous, is_f32, owned, values_mut};
use crate::fused::reference;

/// Rows per task of the k-means loops.
const KMEANS_ROWS: usize = 512;

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
    let m = x.shape()[0];
    // The distance product with Flex's gemm, then one pass over the scores.
    let scores = contiguous(Flex::float_matmul(x, centroids_t));
    let (x_norms, c_norms) = (contiguous(x_norms), contiguous(centroid_norms));
    let (Some(scores), Some(x_norms), Some(c_norms)) = (
        scores.as_slice::<f32>(),
        x_norms.as_slice::<f32>(),
        c_norms.as_slice::<f32>(),
    ) else {
        unreachable!("contiguous f32 tensors have slices")
    };
    let mut distances = vec![0.0f32; m];
    let mut labels = vec![0i32; m];
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
                let (mut best, mut index) = (row[0] + c_norms[0], 0);
                for (j, (s, c)) in row.iter().zip(c_norms).enumerate().skip(1) {
                    let v = s + c;
                    if v < best {
                        (best, index) = (v, j);
                    }
                }
                *d = (best + norm).max(0.0);
                *l = index as i32;
            }
        });
    (
        FlexTensor::from_data(TensorData::new(distances, [m, 1])),
        FlexTensor::from_data(TensorData::new(labels, [m])),
    )
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
    let (s, c) = (values_mut(&mut sums), values_mut(&mut counts));
    for (ps, pc) in &parts {
        s.iter_mut().zip(ps).for_each(|(s, p)| *s += p);
        c.iter_mut().zip(pc).for_each(|(c, p)| *c += p);
    }
    (sums, counts)
}

/// An `i32` label tensor, made contiguous if it is a view.
fn contiguous_labels(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<i32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}
