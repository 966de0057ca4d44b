//! The fused operations against the reference ones: Flex's kernels against the tensor
//! operations they replace, on random inputs of odd shapes, within 1e-5 relative.

use burn::backend::{Autodiff, Flex, NdArray};
use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::optim::SimpleOptimizer;
use burn::optim::decay::WeightDecayConfig;
use burn::tensor::{Tensor, TensorData, TensorPrimitive, backend::Backend};

use super::optim::FusedAdamConfig;
use super::{AdamStep, DenseActivation, ZooBackend, dense, reference};

const SHAPES: [(usize, usize, usize); 6] = [
    (1, 1, 1),
    (3, 5, 4),
    (1, 784, 10),
    (127, 129, 131),
    (128, 784, 512),
    (1000, 3, 7),
];
const ACTIVATIONS: [DenseActivation; 2] = [DenseActivation::Identity, DenseActivation::Relu];

/// Values uniform in [-2, 2) from `seed` (splitmix64): not the backend's generator,
/// whose global state tests running in parallel would share.
fn random<B: Backend, const D: usize>(shape: [usize; D], seed: u64) -> Tensor<B, D> {
    let mut state = seed;
    let n = shape.iter().product();
    let values: Vec<f32> = (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
        })
        .collect();
    Tensor::from_data(TensorData::new(values, shape), &Default::default())
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec().unwrap()
}

fn prim<B: Backend, const D: usize>(t: Tensor<B, D>) -> burn::tensor::ops::FloatTensor<B> {
    t.into_primitive().tensor()
}

fn tensor<B: Backend, const D: usize>(t: burn::tensor::ops::FloatTensor<B>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// `max |a − b| ≤ 1e-5 · max(1, max |b|)`: relative to the tensor's largest entry
/// (normwise), as sums of many terms accumulated in another order differ by rounding
/// relative to the terms' size, not to an entry that happens to cancel to near 0.
fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(1.0f32, |m, b| m.max(b.abs()));
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0f32, |w, (a, b)| w.max((a - b).abs()));
    let relative = worst / scale;
    assert!(relative <= 1e-5, "{what}: relative difference {relative:e}");
}

#[test]
fn flex_dense_forward_matches_the_reference() {
    for (i, &(batch, d_in, d_out)) in SHAPES.iter().enumerate() {
        for activation in ACTIVATIONS {
            let x = random::<Flex, 2>([batch, d_in], i as u64);
            let w = random::<Flex, 2>([d_in, d_out], 100 + i as u64);
            let b = random::<Flex, 1>([d_out], 200 + i as u64);
            let fused = Flex::dense_forward(
                prim(x.clone()),
                prim(w.clone()),
                Some(prim(b.clone())),
                activation,
            );
            let plain = reference::dense_forward::<Flex>(
                prim(x.clone()),
                prim(w.clone()),
                Some(prim(b)),
                activation,
            );
            let what = format!("{batch}×{d_in}→{d_out} {activation:?}");
            assert_close(
                &what,
                &values(tensor::<Flex, 2>(fused)),
                &values(tensor::<Flex, 2>(plain)),
            );
            // Without a bias, and from a transposed (strided) input.
            let xt = random::<Flex, 2>([d_in, batch], 300 + i as u64).transpose();
            let fused = Flex::dense_forward(prim(xt.clone()), prim(w.clone()), None, activation);
            let plain = reference::dense_forward::<Flex>(prim(xt), prim(w), None, activation);
            assert_close(
                &what,
                &values(tensor::<Flex, 2>(fused)),
                &values(tensor::<Flex, 2>(plain)),
            );
        }
    }
}

