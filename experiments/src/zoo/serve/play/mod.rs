//! The playground: a finished run's saved model loaded once on the compiled-in backend
//! and asked about one input at a time: a drawn digit (`mnist`), a point of the plane
//! (`xor`, the seed data's `svm`, SOCR's `kmeans`).

mod mnist;
mod plane;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Instant, SystemTime},
};

use axum::{
    Json,
    body::Bytes,
    extract::{Path as UrlPath, State},
};
use serde_json::Value;

use super::{
    AppState,
    error::{ApiError, ApiResult},
    runs::lookup_run,
};
use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    run::record::{FoundRun, Status},
};

/// What a run's playground shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayKind {
    /// Draw a digit (MNIST or Fashion-MNIST classifier).
    Mnist,
    /// The XOR/XNOR network's plane.
    Xor,
    /// The linear SVM on the seed's 2-D data.
    Svm,
    /// k-means on SOCR's heights and weights.
    Kmeans,
}

impl PlayKind {
    /// Its name in the JSON (`mnist`, `xor`, `svm`, `kmeans`).
    pub fn name(self) -> &'static str {
        match self {
            PlayKind::Mnist => "mnist",
            PlayKind::Xor => "xor",
            PlayKind::Svm => "svm",
            PlayKind::Kmeans => "kmeans",
        }
    }
}

/// The playground a run has: finished, with a model, of a kind with a playground.
/// `config`: the run's `config.json`, when the caller has read it already.
pub fn kind_of(run: &FoundRun, config: Option<&Value>) -> Option<PlayKind> {
    if run.record.status != Status::Finished || !run.dir.join("model.mpk").is_file() {
        return None;
    }
    let dataset = || {
        let read;
        let config = match config {
            Some(c) => c,
            None => {
                read = crate::artifacts::read_json(&run.dir.join(CONFIG_FILE)).ok()?;
                &read
            }
        };
        config.get("dataset")?.as_str().map(String::from)
    };
    match run.record.experiment.as_str() {
        "mnist" => Some(PlayKind::Mnist),
        "xor" => Some(PlayKind::Xor),
        "svm" if dataset().as_deref() == Some("seed") => Some(PlayKind::Svm),
        "kmeans" if dataset().as_deref() == Some("socr") => Some(PlayKind::Kmeans),
        _ => None,
    }
}

/// A loaded model, ready to answer.
trait Playground: Send {
    /// What the page needs to draw the playground.
    fn describe(&self) -> Value;
    /// The answer for one input (the request's JSON body).
    fn predict(&self, input: &Value) -> ApiResult<Value>;
}

/// A loaded run, keyed by its id; reloaded when its model file changes.
struct Cached {
    modified: Option<SystemTime>,
    playground: Arc<Mutex<Box<dyn Playground>>>,
}

/// The models loaded so far.
#[derive(Default)]
pub struct Models {
    loaded: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.loaded.lock().map(|m| m.len()).unwrap_or(0);
        write!(f, "Models({n} loaded)")
    }
}

/// Most models kept loaded at once (the oldest is dropped beyond it).
const MAX_LOADED: usize = 16;

impl Models {
    /// The playground of run `id`, loading it if needed.
    fn get(&self, root: &std::path::Path, id: &str) -> ApiResult<Arc<Mutex<Box<dyn Playground>>>> {
        let run = lookup_run(root, id)?;
        let Some(kind) = kind_of(&run, None) else {
            return Err(ApiError::conflict(format!(
                "run '{id}' has no playground: only finished mnist, xor, svm (seed data) and \
                 kmeans (SOCR) runs with a model have one (this one: {}, {})",
                run.record.experiment,
                run.record.effective_status()
            )));
        };
        let modified = std::fs::metadata(run.dir.join("model.mpk"))
            .and_then(|m| m.modified())
            .ok();
        let mut loaded = self
            .loaded
            .lock()
            .map_err(|_| ApiError::internal("the model cache is poisoned"))?;
        if let Some(cached) = loaded.get(id)
            && cached.modified == modified
        {
            return Ok(cached.playground.clone());
        }
        let dir = ArtifactDir::open(&run.dir)
            .map_err(|e| ApiError::conflict(format!("run '{id}': {e:#}")))?;
        fn boxed<P: Playground + 'static>(
            p: anyhow::Result<P>,
        ) -> anyhow::Result<Box<dyn Playground>> {
            p.map(|p| Box::new(p) as Box<dyn Playground>)
        }
        let playground = match kind {
            PlayKind::Mnist => boxed(mnist::MnistPlay::load(&dir)),
            PlayKind::Xor => boxed(plane::XorPlay::load(&dir)),
            PlayKind::Svm => boxed(plane::SvmPlay::load(&dir)),
            PlayKind::Kmeans => boxed(plane::KMeansPlay::load(&dir)),
        }
        .map_err(|e: anyhow::Error| {
            ApiError::conflict(format!("cannot load the model of run '{id}': {e:#}"))
        })?;
        if loaded.len() >= MAX_LOADED {
            let oldest = loaded.keys().next().cloned();
            if let Some(key) = oldest {
                loaded.remove(&key);
            }
        }
        let playground = Arc::new(Mutex::new(playground));
        loaded.insert(
            id.to_string(),
            Cached {
                modified,
                playground: playground.clone(),
            },
        );
        Ok(playground)
    }
}

fn locked(
    playground: &Mutex<Box<dyn Playground>>,
) -> ApiResult<std::sync::MutexGuard<'_, Box<dyn Playground>>> {
    playground
        .lock()
        .map_err(|_| ApiError::internal("a model panicked earlier; restart zoo serve"))
}

/// `GET /api/runs/{id}/play`.
pub async fn describe(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    super::blocking(move || {
        let playground = state.models.get(&state.root, &id)?;
        let description = locked(&playground)?.describe();
        Ok(Json(description))
    })
    .await
}

/// `POST /api/runs/{id}/predict`: the body is JSON (bounded by the router).
pub async fn predict(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    super::blocking(move || {
        let playground = state.models.get(&state.root, &id)?;
        let start = Instant::now();
        let mut answer = locked(&playground)?.predict(&input)?;
        if let Value::Object(map) = &mut answer {
            map.insert(
                "millis".into(),
                Value::from(start.elapsed().as_secs_f64() * 1e3),
            );
        }
        Ok(Json(answer))
    })
    .await
}

/// `{"point": [x, y]}`: two finite numbers.
fn point(input: &Value) -> ApiResult<[f32; 2]> {
    let bad = || ApiError::bad_request("expected {\"point\": [x, y]} with two finite numbers");
    let values = input
        .get("point")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    if values.len() != 2 {
        return Err(bad());
    }
    let mut out = [0f32; 2];
    for (o, v) in out.iter_mut().zip(values) {
        let v = v
            .as_f64()
            .filter(|v| v.is_finite() && v.abs() < 1e6)
            .ok_or_else(bad)?;
        *o = v as f32;
    }
    Ok(out)
}

/// The row-major grid of `nx × ny` points over `x × y` (row 0 at `y[0]`).
fn grid_points(x: [f64; 2], y: [f64; 2], nx: usize, ny: usize) -> Vec<[f32; 2]> {
    let at = |range: [f64; 2], i: usize, n: usize| {
        (range[0] + (range[1] - range[0]) * i as f64 / (n - 1) as f64) as f32
    };
    (0..ny)
        .flat_map(|j| (0..nx).map(move |i| [at(x, i, nx), at(y, j, ny)]))
        .collect()
}
