//! The playgrounds of the plane: the XOR/XNOR network, the linear SVM on the seed's
//! data and k-means on SOCR's heights and weights. Each answers one point and draws
//! its decision surface as a grid computed once, on the compiled-in backend.

use anyhow::{Context, Result, bail};
use burn::tensor::{Int, Tensor, TensorData};
use datasets::{
    gates::LogicGate,
    margin::{MarginDataset, SEED_EXTENT},
};
use models::{KMeans, LinearSvm, TabularMlp};
use serde_json::{Value, json};

use super::{Playground, grid_points, point};
use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend::{self, Device, InferenceBackend},
    kmeans::{KMeansConfig, size_names},
    svm::{SvmConfig, predict_points},
    zoo::serve::error::{ApiError, ApiResult},
};

/// Points per side of the decision-surface grid.
const GRID: usize = 60;

fn tensor(points: &[[f32; 2]], device: &Device) -> Tensor<InferenceBackend, 2> {
    let flat: Vec<f32> = points.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [points.len(), 2]), device)
}

fn floats(t: Tensor<InferenceBackend, 2>) -> Result<Vec<f32>> {
    t.into_data()
        .convert::<f32>()
        .to_vec()
        .map_err(|e| anyhow::anyhow!("reading the model's output: {e:?}"))
}

fn internal(e: anyhow::Error) -> ApiError {
    ApiError::internal(format!("{e:#}"))
}

/// A finished `xor` run's gate network.
pub struct XorPlay {
    model: TabularMlp<InferenceBackend>,
    device: Device,
    gate: LogicGate,
    surface: Vec<f32>,
}

/// The plane shown around the unit square.
const XOR_EXTENT: [f64; 2] = [-0.25, 1.25];

impl XorPlay {
    /// Loads the run's network.
    pub fn load(dir: &ArtifactDir) -> Result<Self> {
        let device = backend::device()?;
        let (config, model) = crate::xor::load_model(dir, &device)?;
        let gate = config.gate()?;
        let grid = grid_points(XOR_EXTENT, XOR_EXTENT, GRID, GRID);
        let surface = floats(model.predict(tensor(&grid, &device)))?;
        Ok(Self {
            model,
            device,
            gate,
            surface,
        })
    }
}

impl Playground for XorPlay {
    fn describe(&self) -> Value {
        let corners: Vec<Value> = [(0, 0), (0, 1), (1, 0), (1, 1)]
            .iter()
            .map(|&(a, b)| json!([a, b, u8::from(self.gate.eval(a == 1, b == 1))]))
            .collect();
        json!({
            "kind": "xor",
            "gate": self.gate.name(),
            "axes": ["a", "b"],
            "x": XOR_EXTENT,
            "y": XOR_EXTENT,
            "grid": {"nx": GRID, "ny": GRID, "values": self.surface},
            "classes": ["0", "1"],
            "points": corners,
        })
    }

    fn predict(&self, input: &Value) -> ApiResult<Value> {
        let p = point(input)?;
        let out = floats(self.model.predict(tensor(&[p], &self.device))).map_err(internal)?;
        let probability = out[0];
        Ok(json!({
            "point": p,
            "class": u8::from(probability >= 0.5),
            "probability": probability,
        }))
    }
}

/// A finished `svm` run on the seed's 2-D data.
pub struct SvmPlay {
    model: LinearSvm<InferenceBackend>,
    device: Device,
    points: Vec<Value>,
    surface: Vec<f32>,
}

impl SvmPlay {
    /// Loads the run's model and regenerates its training points from the seed.
    pub fn load(dir: &ArtifactDir) -> Result<Self> {
        let config: SvmConfig = dir.read_json(CONFIG_FILE)?;
        let device = backend::device()?;
        let model = config.model.init::<InferenceBackend>(&device)?;
        let model = dir.load_model(model, &device)?;
        let data = MarginDataset::generate(config.points, config.margin, SEED_EXTENT, config.seed)?;
        let points = data
            .items()
            .iter()
            .map(|item| json!([item.point[0], item.point[1], item.label]))
            .collect();
        let extent = [-SEED_EXTENT - 1.0, SEED_EXTENT + 1.0];
        let grid = grid_points(extent, extent, GRID, GRID);
        let surface = predict_points(&model, &grid, &device)?
            .into_iter()
            .map(|p| p.decision_value)
            .collect();
        Ok(Self {
            model,
            device,
            points,
            surface,
        })
    }
}

impl Playground for SvmPlay {
    fn describe(&self) -> Value {
        let extent = [-SEED_EXTENT - 1.0, SEED_EXTENT + 1.0];
        json!({
            "kind": "svm",
            "axes": ["x", "y"],
            "x": extent,
            "y": extent,
            "grid": {"nx": GRID, "ny": GRID, "values": self.surface},
            "classes": ["0", "1"],
            "points": self.points,
        })
    }

    fn predict(&self, input: &Value) -> ApiResult<Value> {
        let p = point(input)?;
        let answer = predict_points(&self.model, &[p], &self.device)
            .map_err(internal)?
            .remove(0);
        Ok(json!({
            "point": p,
            "class": answer.class,
            "decision_value": answer.decision_value,
        }))
    }
}

