//! burn's autodiff against the softmax and cross-entropy gradients derived by hand.
//!
//! For `s = softmax(z)` the Jacobian is `∂s_i/∂z_j = s_i (δ_ij − s_j)`, and the
//! gradient of the cross-entropy `−ln s_y` with respect to the logits is
//! `s − one_hot(y)` (divided by the batch size for the batch mean that
//! [`cross_entropy`] takes). The blog post that derives them by hand evaluates the
//! Jacobian at `s = [0.16205871, 0.15308274, 0.22661096, 0.22634251, 0.23190508]`;
//! these tests check burn's gradients there and at seeded random logits.

use burn::tensor::{Distribution, Int, Tensor, activation::softmax, backend::Backend};

use crate::{loss::cross_entropy, test_backend::TestAutodiffBackend as B};

/// The blog post's softmax output.
const BLOG_SOFTMAX: [f32; 5] = [0.16205871, 0.15308274, 0.22661096, 0.22634251, 0.23190508];

/// Relative-or-absolute closeness: `|a − b| ≤ tol · max(1, |b|)`.
fn close(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

/// The hand-derived Jacobian `s_i (δ_ij − s_j)`, row-major.
fn hand_jacobian(s: &[f32]) -> Vec<f32> {
    let n = s.len();
    (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            s[i] * (f32::from(u8::from(i == j)) - s[j])
        })
        .collect()
}

/// burn's Jacobian of softmax at `logits`, one autodiff pass per output: row `i` is
/// the gradient of `softmax(z)_i`.
fn autodiff_jacobian(logits: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let device = Default::default();
    let n = logits.len();
    let mut jacobian = Vec::with_capacity(n * n);
    let mut probabilities = Vec::new();
    for i in 0..n {
        let z = Tensor::<B, 1>::from_floats(logits, &device).require_grad();
        let s = softmax(z.clone(), 0);
        if i == 0 {
            probabilities = s.to_data().to_vec::<f32>().unwrap();
        }
        let grads = s.slice(i..i + 1).sum().backward();
        jacobian.extend(z.grad(&grads).unwrap().to_data().to_vec::<f32>().unwrap());
    }
    (probabilities, jacobian)
}

fn assert_jacobian_matches(logits: &[f32], tol: f32) {
    let (s, auto) = autodiff_jacobian(logits);
    let hand = hand_jacobian(&s);
    for (k, (a, h)) in auto.iter().zip(&hand).enumerate() {
        assert!(
            close(*a, *h, tol),
            "∂s_{}/∂z_{}: autodiff {a}, by hand {h} (logits {logits:?})",
            k / s.len(),
            k % s.len()
        );
    }
    // Each row of the Jacobian sums to zero: the probabilities always sum to 1.
    for row in auto.chunks(s.len()) {
        assert!(row.iter().sum::<f32>().abs() < 1e-6, "{row:?}");
    }
}

#[test]
fn softmax_jacobian_at_the_blog_vector_matches_the_hand_derivation() {
    // Logits whose softmax is the blog's vector: ln s (up to a constant).
    let logits: Vec<f32> = BLOG_SOFTMAX.iter().map(|p| p.ln()).collect();
    let (s, auto) = autodiff_jacobian(&logits);
    for (p, q) in s.iter().zip(BLOG_SOFTMAX) {
        assert!(close(*p, q, 1e-6), "softmax {s:?} is not the blog's vector");
    }
    assert_jacobian_matches(&logits, 1e-6);
    // Two entries by hand: the diagonal s0(1 − s0) and an off-diagonal −s0·s1.
    let (s0, s1) = (BLOG_SOFTMAX[0], BLOG_SOFTMAX[1]);
    assert!(close(auto[0], s0 * (1.0 - s0), 1e-6), "{}", auto[0]);
    assert!(close(auto[1], -s0 * s1, 1e-6), "{}", auto[1]);
    assert!(close(auto[0], 0.135_795_7, 1e-6), "{}", auto[0]);
    assert!(close(auto[1], -0.024_808_4, 1e-6), "{}", auto[1]);
}

#[test]
fn softmax_jacobian_at_random_logits_matches_the_hand_derivation() {
    let device = Default::default();
    B::seed(&device, 7);
    for n in [1, 2, 5, 10, 33] {
        let logits = Tensor::<B, 1>::random([n], Distribution::Normal(0.0, 3.0), &device)
            .to_data()
            .to_vec::<f32>()
            .unwrap();
        assert_jacobian_matches(&logits, 1e-5);
    }
}

#[test]
fn cross_entropy_gradient_is_softmax_minus_one_hot_over_the_batch() {
    let device = Default::default();
    B::seed(&device, 11);
    let blog: Vec<f32> = BLOG_SOFTMAX.iter().map(|p| p.ln()).collect();
    let blog = Tensor::<B, 1>::from_floats(blog.as_slice(), &device).reshape([1, 5]);
    let random = Tensor::<B, 2>::random([7, 5], Distribution::Normal(0.0, 2.0), &device);
    for (logits, targets) in [(blog, vec![2i64]), (random, vec![0, 4, 1, 1, 3, 2, 0])] {
        let [batch, classes] = logits.dims();
        let z = logits.require_grad();
        let y = Tensor::<B, 1, Int>::from_data(targets.as_slice(), &device);
        let grads = cross_entropy(z.clone(), y).backward();
        let auto = z.grad(&grads).unwrap().to_data().to_vec::<f32>().unwrap();
        let s = softmax(z.inner(), 1).to_data().to_vec::<f32>().unwrap();
        for (k, a) in auto.iter().enumerate() {
            let (row, class) = (k / classes, k % classes);
            let one_hot = f32::from(u8::from(targets[row] as usize == class));
            let hand = (s[k] - one_hot) / batch as f32;
            assert!(
                close(*a, hand, 1e-6),
                "row {row} class {class}: autodiff {a}, (s − one_hot)/batch {hand}"
            );
        }
    }
}