#[test]
fn flex_dense_backward_matches_the_reference() {
    for (i, &(batch, d_in, d_out)) in SHAPES.iter().enumerate() {
        for activation in ACTIVATIONS {
            let x = random::<Flex, 2>([batch, d_in], i as u64);
            let w = random::<Flex, 2>([d_in, d_out], 100 + i as u64);
            let b = random::<Flex, 1>([d_out], 200 + i as u64);
            let grad = random::<Flex, 2>([batch, d_out], 300 + i as u64);
            let out = reference::dense_forward::<Flex>(
                prim(x.clone()),
                prim(w.clone()),
                Some(prim(b)),
                activation,
            );
            let args = |g: &Tensor<Flex, 2>| {
                (
                    prim(g.clone()),
                    out.clone(),
                    Some(prim(x.clone())),
                    Some(prim(w.clone())),
                )
            };
            let (g, o, xi, wi) = args(&grad);
            let fused = Flex::dense_backward(g, o, xi, wi, true, activation);
            let (g, o, xi, wi) = args(&grad);
            let plain = reference::dense_backward::<Flex>(g, o, xi, wi, true, activation);
            let what = format!("{batch}×{d_in}→{d_out} {activation:?}");
            let pairs = [
                ("input", fused.input, plain.input),
                ("weight", fused.weight, plain.weight),
            ];
            for (name, a, b) in pairs {
                let (a, b) = (tensor::<Flex, 2>(a.unwrap()), tensor::<Flex, 2>(b.unwrap()));
                assert_close(&format!("{what} {name}"), &values(a), &values(b));
            }
            let (a, b) = (
                tensor::<Flex, 1>(fused.bias.unwrap()),
                tensor::<Flex, 1>(plain.bias.unwrap()),
            );
            assert_close(&format!("{what} bias"), &values(a), &values(b));
            // Only what is asked for.
            let (g, o, _, _) = args(&grad);
            let some = Flex::dense_backward(g, o, None, None, false, activation);
            assert!(some.input.is_none() && some.weight.is_none() && some.bias.is_none());
        }
    }
}

/// A `d_in → d_out` layer with random weights on `B`.
fn layer<B: Backend>(d_in: usize, d_out: usize, seed: u64) -> Linear<B> {
    let mut linear = LinearConfig::new(d_in, d_out).init(&Default::default());
    linear.weight = Param::from_tensor(random([d_in, d_out], seed));
    linear.bias = Some(Param::from_tensor(random([d_out], seed + 1)));
    linear
}

#[test]
fn autodiff_gradients_through_the_fused_layer_match_burns_own() {
    type A = Autodiff<Flex>;
    for (i, &(batch, d_in, d_out)) in SHAPES.iter().enumerate() {
        for activation in ACTIVATIONS {
            let seed = 10 * i as u64;
            let linear = layer::<A>(d_in, d_out, seed);
            let x = random::<A, 2>([batch, d_in], seed + 5).require_grad();
            let target = random::<A, 2>([batch, d_out], seed + 6);
            let loss = |y: Tensor<A, 2>| (y * target.clone()).sum();
            let fused = loss(dense(x.clone(), &linear, activation));
            let z = x.clone().matmul(linear.weight.val())
                + linear.bias.as_ref().unwrap().val().unsqueeze();
            let z = match activation {
                DenseActivation::Identity => z,
                DenseActivation::Relu => burn::tensor::activation::relu(z),
            };
            let plain = loss(z);
            let what = format!("{batch}×{d_in}→{d_out} {activation:?}");
            assert_close(
                &what,
                &values(fused.clone().inner()),
                &values(plain.clone().inner()),
            );
            let (gf, gp) = (fused.backward(), plain.backward());
            let pairs = [
                (x.grad(&gf).unwrap(), x.grad(&gp).unwrap()),
                (
                    linear.weight.val().grad(&gf).unwrap(),
                    linear.weight.val().grad(&gp).unwrap(),
                ),
            ];
            for (a, b) in pairs {
                assert_close(&what, &values(a), &values(b));
            }
            let bias = linear.bias.as_ref().unwrap().val();
            assert_close(
                &what,
                &values(bias.grad(&gf).unwrap()),
                &values(bias.grad(&gp).unwrap()),
            );
        }
    }
}

#[test]
fn an_input_without_gradient_gets_none_and_the_weights_still_do() {
    type A = Autodiff<Flex>;
    let linear = layer::<A>(3, 2, 1);
    let x = random::<A, 2>([4, 3], 2);
    let grads = dense(x.clone(), &linear, DenseActivation::Relu)
        .sum()
        .backward();
    assert!(x.grad(&grads).is_none());
    assert!(linear.weight.val().grad(&grads).is_some());
}

/// `steps` steps of `optimizer` at rate `lr`, from the start and gradients every
/// optimizer test uses; the parameter's values after them.
fn steps_of<B: Backend, O: SimpleOptimizer<B>>(
    optimizer: &O,
    shape: [usize; 2],
    lr: f64,
    steps: u64,
) -> Vec<f32> {
    let mut param = random::<B, 2>(shape, 1);
    let mut state = None;
    for s in 0..steps {
        let grad = random::<B, 2>(shape, 10 + s);
        (param, state) = optimizer.step(lr, param, grad, state);
    }
    values(param)
}

