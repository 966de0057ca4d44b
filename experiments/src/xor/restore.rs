//! `xor restore`: reload a finished run's model and only evaluate and plot.

use super::*;

#[derive(Debug, Serialize)]
struct RestoreReport {
    backend: String,
    device: String,
    artifact_dir: String,
    #[serde(flatten)]
    eval: TableEval,
}

/// Loads the model of a finished run on the compiled-in backend.
pub fn load_model(
    dir: &ArtifactDir,
    device: &Device,
) -> Result<(XorConfig, TabularMlp<InferenceBackend>)> {
    dir.require_model()?;
    let config: XorConfig = dir.read_json(CONFIG_FILE)?;
    let model = config.model.init::<InferenceBackend>(device)?;
    let model = dir.load_model(model, device)?;
    Ok((config, model))
}

pub(super) fn restore(path: &std::path::Path) -> Result<()> {
    let dir = ArtifactDir::open(path)?;
    let device = backend::device()?;
    let info = backend::describe(&device);
    let (config, model) = load_model(&dir, &device)?;
    let gate = config.gate()?;
    println!(
        "restored {} from '{}' on {} ({})",
        config.describe(),
        dir.model_path().display(),
        info.name,
        info.device
    );
    let eval = evaluate(&model, gate, &device);
    print!("{}", truth_table(gate, &eval.outputs));
    let mut written = write_surface(&dir, &model, gate, &eval, &device)?;
    let report = RestoreReport {
        backend: info.name.clone(),
        device: info.device.clone(),
        artifact_dir: dir.path().display().to_string(),
        eval,
    };
    written.push(dir.write_json("restore.json", &report)?);
    println!("wrote {}", list_paths(&written));
    Ok(())
}
