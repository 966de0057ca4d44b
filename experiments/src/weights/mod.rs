//! Weights that travel: every trained model as `model.safetensors` in PyTorch's
//! conventions, and PyTorch's weights (`.safetensors`, `.pt`/`.pth` state dicts) loaded
//! into the zoo's models, through burn-store (burn's `SafetensorsStore`,
//! `PytorchStore`, `BurnToPyTorchAdapter`/`PyTorchToBurnAdapter`, `KeyRemapper`).
//!
//! The file's tensors are those of the model's [`TorchEquivalent`]: a
//! `torch.nn.Sequential` whose `state_dict` names are `0.weight`, `0.bias`, `2.weight`…
//! (Linear weights `[out, in]`, float32). Its metadata says what a user needs without
//! this repository:
//!
//! | key | value |
//! |---|---|
//! | `format`, `producer`, `version` | `safetensors`, `burn`, burn-store's (= burn's) version |
//! | `zoo.version` | this crate's version |
//! | `zoo.experiment`, `zoo.run` | the experiment and the run id |
//! | `zoo.layers` | the Sequential's layers, JSON (`[{"type":"Linear","in_features":784,…},{"type":"ReLU"},…]`) |
//! | `zoo.torch` | the same as a Python expression |
//! | `zoo.output` | what the output means |
//! | `zoo.preprocessing` | the input and its preprocessing, JSON |
//! | `zoo.classes` | class names, JSON (where there are classes) |
//!
//! `interop/load_in_pytorch.py` rebuilds the network from this metadata.
//!
//! [`TorchEquivalent`]: models::TorchEquivalent

mod export;
mod import;
mod logits;

pub use export::{WEIGHTS_FILE, WeightsInfo, export_recorded, save, save_as};
pub use import::{Format, WeightsFile, dashed, write_eval_report};
pub use logits::write_logits;