#[test]
fn fused_adam_matches_burns_adam_over_several_steps() {
    for shape in [[1, 1], [3, 5], [127, 129], [784, 512]] {
        for weight_decay in [false, true] {
            let what = format!("{shape:?} weight decay {weight_decay}");
            let decay = weight_decay.then(|| WeightDecayConfig::new(0.01));
            let fused = FusedAdamConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(decay.clone())
                .build();
            let burns = burn::optim::AdamConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(decay)
                .build();
            let burn = steps_of::<Flex, _>(&burns, shape, 1e-2, 5);
            assert_close(&what, &steps_of::<Flex, _>(&fused, shape, 1e-2, 5), &burn);
            // The default implementation (NdArray) agrees too.
            assert_close(
                &what,
                &steps_of::<NdArray, _>(&fused, shape, 1e-2, 5),
                &burn,
            );
        }
    }
}

#[test]
fn fused_adam_state_is_burns_record() {
    // The moments and step count are burn's `AdamState`, so burn's Adam continues it.
    let adam = FusedAdamConfig::new().build();
    let burn_adam = burn::optim::AdamConfig::new().build();
    let param = random::<Flex, 1>([7], 1);
    let grad = random::<Flex, 1>([7], 2);
    let (p1, state) = adam.step(1e-2, param.clone(), grad.clone(), None);
    let (b1, burn_state) = burn_adam.step(1e-2, param, grad.clone(), None);
    let state = state.unwrap();
    assert_eq!(state.momentum.time, 1);
    assert_close(
        "moment 1",
        &values(state.momentum.moment_1.clone()),
        &values(burn_state.unwrap().momentum.moment_1),
    );
    let (p2, _) = burn_adam.step(1e-2, p1, grad.clone(), Some(state));
    let (b2, _) = burn_adam.step(1e-2, b1, grad, None);
    assert_ne!(values(p2.clone()), values(b2), "the state was used");
    assert!(values(p2).iter().all(|v| v.is_finite()));
}

#[test]
fn the_step_settings_fold_burns_bias_corrections() {
    let step = AdamStep {
        lr: 1e-3,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-8,
        weight_decay: 0.0,
        time: 1,
    };
    // t = 1: √(1 − 0.999) / (1 − 0.9) = 0.316227… (in f32: 0.316236).
    assert!((step.combined_factor() - 0.316_227_8).abs() < 1e-5);
    let data = TensorData::new(vec![1.0f32], [1]);
    let p = Tensor::<Flex, 1>::from_data(data, &Default::default());
    // The first step moves a parameter by lr whatever the gradient's size.
    let (p, _, _) = Flex::adam_step(prim(p.clone()), prim(p.mul_scalar(123.0)), None, None, step);
    assert_close("first step", &values(tensor::<Flex, 1>(p)), &[1.0 - 1e-3]);
}

#[test]
fn checkpoints_of_the_fused_path_continue_on_the_generic_path() {
    use crate::{MlpClassifier, MlpClassifierConfig};
    use burn::module::Module;
    use burn::optim::{GradientsParams, Optimizer};
    use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
    use burn::tensor::Int;
    type Fused = Autodiff<Flex>;
    type Generic = Autodiff<NdArray>;

    let config = MlpClassifierConfig::new()
        .with_inputs(12)
        .with_hidden(vec![9])
        .with_classes(3);
    let device = Default::default();
    let x = random::<Fused, 2>([5, 12], 7);
    let y = Tensor::<Fused, 1, Int>::from_data([0, 1, 2, 1, 0], &device);
    Fused::seed(&device, 3);
    let mut model = config.init::<Fused>(&device).unwrap();
    let mut optim = FusedAdamConfig::new().init::<Fused, MlpClassifier<Fused>>();
    for _ in 0..3 {
        let loss = model.forward_classification(x.clone(), y.clone()).loss;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }

    // The model and the optimizer state as burn's recorders write them (the learner's
    // checkpoints), read back on NdArray with burn's own Adam.
    let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
    let model_bytes = recorder.record(model.clone().into_record(), ()).unwrap();
    let optim_bytes = recorder.record(optim.to_record(), ()).unwrap();
    let cpu = Default::default();
    let mut generic = config
        .init::<Generic>(&cpu)
        .unwrap()
        .load_record(recorder.load(model_bytes, &cpu).unwrap());
    let mut burn_optim = burn::optim::AdamConfig::new()
        .init::<Generic, MlpClassifier<Generic>>()
        .load_record(recorder.load(optim_bytes, &cpu).unwrap());
    let xg = Tensor::<Generic, 2>::from_data(x.to_data(), &cpu);
    let yg = Tensor::<Generic, 1, Int>::from_data([0, 1, 2, 1, 0], &cpu);
    let same = |model: &MlpClassifier<Fused>, generic: &MlpClassifier<Generic>| {
        let a = values(model.forward(x.clone()));
        assert_close("logits", &a, &values(generic.forward(xg.clone())));
    };
    same(&model, &generic);

    // One more step on each side: burn's Adam continued the fused Adam's moments.
    let loss = model.forward_classification(x.clone(), y.clone()).loss;
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    model = optim.step(1e-2, model, grads);
    let loss = generic.forward_classification(xg.clone(), yg).loss;
    let grads = GradientsParams::from_grads(loss.backward(), &generic);
    generic = burn_optim.step(1e-2, generic, grads);
    same(&model, &generic);
}

