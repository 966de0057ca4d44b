//! Command-line pieces every experiment shares: run options and value parsers.

use std::path::PathBuf;

use clap::Args;

/// Options every training experiment takes.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Write the run (config, checkpoints, metric logs, plots, summary) to exactly this
    /// directory [default: a new run directory artifacts/<experiment>/<run-id>, where
    /// artifacts is $ZOO_ARTIFACTS if set]. With --resume: the run to continue.
    // The doc comment is clap's --help text, not markdown.
    #[allow(rustdoc::invalid_html_tags)]
    #[arg(long, value_name = "DIR")]
    pub artifact_dir: Option<PathBuf>,

    /// A readable name appended to the new run's id (letters, digits, '-', '_', '.').
    #[arg(long, value_name = "NAME", value_parser = run_name, conflicts_with = "resume")]
    pub name: Option<String>,

    /// Random seed for parameter initialisation and data order.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Print one plain line per epoch instead of the terminal dashboard (the default
    /// whenever stdout is not a terminal).
    #[arg(long)]
    pub no_tui: bool,

    /// Continue an interrupted run from its newest complete checkpoint, with the
    /// configuration saved there (other hyper-parameter flags are ignored): the run in
    /// --artifact-dir, or else the newest unfinished run of this experiment.
    #[arg(long)]
    pub resume: bool,

    /// Mirror the run into an MLflow tracking server as it trains (http://HOST:PORT):
    /// params, tags, metrics per epoch and step, status and artifacts. A server that is
    /// down or failing costs one warning; the run goes on and is kept here in full
    /// [default: $MLFLOW_TRACKING_URI].
    #[arg(long, value_name = "URI")]
    pub mlflow: Option<String>,

    /// Do not write TensorBoard event files into the run directory (they are written
    /// by default, as the run trains: tensorboard --logdir artifacts).
    #[arg(long)]
    pub no_tensorboard: bool,
}

impl From<&RunArgs> for crate::run::Options {
    fn from(args: &RunArgs) -> Self {
        Self {
            artifact_dir: args.artifact_dir.clone(),
            name: args.name.clone(),
            resume: args.resume,
            no_tui: args.no_tui,
            tensorboard: !args.no_tensorboard,
            mlflow: args
                .mlflow
                .clone()
                .or_else(crate::tracking::mlflow::uri_from_env),
        }
    }
}

/// The devices a learner experiment trains on.
#[derive(Debug, Clone, Args)]
pub struct DeviceArgs {
    /// Train data-parallel on N devices with burn's multi-device learner: the training
    /// set is split evenly over the devices, each step every device trains on one
    /// batch of its share (with --batch-size B, a global batch of N × B), and the
    /// gradients are added on the first device, which runs the optimizer, validation
    /// and checkpoints. wgpu: N discrete GPUs when there are that many, else N device
    /// instances on the default adapter; CPU backends: N worker threads on the CPU.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = positive_usize)]
    pub devices: usize,
}

/// Parses a `--name` (clap value parser).
fn run_name(s: &str) -> Result<String, String> {
    crate::run::id::check_name(s).map(|()| s.to_string())
}

/// A clap value parser for an enum named by strum (`EnumString` + `VariantNames`, as
/// `models::Activation`): `--help` and the error for a wrong value list the names.
pub fn named<T>() -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + strum::VariantNames + Clone + Send + Sync + 'static,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(T::VARIANTS.iter().copied())
        .try_map(|name| name.parse::<T>())
}

/// Parses a strictly positive integer (clap value parser).
pub fn positive_usize(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1, got 0".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a positive whole number, got '{s}'")),
    }
}

/// Parses a strictly positive, finite number such as a learning rate.
pub fn positive_f64(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a positive number, got {x}")),
        Err(_) => Err(format!("expected a number, got '{s}'")),
    }
}

/// The consecutive seeds `seed, seed + 1, …` of a command that trains `n` nets. They
/// are the user's own seeds (`--seed 43` trains the second net again), so they are not
/// derived; a range past `u64::MAX` is an error naming both flags.
pub fn seed_range(seed: u64, n: usize) -> anyhow::Result<Vec<u64>> {
    let Some(last) = seed.checked_add((n as u64).saturating_sub(1)) else {
        anyhow::bail!(
            "--seed {seed} with --seeds {n}: the last seed would be beyond {}",
            u64::MAX
        );
    };
    Ok((seed..=last).collect())
}

/// Units of work per learner epoch: `flag`, else `default`, at most `total`; `total`
/// must be a multiple of it (the error names `total_flag` and `per_epoch_flag`).
pub fn per_epoch(
    total: usize,
    flag: Option<usize>,
    default: usize,
    total_flag: &str,
    per_epoch_flag: &str,
) -> anyhow::Result<usize> {
    let per_epoch = flag.unwrap_or(default).min(total);
    if !total.is_multiple_of(per_epoch) {
        anyhow::bail!(
            "{total_flag} ({total}) must be a multiple of {per_epoch_flag} ({per_epoch})"
        );
    }
    Ok(per_epoch)
}

/// Parses a finite number `>= 0`, such as a penalty or a noise level.
pub fn non_negative_f64(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a finite number >= 0, got {x}")),
        Err(_) => Err(format!("expected a number, got '{s}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_reject_what_cannot_train() {
        assert_eq!(positive_usize("3"), Ok(3));
        assert!(positive_usize("0").is_err());
        assert!(positive_usize("-1").is_err());
        assert_eq!(positive_f64("0.03"), Ok(0.03));
        assert!(positive_f64("-0.1").unwrap_err().contains("-0.1"));
        assert!(positive_f64("NaN").is_err());
    }
}
