//! The PyTorch module equivalent to each model, for weights that travel: the layers of
//! a `torch.nn.Sequential` that computes the same `forward`, and which burn parameter
//! becomes which tensor of its `state_dict`.
//!
//! This module only describes; the files themselves (safetensors through burn-store)
//! are written and read by the `experiments` crate.

use serde::{Deserialize, Serialize};

use crate::layers::Activation;

/// One layer of a `torch.nn.Sequential`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TorchLayer {
    /// `torch.nn.Linear(in_features, out_features)`: weight `[out, in]`, bias `[out]`.
    Linear {
        /// Inputs of the layer.
        in_features: usize,
        /// Outputs of the layer.
        out_features: usize,
    },
    /// `torch.nn.ReLU()`
    ReLU,
    /// `torch.nn.Sigmoid()`
    Sigmoid,
    /// `torch.nn.Tanh()`
    Tanh,
}

impl TorchLayer {
    /// The layer as a Python expression, e.g. `torch.nn.Linear(784, 512)`.
    pub fn python(&self) -> String {
        match self {
            Self::Linear {
                in_features,
                out_features,
            } => format!("torch.nn.Linear({in_features}, {out_features})"),
            Self::ReLU => "torch.nn.ReLU()".into(),
            Self::Sigmoid => "torch.nn.Sigmoid()".into(),
            Self::Tanh => "torch.nn.Tanh()".into(),
        }
    }
}

impl From<Activation> for TorchLayer {
    fn from(activation: Activation) -> Self {
        match activation {
            Activation::Sigmoid => Self::Sigmoid,
            Activation::Tanh => Self::Tanh,
            Activation::Relu => Self::ReLU,
        }
    }
}

/// One tensor of the PyTorch `state_dict`, and the burn parameter it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorchTensor {
    /// The burn parameter's path in the module (`hidden.0.weight`).
    pub burn: String,
    /// The PyTorch name (`0.weight`).
    pub torch: String,
    /// The parameter is a `[in, out]` matrix outside a burn `Linear` (whose weights
    /// burn-store's adapters transpose by themselves): transpose it to PyTorch's
    /// `[out, in]`.
    pub transpose: bool,
}

/// A model's PyTorch equivalent: the Sequential's layers and the tensor names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TorchEquivalent {
    /// The layers of a `torch.nn.Sequential` computing the model's `forward` (empty for
    /// a model that is not a network, such as k-means' centroids).
    pub layers: Vec<TorchLayer>,
    /// Every parameter of the model, in layer order.
    pub tensors: Vec<TorchTensor>,
}

impl TorchEquivalent {
    /// A Sequential of dense layers: `linears[i]` is the burn path of the `i`-th
    /// `Linear` (`hidden.0`, `output`), `widths` the inputs then each layer's outputs,
    /// `activation` after every layer but the last.
    pub fn dense(linears: &[String], widths: &[usize], activation: Activation) -> Self {
        let mut out = Self::default();
        for (i, (burn, w)) in linears.iter().zip(widths.windows(2)).enumerate() {
            if i > 0 {
                out.layers.push(activation.into());
            }
            let index = out.layers.len();
            out.layers.push(TorchLayer::Linear {
                in_features: w[0],
                out_features: w[1],
            });
            for param in ["weight", "bias"] {
                out.tensors.push(TorchTensor {
                    burn: format!("{burn}.{param}"),
                    torch: format!("{index}.{param}"),
                    transpose: false,
                });
            }
        }
        out
    }

    /// The Sequential as a Python expression.
    pub fn python(&self) -> String {
        let layers: Vec<String> = self.layers.iter().map(TorchLayer::python).collect();
        format!("torch.nn.Sequential({})", layers.join(", "))
    }

    /// The widths of the Linear layers: the first one's inputs, then each one's outputs.
    pub fn widths(&self) -> Vec<usize> {
        let mut widths = Vec::new();
        for layer in &self.layers {
            if let TorchLayer::Linear {
                in_features,
                out_features,
            } = *layer
            {
                if widths.is_empty() {
                    widths.push(in_features);
                }
                widths.push(out_features);
            }
        }
        widths
    }
}

/// A model that has a PyTorch equivalent.
pub trait TorchExport {
    /// The layers and tensor names of the equivalent PyTorch module.
    fn torch_equivalent(&self) -> TorchEquivalent;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_layers_and_names() {
        let linears = ["hidden.0".to_string(), "output".to_string()];
        let t = TorchEquivalent::dense(&linears, &[784, 512, 10], Activation::Relu);
        assert_eq!(
            t.python(),
            "torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))"
        );
        let names: Vec<(&str, &str)> = t
            .tensors
            .iter()
            .map(|t| (t.burn.as_str(), t.torch.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("hidden.0.weight", "0.weight"),
                ("hidden.0.bias", "0.bias"),
                ("output.weight", "2.weight"),
                ("output.bias", "2.bias")
            ]
        );
        assert_eq!(t.widths(), [784, 512, 10]);
        assert_eq!(
            serde_json::to_string(&t.layers[..2]).unwrap(),
            r#"[{"type":"Linear","in_features":784,"out_features":512},{"type":"ReLU"}]"#
        );
    }
}
