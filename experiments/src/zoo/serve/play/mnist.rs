//! The MNIST (and Fashion-MNIST) playground: a drawing becomes a 28×28 image the way
//! MNIST's were made ([`datasets::mnist::drawing`]), and the run's classifier gives
//! the ten probabilities.

use anyhow::Result;
use burn::tensor::{Tensor, TensorData, activation::softmax};
use datasets::mnist::{PIXELS, drawing, normalize};
use models::MlpClassifier;
use serde_json::{Value, json};

use super::Playground;
use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend::{self, Device, InferenceBackend},
    mnist::MnistConfig,
    zoo::serve::error::{ApiError, ApiResult},
};

/// A finished `mnist` run's classifier.
pub struct MnistPlay {
    model: MlpClassifier<InferenceBackend>,
    device: Device,
    dataset: String,
    classes: Vec<String>,
}

impl MnistPlay {
    /// Loads the run's `model.mpk` as its `config.json` describes it.
    pub fn load(dir: &ArtifactDir) -> Result<Self> {
        let config: MnistConfig = dir.read_json(CONFIG_FILE)?;
        let kind = config.kind()?;
        let device = backend::device()?;
        let model = config.model.init::<InferenceBackend>(&device)?;
        let model = dir.load_model(model, &device)?;
        Ok(Self {
            model,
            device,
            dataset: config.dataset.clone(),
            classes: kind.class_names().iter().map(|c| c.to_string()).collect(),
        })
    }
}

/// `{"width": W, "height": H, "pixels": [...]}` read, or a 400 naming what is wrong.
fn drawing_of(input: &Value) -> ApiResult<(Vec<f64>, usize, usize)> {
    let side = |key: &str| {
        input.get(key).and_then(Value::as_u64).ok_or_else(|| {
            ApiError::bad_request(format!(
                "expected {{\"width\": W, \"height\": H, \"pixels\": [W*H numbers 0..255]}}: \
                 '{key}' is missing or not a whole number"
            ))
        })
    };
    let (width, height) = (side("width")? as usize, side("height")? as usize);
    let values = input
        .get("pixels")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("'pixels' is missing or not an array"))?;
    let mut pixels = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let v = v
            .as_f64()
            .ok_or_else(|| ApiError::bad_request(format!("pixel {i} is not a number")))?;
        pixels.push(v);
    }
    Ok((pixels, width, height))
}

impl Playground for MnistPlay {
    fn describe(&self) -> Value {
        json!({
            "kind": "mnist",
            "dataset": self.dataset,
            "classes": self.classes,
            "inputs": {"width": "8..512", "height": "8..512", "box": drawing::BOX, "side": 28},
        })
    }

    fn predict(&self, input: &Value) -> ApiResult<Value> {
        let (pixels, width, height) = drawing_of(input)?;
        let image = drawing::to_mnist(&pixels, width, height)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let x: Vec<f32> = image.iter().map(|&p| normalize(p)).collect();
        let x =
            Tensor::<InferenceBackend, 2>::from_data(TensorData::new(x, [1, PIXELS]), &self.device);
        let probabilities: Vec<f32> = softmax(self.model.forward(x), 1)
            .into_data()
            .convert::<f32>()
            .to_vec()
            .map_err(|e| ApiError::internal(format!("reading the probabilities: {e:?}")))?;
        let (class, _) = probabilities
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .ok_or_else(|| ApiError::internal("the model gave no probabilities"))?;
        Ok(json!({
            "class": class,
            "label": self.classes.get(class),
            "probabilities": probabilities,
            "input": image,
        }))
    }
}
