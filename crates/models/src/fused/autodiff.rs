//! [`ZooBackend`] for `Autodiff<B>`: the fused dense layer as one graph node whose
//! backward step is `B::dense_backward` (burn's `custom-wgpu-kernel` pattern). The
//! optimizer step runs on the inner backend, so it keeps the default.

use burn::backend::{
    Autodiff,
    autodiff::{
        checkpoint::{base::Checkpointer, strategy::CheckpointStrategy},
        grads::Gradients,
        ops::{Backward, Ops, OpsKind},
    },
};
use burn::tensor::ops::FloatTensor;

use super::{DenseActivation, ZooBackend, reference};

/// The backward step of a dense layer with a bias.
#[derive(Debug)]
struct DenseBackward;

/// What the backward step needs: the input, the weight, the output and the activation.
type DenseState<B> = (
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    DenseActivation,
);

impl<B: ZooBackend> Backward<B, 3> for DenseBackward {
    type State = DenseState<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_input, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (input, weight, output, activation) = ops.state;
        // The weight's gradient needs the input, the input's gradient the weight.
        let parts = B::dense_backward(
            grad,
            output,
            node_weight.is_some().then_some(input),
            node_input.is_some().then_some(weight),
            node_bias.is_some(),
            activation,
        );
        let pairs = [
            (node_input, parts.input),
            (node_weight, parts.weight),
            (node_bias, parts.bias),
        ];
        for (node, grad) in pairs {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

impl<B: ZooBackend, C: CheckpointStrategy> ZooBackend for Autodiff<B, C> {
    fn dense_forward(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        activation: DenseActivation,
    ) -> FloatTensor<Self> {
        // Without a bias: burn's own operations, each with its own backward step.
        let Some(bias) = bias else {
            return reference::dense_forward::<Self>(input, weight, None, activation);
        };
        let prep = DenseBackward
            .prepare::<C>([input.node.clone(), weight.node.clone(), bias.node.clone()])
            .compute_bound()
            .stateful();
        match prep {
            OpsKind::Tracked(prep) => {
                let output = B::dense_forward(
                    input.primitive.clone(),
                    weight.primitive.clone(),
                    Some(bias.primitive),
                    activation,
                );
                let state = (
                    input.primitive,
                    weight.primitive,
                    output.clone(),
                    activation,
                );
                prep.finish(state, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::dense_forward(
                input.primitive,
                weight.primitive,
                Some(bias.primitive),
                activation,
            )),
        }
    }
}