/// A finished `kmeans` run on SOCR (height in inches, weight in pounds).
pub struct KMeansPlay {
    model: KMeans<InferenceBackend>,
    device: Device,
    /// Per feature: the standardisation the model was fitted after.
    mean: [f32; 2],
    std: [f32; 2],
    /// The centroids in inches and pounds.
    centroids: Vec<[f32; 2]>,
    /// A size name per model cluster (by the weight of its centre).
    names: Vec<String>,
    x: [f64; 2],
    y: [f64; 2],
    surface: Vec<f32>,
}

/// The standardisation in `model.safetensors`' metadata (`zoo.preprocessing`).
fn standardization(dir: &ArtifactDir, standardized: bool) -> Result<([f32; 2], [f32; 2])> {
    if !standardized {
        return Ok(([0.0; 2], [1.0; 2]));
    }
    let path = dir.path().join("model.safetensors");
    let bytes =
        std::fs::read(&path).with_context(|| format!("cannot read '{}'", path.display()))?;
    let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes)
        .with_context(|| format!("'{}' is not a valid safetensors file", path.display()))?;
    let text = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get("zoo.preprocessing").cloned())
        .with_context(|| format!("'{}' has no zoo.preprocessing", path.display()))?;
    let pre: Value = serde_json::from_str(&text)?;
    let pair = |key: &str| -> Result<[f32; 2]> {
        let v: Vec<f32> = serde_json::from_value(pre[key].clone())
            .with_context(|| format!("zoo.preprocessing's '{key}'"))?;
        match v.as_slice() {
            [a, b] => Ok([*a, *b]),
            _ => bail!("zoo.preprocessing's '{key}' has {} values, not 2", v.len()),
        }
    };
    Ok((pair("mean")?, pair("std")?))
}

impl KMeansPlay {
    /// Loads the run's centroids (`model.json` + `model.mpk`).
    pub fn load(dir: &ArtifactDir) -> Result<Self> {
        let config: KMeansConfig = dir.read_json(CONFIG_FILE)?;
        let device = backend::device()?;
        let model = KMeans::<InferenceBackend>::load(&dir.path().join("model"), &device)?;
        if model.centroids().dims()[1] != 2 {
            bail!(
                "the model has {} features; the SOCR plane has 2",
                model.centroids().dims()[1]
            );
        }
        let (mean, std) = standardization(dir, config.standardize)?;
        let centroids: Vec<[f32; 2]> = floats(model.centroids())?
            .chunks(2)
            .map(|c| [c[0] * std[0] + mean[0], c[1] * std[1] + mean[1]])
            .collect();
        let mut order: Vec<usize> = (0..centroids.len()).collect();
        order.sort_by(|&a, &b| centroids[a][1].total_cmp(&centroids[b][1]));
        let sizes = size_names(centroids.len());
        let mut names = vec![String::new(); centroids.len()];
        for (name, &j) in sizes.into_iter().zip(&order) {
            names[j] = name;
        }
        let span = |axis: usize| {
            let (lo, hi) = centroids.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| {
                (lo.min(f64::from(c[axis])), hi.max(f64::from(c[axis])))
            });
            let pad = (hi - lo).max(1.0);
            [lo - pad, hi + pad]
        };
        let (x, y) = (span(0), span(1));
        let mut play = Self {
            model,
            device,
            mean,
            std,
            centroids,
            names,
            x,
            y,
            surface: Vec::new(),
        };
        let grid = grid_points(x, y, GRID, GRID);
        play.surface = play.assign(&grid)?.into_iter().map(|c| c as f32).collect();
        Ok(play)
    }

    /// The cluster of each point (in inches and pounds).
    fn assign(&self, points: &[[f32; 2]]) -> Result<Vec<i64>> {
        let standardized: Vec<[f32; 2]> = points
            .iter()
            .map(|p| {
                [
                    (p[0] - self.mean[0]) / self.std[0],
                    (p[1] - self.mean[1]) / self.std[1],
                ]
            })
            .collect();
        let labels: Tensor<InferenceBackend, 1, Int> =
            self.model.predict(tensor(&standardized, &self.device))?;
        labels
            .into_data()
            .convert::<i64>()
            .to_vec()
            .map_err(|e| anyhow::anyhow!("reading the clusters: {e:?}"))
    }
}

impl Playground for KMeansPlay {
    fn describe(&self) -> Value {
        json!({
            "kind": "kmeans",
            "axes": ["height (in)", "weight (lb)"],
            "x": self.x,
            "y": self.y,
            "grid": {"nx": GRID, "ny": GRID, "values": self.surface},
            "classes": self.names,
            "points": [],
            "centroids": self.centroids,
        })
    }

    fn predict(&self, input: &Value) -> ApiResult<Value> {
        let p = point(input)?;
        let cluster = self.assign(&[p]).map_err(internal)?[0];
        // Squared distances in the units the model was fitted in.
        let z = [
            (p[0] - self.mean[0]) / self.std[0],
            (p[1] - self.mean[1]) / self.std[1],
        ];
        let distances: Vec<f32> = self
            .centroids
            .iter()
            .map(|c| {
                let cz = [
                    (c[0] - self.mean[0]) / self.std[0],
                    (c[1] - self.mean[1]) / self.std[1],
                ];
                (z[0] - cz[0]).powi(2) + (z[1] - cz[1]).powi(2)
            })
            .collect();
        Ok(json!({
            "point": p,
            "class": cluster,
            "label": self.names.get(cluster as usize),
            "distances": distances,
        }))
    }
}
