//! Unit tests of the k-means fit, on small hand-made and seeded random data.

use super::{
    data::Prepared,
    lloyd::{assign, read_f32},
    rng::SplitMix64,
    *,
};
use crate::test_backend::TestBackend as B;
use burn::tensor::{Int, Tensor, TensorData};

fn tensor(rows: &[[f32; 2]]) -> Tensor<B, 2> {
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), 2]), &Default::default())
}

fn blobs() -> Vec<[f32; 2]> {
    // Three tight groups of four points around (0,0), (10,10) and (-10,10).
    let centres = [[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]];
    let offsets = [[0.1, 0.0], [-0.1, 0.0], [0.0, 0.1], [0.0, -0.1]];
    centres
        .iter()
        .flat_map(|c| offsets.iter().map(move |o| [c[0] + o[0], c[1] + o[1]]))
        .collect()
}

fn sorted_centroids(model: &KMeans<B>) -> Vec<[f32; 2]> {
    let flat = read_f32(model.centroids());
    let mut c: Vec<[f32; 2]> = flat.chunks(2).map(|r| [r[0], r[1]]).collect();
    c.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    c
}

#[test]
fn finds_well_separated_clusters() {
    let model = KMeansParams::new(3).fit(tensor(&blobs())).unwrap();
    let c = sorted_centroids(&model);
    let expected = [[-10.0, 10.0], [0.0, 0.0], [10.0, 10.0]];
    for (got, want) in c.iter().zip(&expected) {
        assert!(
            (got[0] - want[0]).abs() < 1e-4 && (got[1] - want[1]).abs() < 1e-4,
            "{c:?}"
        );
    }
    // 12 points each at 0.1 from its centre.
    assert!(
        (model.inertia() - 12.0 * 0.01).abs() < 1e-4,
        "{}",
        model.inertia()
    );
    let labels = read_i64(
        model
            .predict(tensor(&[[9.0, 9.0], [0.2, 0.1], [9.5, 10.5]]))
            .unwrap(),
    );
    assert_eq!(labels[0], labels[2]);
    assert_ne!(labels[0], labels[1]);
}

fn read_i64(t: Tensor<B, 1, Int>) -> Vec<i64> {
    t.into_data().convert::<i64>().into_vec().unwrap()
}

#[test]
fn chunked_fit_equals_single_chunk_fit() {
    let data = tensor(&blobs());
    let whole = KMeansParams::new(3).fit(data.clone()).unwrap();
    let chunked = KMeansParams::new(3)
        .with_chunk_rows(Some(5))
        .fit(data)
        .unwrap();
    assert_eq!(sorted_centroids(&whole), sorted_centroids(&chunked));
    assert!((whole.inertia() - chunked.inertia()).abs() < 1e-5);
}