#[test]
fn flex_kmeans_assignment_and_sums_match_the_reference() {
    use burn::tensor::Int;
    // The last shape has more centroids than the scan takes: gemm's path.
    let shapes = [
        (1, 1, 1),
        (3, 4, 5),
        (1000, 7, 3),
        (2674, 784, 10),
        (301, 5, 70),
    ];
    for (i, &(m, d, k)) in shapes.iter().enumerate() {
        let what = format!("{m}×{d}, k = {k}");
        let seed = 50 * i as u64;
        let x = random::<Flex, 2>([m, d], seed);
        let centroids = random::<Flex, 2>([k, d], seed + 1);
        let x_norms = x.clone().square().sum_dim(1);
        let c_t = centroids.clone().transpose().mul_scalar(-2.0);
        let c_norms = centroids.square().sum_dim(1).reshape([1, k]);
        let args = || {
            (
                prim(x.clone()),
                prim(x_norms.clone()),
                prim(c_t.clone()),
                prim(c_norms.clone()),
            )
        };
        let (a, b, c, e) = args();
        let (fused_d, fused_l) = Flex::nearest_centroid(a, b, c, e);
        let (a, b, c, e) = args();
        let (plain_d, plain_l) = reference::nearest_centroid::<Flex>(a, b, c, e);
        assert_close(
            &what,
            &values(tensor::<Flex, 2>(fused_d)),
            &values(tensor::<Flex, 2>(plain_d)),
        );
        let labels = |l| {
            Tensor::<Flex, 1, Int>::from_primitive(l)
                .into_data()
                .convert::<i64>()
                .to_vec::<i64>()
                .unwrap()
        };
        let (fused_l, plain_l) = (labels(fused_l), labels(plain_l));
        assert_eq!(fused_l, plain_l, "{what}: labels");

        // Sums on top of non-zero starting sums, as the Lloyd loop adds chunk by chunk.
        let start = || {
            (
                prim(random::<Flex, 2>([k, d], seed + 2)),
                prim(random::<Flex, 1>([k], seed + 3)),
            )
        };
        let label_tensor = || {
            Tensor::<Flex, 1, Int>::from_data(
                TensorData::new(fused_l.iter().map(|&l| l as i32).collect(), [m]),
                &Default::default(),
            )
            .into_primitive()
        };
        let (s, c) = start();
        let (fs, fc) = Flex::cluster_sums(s, c, prim(x.clone()), label_tensor());
        let (s, c) = start();
        let (ps, pc) = reference::cluster_sums::<Flex>(s, c, prim(x.clone()), label_tensor());
        assert_close(
            &what,
            &values(tensor::<Flex, 2>(fs)),
            &values(tensor::<Flex, 2>(ps)),
        );
        assert_close(
            &what,
            &values(tensor::<Flex, 1>(fc)),
            &values(tensor::<Flex, 1>(pc)),
        );

        // Both in one scan: the same labels, distances, sums and counts.
        let (a, b, c, e) = args();
        let (s, n) = start();
        let (one_d, one_l, one_s, one_c) = Flex::nearest_centroid_sums(a, b, c, e, s, n);
        assert_eq!(labels(one_l), fused_l, "{what}: labels of the one scan");
        let (a, b, c, e) = args();
        let (plain_d, _) = reference::nearest_centroid::<Flex>(a, b, c, e);
        assert_close(
            &what,
            &values(tensor::<Flex, 2>(one_d)),
            &values(tensor::<Flex, 2>(plain_d)),
        );
        let (s, c) = start();
        let (ps, pc) = reference::cluster_sums::<Flex>(s, c, prim(x.clone()), label_tensor());
        assert_close(
            &what,
            &values(tensor::<Flex, 2>(one_s)),
            &values(tensor::<Flex, 2>(ps)),
        );
        assert_close(
            &what,
            &values(tensor::<Flex, 1>(one_c)),
            &values(tensor::<Flex, 1>(pc)),
        );
    }
}

