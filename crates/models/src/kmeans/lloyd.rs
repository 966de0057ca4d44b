//! The tensor arithmetic of the fit: distances, k-means++ seeding, the assignment
//! pass with its per-cluster sums, and the re-seeding of empty clusters.

use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorPrimitive, backend::Backend};

use crate::fused::ZooBackend;

use super::{data::Prepared, rng::SplitMix64};

/// Every this many Lloyd iterations the per-cluster sums are recomputed from all
/// points instead of updated from the points that changed cluster, so that the
/// rounding of the `f32` updates cannot build up.
pub(super) const FULL_SUMS_EVERY: usize = 10;

/// Squared distances `[m, t]` of chunk rows to `centres` (`[t, d]`), clamped at 0.
pub(super) fn squared_distances<B: Backend>(
    x: &Tensor<B, 2>,
    x_sq: &Tensor<B, 2>,
    centres: &Tensor<B, 2>,
) -> Tensor<B, 2> {
    let t = centres.dims()[0];
    let c_sq = centres.clone().square().sum_dim(1).reshape([1, t]);
    (x.clone()
        .matmul(centres.clone().transpose())
        .mul_scalar(-2.0)
        + c_sq
        + x_sq.clone())
    .clamp_min(0.0)
}

pub(super) fn read_f32<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec()
        .expect("converted to f32")
}

/// Greedy k-means++ (scikit-learn's variant): each new centre is the best of
/// `2 + ⌊ln k⌋` candidates sampled proportionally to the squared distance to the
/// nearest centre chosen so far. Distances are tensor operations; the sampling reads
/// the current distances back once per centre.
pub(super) fn kmeans_plus_plus<B: Backend>(
    data: &Prepared<B>,
    k: usize,
    rng: &mut SplitMix64,
) -> Tensor<B, 2> {
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first = rng.below(data.n_points);
    let mut centres = vec![data.row(first)];
    let mut closest: Vec<Tensor<B, 2>> = data
        .chunks
        .iter()
        .zip(&data.norms)
        .map(|(x, x_sq)| squared_distances(x, x_sq, &centres[0]))
        .collect();
    for _ in 1..k {
        let host: Vec<f32> = read_f32(Tensor::cat(closest.clone(), 0));
        let mut cumulative = Vec::with_capacity(host.len());
        let mut total = 0.0f64;
        for v in &host {
            total += f64::from(*v);
            cumulative.push(total);
        }
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let r = rng.next_f64() * total;
                cumulative
                    .partition_point(|&c| c <= r)
                    .min(data.n_points - 1)
            })
            .collect();
        let candidate_rows = data.rows(&candidates);
        let mut updated = Vec::with_capacity(closest.len());
        let mut potential: Option<Tensor<B, 2>> = None;
        for ((x, x_sq), old) in data.chunks.iter().zip(&data.norms).zip(&closest) {
            let m = x_sq.dims()[0];
            let d = squared_distances(x, x_sq, &candidate_rows)
                .min_pair(old.clone().expand([m, trials]));
            let p = d.clone().sum_dim(0);
            potential = Some(match potential {
                Some(acc) => acc + p,
                None => p,
            });
            updated.push(d);
        }
        let potential = read_f32(potential.expect("data is not empty"));
        let best = (0..trials)
            .min_by(|&a, &b| potential[a].total_cmp(&potential[b]))
            .expect("at least two trials");
        closest = updated.into_iter().map(|d| d.narrow(1, best, 1)).collect();
        centres.push(data.row(candidates[best]));
    }
    Tensor::cat(centres, 0)
}

/// Every point's cluster, with the per-cluster sums and counts of that assignment.
pub(super) struct Assignment<B: Backend> {
    pub(super) labels: Vec<Tensor<B, 1, Int>>,
    pub(super) sums: Tensor<B, 2>,
    pub(super) counts: Tensor<B, 1>,
}

/// One assignment pass: the new assignment, each point's squared distance to its
/// centre, the counts on the host, the inertia and the points that changed cluster.
pub(super) struct Step<B: Backend> {
    pub(super) assignment: Assignment<B>,
    pub(super) min_distances: Vec<Tensor<B, 2>>,
    pub(super) counts: Vec<f32>,
    pub(super) inertia: f64,
    /// Points whose cluster changed; `None` on the first pass (no previous assignment).
    pub(super) moved: Option<usize>,
}