#[test]
fn incremental_sums_equal_sums_over_all_points() {
    // 300 random points in 3-D, in chunks of 37 rows; two different sets of
    // centroids, so that many points change cluster between the passes.
    let mut rng = SplitMix64::new(7);
    let rows: Vec<f32> = (0..300 * 3).map(|_| rng.next_f64() as f32 * 10.0).collect();
    let device = Default::default();
    let data = KMeansData::<B>::from_rows(&rows, 3, Some(37), &device).unwrap();
    let data = Prepared::new(&data);
    let k = 4;
    let first = assign(&data, &data.rows(&[0, 1, 2, 3]), k, None, true);
    let centroids = data.rows(&[10, 50, 90, 130]);
    let previous = Some(&first.assignment);
    let incremental = assign(&data, &centroids, k, previous, true);
    let full = assign(&data, &centroids, k, previous, false);
    let moved = incremental.moved.unwrap();
    assert!(moved > 10, "only {moved} points moved");
    assert_eq!(full.moved, Some(moved));
    assert_eq!(incremental.counts, full.counts);
    assert_eq!(
        incremental.counts.iter().sum::<f32>(),
        300.0,
        "{:?}",
        incremental.counts
    );
    let a = read_f32(incremental.assignment.sums);
    let b = read_f32(full.assignment.sums);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-3 * y.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

#[test]
fn same_seed_same_centroids() {
    let rows: Vec<[f32; 2]> = (0..500)
        .map(|i| {
            let t = i as f32 * 0.37;
            [
                t.sin() * 5.0 + (i % 7) as f32,
                t.cos() * 3.0 - (i % 5) as f32,
            ]
        })
        .collect();
    let fit = |seed| {
        let m = KMeansParams::new(6)
            .with_seed(seed)
            .with_n_init(3)
            .with_chunk_rows(Some(128))
            .fit(tensor(&rows))
            .unwrap();
        (read_f32(m.centroids()), m.inertia(), m.n_iter())
    };
    let a = fit(7);
    assert_eq!(a, fit(7), "same seed, same result");
    assert_ne!(a.0, fit(8).0, "another seed starts elsewhere");
}

#[test]
fn duplicate_points_leave_no_nan() {
    // Five clusters, only two distinct points: clusters go empty and are re-seeded.
    let rows = [
        [1.0, 1.0],
        [1.0, 1.0],
        [1.0, 1.0],
        [5.0, 5.0],
        [5.0, 5.0],
        [5.0, 5.0],
    ];
    let mut empties = 0;
    let model = KMeansParams::new(5)
        .fit_data(
            &KMeansData::from_tensor(tensor(&rows), None).unwrap(),
            |it| {
                empties += it.empty_clusters;
                std::ops::ControlFlow::Continue(())
            },
        )
        .unwrap();
    let c = read_f32(model.centroids());
    assert!(c.iter().all(|v| v.is_finite()), "{c:?}");
    assert!(model.inertia().abs() < 1e-6);
    assert!(empties > 0, "the test should exercise re-seeding");
}

#[test]
fn bad_input_is_one_clear_error_each() {
    let data = tensor(&blobs());
    assert_eq!(
        KMeansParams::new(0).fit(data.clone()).unwrap_err(),
        KMeansError::ZeroClusters
    );
    assert_eq!(
        KMeansParams::new(13).fit(data.clone()).unwrap_err(),
        KMeansError::TooManyClusters { k: 13, n: 12 }
    );
    let empty = Tensor::<B, 2>::empty([0, 2], &Default::default());
    assert_eq!(
        KMeansParams::new(2).fit(empty).unwrap_err(),
        KMeansError::EmptyData
    );
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut rows = blobs();
        rows[5][1] = bad;
        match KMeansParams::new(2).fit(tensor(&rows)).unwrap_err() {
            KMeansError::NonFinite {
                row: 5,
                column: 1,
                value,
            } => {
                assert_eq!(value.is_nan(), bad.is_nan())
            }
            other => panic!("{other:?}"),
        }
    }
    let model = KMeansParams::new(2).fit(data).unwrap();
    let three = Tensor::<B, 2>::zeros([4, 3], &Default::default());
    let err = model.predict(three).unwrap_err();
    assert_eq!(
        err,
        KMeansError::DimensionMismatch {
            expected: 2,
            found: 3
        }
    );
    assert!(
        err.to_string().contains("2 features, the data have 3"),
        "{err}"
    );
    assert_eq!(
        KMeansParams::new(2).with_tolerance(-1.0).validate(),
        Err(KMeansError::BadTolerance(-1.0))
    );
    assert_eq!(
        KMeansParams::new(2).with_n_init(0).validate(),
        Err(KMeansError::ZeroInits)
    );
    assert_eq!(
        KMeansData::<B>::from_rows(&[1.0; 5], 2, None, &Default::default()).unwrap_err(),
        KMeansError::RaggedRows {
            len: 5,
            n_features: 2
        }
    );
}

#[test]
fn save_and_load_round_trip() {
    let tmp = std::env::temp_dir().join(format!("kmeans-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let stem = tmp.join("model");
    let model = KMeansParams::new(3).fit(tensor(&blobs())).unwrap();
    model.save(&stem).unwrap();
    let loaded = KMeans::<B>::load(&stem, &Default::default()).unwrap();
    assert_eq!(read_f32(model.centroids()), read_f32(loaded.centroids()));
    // JSON keeps the inertia to within an ulp.
    assert!((model.inertia() - loaded.inertia()).abs() <= 1e-12 * model.inertia());
    assert_eq!(model.n_iter(), loaded.n_iter());
    let err = KMeans::<B>::load(&tmp.join("missing"), &Default::default()).unwrap_err();
    assert!(err.to_string().contains("missing.json"), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}
