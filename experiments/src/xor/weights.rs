//! XOR's weights in and out: the metadata of its `model.safetensors` and `xor eval
//! --weights FILE` (a gate network made anywhere, on the compiled-in backend).

use serde_json::json;

use super::*;
use crate::{
    run::RunRecord,
    weights::{self, WeightsFile, WeightsInfo},
};

/// The metadata of a gate network's `model.safetensors`.
pub(super) fn info(config: &XorConfig, run: &str) -> WeightsInfo {
    WeightsInfo {
        experiment: NAME.to_string(),
        run: run.to_string(),
        output: format!(
            "logit that {}(a, b) is 1; sigmoid gives its probability",
            config.gate
        ),
        preprocessing: json!({
            "input": "two values in [0, 1]: the gate's inputs a and b",
            "gate": config.gate,
        }),
        classes: vec!["0".into(), "1".into()],
    }
}

/// Writes the `model.safetensors` of a finished run from its `model.mpk`.
pub fn export(dir: &ArtifactDir) -> Result<PathBuf> {
    let device = backend::device()?;
    let (config, model) = load_model(dir, &device)?;
    let run = RunRecord::load(dir.path())?.id;
    weights::save(dir, &model, &info(&config, &run))
}

/// Arguments of `xor eval`.
#[derive(Debug, Args)]
pub(super) struct EvalArgs {
    /// Weights to evaluate: a .safetensors file or a PyTorch state dict (.pt, .pth) of
    /// a Sequential of Linear layers (2 inputs, 1 output) with one activation between
    /// them.
    #[arg(long, value_name = "FILE")]
    weights: PathBuf,
    /// The gate whose truth table to check: and, or, xor, xnor.
    #[arg(long, default_value = "xnor")]
    gate: LogicGate,
    /// Hidden activation: sigmoid, tanh or relu [default: the one the file's metadata
    /// names].
    #[arg(long, ignore_case = true, value_parser = named::<Activation>())]
    activation: Option<Activation>,
    /// Where to write the report [default: eval.json beside the weights file].
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct EvalReport {
    weights: String,
    format: String,
    sha256: String,
    layers: Vec<usize>,
    activation: Activation,
    gate: String,
    backend: String,
    device: String,
    #[serde(flatten)]
    eval: TableEval,
}

/// `xor eval --weights FILE`.
pub(super) fn eval_weights(args: &EvalArgs) -> Result<()> {
    let file = WeightsFile::open(&args.weights)?;
    let widths = file.widths()?;
    let (inputs, outputs) = (widths[0], widths[widths.len() - 1]);
    if inputs != 2 || outputs != 1 {
        anyhow::bail!(
            "'{}': the network has {inputs} inputs and {outputs} outputs; a gate network has \
             2 and 1",
            args.weights.display()
        );
    }
    let Some(activation) = args.activation.or_else(|| file.activation()) else {
        anyhow::bail!(
            "'{}' does not say its hidden activation: pass --activation sigmoid, tanh or relu",
            args.weights.display()
        );
    };
    let device = backend::device()?;
    let info = backend::describe(&device);
    let config = TabularMlpConfig::new()
        .with_inputs(inputs)
        .with_hidden(widths[1..widths.len() - 1].to_vec())
        .with_outputs(outputs)
        .with_activation(activation);
    let model = file.load_into(config.init::<InferenceBackend>(&device)?)?;
    let eval = evaluate(&model, args.gate, &device);
    print!("{}", truth_table(args.gate, &eval.outputs));
    println!(
        "accuracy {:.0}% on the {} truth table ({} network, {activation}, from '{}', {} on {})",
        eval.accuracy * 100.0,
        args.gate,
        weights::dashed(&widths),
        args.weights.display(),
        info.name,
        info.device
    );
    let report = EvalReport {
        weights: args.weights.display().to_string(),
        format: file.format().to_string(),
        sha256: file.sha256().to_string(),
        layers: widths,
        activation,
        gate: args.gate.to_string(),
        backend: info.name,
        device: info.device,
        eval,
    };
    let output = weights::write_eval_report(&args.weights, args.output.as_deref(), &report)?;
    println!("wrote {}", output.display());
    Ok(())
}