/// Assigns every point to its nearest centroid.
///
/// With a `previous` assignment and `incremental` set, the sums and counts are the
/// previous ones corrected for the points that changed cluster (gathered by index),
/// so that a late iteration, where few points move, touches few rows; otherwise they
/// are summed over all points, with the distances
/// ([`ZooBackend::nearest_centroid_sums`]).
pub(super) fn assign<B: ZooBackend>(
    data: &Prepared<B>,
    centroids: &Tensor<B, 2>,
    k: usize,
    previous: Option<&Assignment<B>>,
    incremental: bool,
) -> Step<B> {
    let device = centroids.device();
    let c_sq = centroids.clone().square().sum_dim(1).reshape([1, k]);
    let c_t = centroids.clone().transpose().mul_scalar(-2.0);
    let incremental = incremental && previous.is_some();
    let (mut sums, mut counts) = match previous {
        Some(p) if incremental => (p.sums.clone(), p.counts.clone()),
        _ => (
            Tensor::<B, 2>::zeros([k, data.n_features], &device),
            Tensor::<B, 1>::zeros([k], &device),
        ),
    };
    let mut inertia = Tensor::<B, 1>::zeros([1], &device);
    // The number of moved points: counted from their indices when the sums are
    // corrected, else summed on the device and read once.
    let mut moved = previous.map(|_| 0);
    let mut moved_count: Option<Tensor<B, 1, Int>> = None;
    let mut labels = Vec::with_capacity(data.chunks.len());
    let mut min_distances = Vec::with_capacity(data.chunks.len());
    for (i, (x, x_sq)) in data.chunks.iter().zip(&data.norms).enumerate() {
        let (min, label) = if incremental {
            nearest_centroid(x, x_sq, &c_t, &c_sq)
        } else {
            let (min, label, s, c) = B::nearest_centroid_sums(
                x.clone().into_primitive().tensor(),
                x_sq.clone().into_primitive().tensor(),
                c_t.clone().into_primitive().tensor(),
                c_sq.clone().into_primitive().tensor(),
                sums.into_primitive().tensor(),
                counts.into_primitive().tensor(),
            );
            sums = Tensor::from_primitive(TensorPrimitive::Float(s));
            counts = Tensor::from_primitive(TensorPrimitive::Float(c));
            (
                Tensor::from_primitive(TensorPrimitive::Float(min)),
                Tensor::from_primitive(label),
            )
        };
        inertia = inertia + min.clone().sum();
        if let (Some(previous), Some(moved)) = (previous, moved.as_mut()) {
            let old = &previous.labels[i];
            let changed = label.clone().not_equal(old.clone());
            if incremental {
                let changed = changed.argwhere();
                let n = changed.dims()[0];
                *moved += n;
                if n > 0 {
                    let changed = changed.reshape([n]);
                    let rows = x.clone().select(0, changed.clone());
                    let to = label.clone().select(0, changed.clone());
                    let from = old.clone().select(0, changed);
                    let ones = Tensor::<B, 1>::ones([n], &device);
                    sums = sums
                        .select_assign(0, to.clone(), rows.clone(), IndexingUpdateOp::Add)
                        .select_assign(0, from.clone(), rows.neg(), IndexingUpdateOp::Add);
                    counts = counts
                        .select_assign(0, to, ones.clone(), IndexingUpdateOp::Add)
                        .select_assign(0, from, ones.neg(), IndexingUpdateOp::Add);
                }
            } else {
                let n = changed.int().sum();
                moved_count = Some(match moved_count {
                    Some(total) => total + n,
                    None => n,
                });
            }
        }
        labels.push(label);
        min_distances.push(min);
    }
    if let (Some(moved), Some(count)) = (moved.as_mut(), moved_count) {
        let count = count.into_data().convert::<i64>().into_vec::<i64>();
        *moved += count.expect("converted to i64")[0] as usize;
    }
    let stats = read_f32(Tensor::cat(vec![counts.clone(), inertia], 0));
    Step {
        assignment: Assignment {
            labels,
            sums,
            counts,
        },
        min_distances,
        counts: stats[..k].to_vec(),
        inertia: f64::from(stats[k]),
        moved,
    }
}

/// Each row's squared distance to its nearest centroid `[m, 1]` and that centroid
/// `[m]`, through [`ZooBackend::nearest_centroid`] (`c_t` = −2·Cᵀ, `c_sq` = |c|²).
fn nearest_centroid<B: ZooBackend>(
    x: &Tensor<B, 2>,
    x_sq: &Tensor<B, 2>,
    c_t: &Tensor<B, 2>,
    c_sq: &Tensor<B, 2>,
) -> (Tensor<B, 2>, Tensor<B, 1, Int>) {
    let (min, label) = B::nearest_centroid(
        x.clone().into_primitive().tensor(),
        x_sq.clone().into_primitive().tensor(),
        c_t.clone().into_primitive().tensor(),
        c_sq.clone().into_primitive().tensor(),
    );
    (
        Tensor::from_primitive(TensorPrimitive::Float(min)),
        Tensor::from_primitive(label),
    )
}

/// Inertia of `centroids` with every point assigned to its nearest one.
pub(super) fn final_inertia<B: ZooBackend>(data: &Prepared<B>, centroids: &Tensor<B, 2>) -> f64 {
    let k = centroids.dims()[0];
    let c_sq = centroids.clone().square().sum_dim(1).reshape([1, k]);
    let c_t = centroids.clone().transpose().mul_scalar(-2.0);
    let total = data
        .chunks
        .iter()
        .zip(&data.norms)
        .map(|(x, x_sq)| nearest_centroid(x, x_sq, &c_t, &c_sq).0.sum())
        .reduce(|a, b| a + b)
        .expect("data is not empty");
    f64::from(read_f32(total)[0])
}

/// Moves each empty cluster's centroid to one of the points farthest from their own
/// centroid (distinct points, farthest first).
pub(super) fn reseed<B: Backend>(
    data: &Prepared<B>,
    mut centroids: Tensor<B, 2>,
    empty: &[usize],
    min_distances: &[Tensor<B, 2>],
) -> Tensor<B, 2> {
    let distances = read_f32(Tensor::cat(min_distances.to_vec(), 0));
    let mut order: Vec<usize> = (0..distances.len()).collect();
    order.sort_by(|&a, &b| distances[b].total_cmp(&distances[a]).then(a.cmp(&b)));
    let d = data.n_features;
    for (&cluster, &point) in empty.iter().zip(&order) {
        centroids = centroids.slice_assign([cluster..cluster + 1, 0..d], data.row(point));
    }
    centroids
}