#[test]
fn fused_sgd_matches_burns_sgd_over_several_steps() {
    use crate::fused::optim::FusedSgdConfig;
    use burn::optim::momentum::MomentumConfig;
    let momenta = [
        None,
        Some(MomentumConfig::new()),
        Some(
            MomentumConfig::new()
                .with_dampening(0.0)
                .with_nesterov(true),
        ),
    ];
    for shape in [[1, 1], [3, 5], [127, 129], [784, 512]] {
        for momentum in &momenta {
            for decay in [None, Some(WeightDecayConfig::new(0.01))] {
                let what = format!("{shape:?} {momentum:?} {decay:?}");
                let fused = FusedSgdConfig::new()
                    .with_momentum(momentum.clone())
                    .with_weight_decay(decay.clone())
                    .build();
                let burn = burn::optim::SgdConfig::new()
                    .with_momentum(momentum.clone())
                    .with_weight_decay(decay)
                    .build::<Flex>();
                assert_close(
                    &what,
                    &steps_of::<Flex, _>(&fused, shape, 0.05, 5),
                    &steps_of::<Flex, _>(&burn, shape, 0.05, 5),
                );
            }
        }
    }
}

#[test]
fn sgd_checkpoints_of_the_fused_path_continue_with_burns_sgd() {
    use crate::fused::optim::FusedSgdConfig;
    use crate::{MlpClassifier, MlpClassifierConfig};
    use burn::optim::momentum::MomentumConfig;
    use burn::optim::{GradientsParams, Optimizer};
    use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
    use burn::tensor::Int;
    type Fused = Autodiff<Flex>;

    let config = MlpClassifierConfig::new()
        .with_inputs(6)
        .with_hidden(vec![5])
        .with_classes(3);
    let device = Default::default();
    let x = random::<Fused, 2>([4, 6], 3);
    let y = Tensor::<Fused, 1, Int>::from_data([0, 1, 2, 1], &device);
    let momentum = Some(MomentumConfig::new());
    let mut model = config.init::<Fused>(&device).unwrap();
    let mut optim = FusedSgdConfig::new()
        .with_momentum(momentum.clone())
        .init::<Fused, MlpClassifier<Fused>>();
    let step = |model: MlpClassifier<Fused>| {
        let loss = model.forward_classification(x.clone(), y.clone()).loss;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        (model, grads)
    };
    for _ in 0..3 {
        let (m, g) = step(model);
        model = optim.step(0.1, m, g);
    }
    let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
    let bytes = recorder.record(optim.to_record(), ()).unwrap();
    let mut burn_optim = burn::optim::SgdConfig::new()
        .with_momentum(momentum)
        .init::<Fused, MlpClassifier<Fused>>()
        .load_record(recorder.load(bytes, &device).unwrap());
    // One more step each from the same model: burn's SGD used the fused SGD's velocity.
    let (m, g) = step(model.clone());
    let ours = optim.step(0.1, m, g);
    let (m, g) = step(model.clone());
    let theirs = burn_optim.step(0.1, m, g);
    let (m, g) = step(model);
    let fresh = burn::optim::SgdConfig::new()
        .with_momentum(Some(MomentumConfig::new()))
        .init::<Fused, MlpClassifier<Fused>>()
        .step(0.1, m, g);
    let logits = |m: &MlpClassifier<Fused>| values(m.forward(x.clone()));
    assert_close("logits", &logits(&ours), &logits(&theirs));
    assert_ne!(
        logits(&theirs),
        logits(&fresh),
        "the loaded velocity was used"
    );
}
