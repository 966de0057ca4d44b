//! TensorBoard event files: what every run writes into its directory as it trains (so
//! `tensorboard --logdir artifacts` shows each run, grouped by experiment, while it
//! goes), and what `zoo export --tensorboard` writes for older runs. One writer for
//! both.
//!
//! Tags (every series on the global training step):
//! - `train/<metric>` (`train/loss`, `train/accuracy`, `train/learning_rate`): each
//!   logged training step;
//! - `epoch/<split>_<metric>` (`epoch/valid_loss`, ...): each epoch's mean, at the
//!   step the epoch ended;
//! - `test/<metric>` and `final/<metric>`: the run's final figures (`summary.json`), at
//!   its last step;
//! - the HParams plugin's session start (the flattened `config.json`) and end, so that
//!   TensorBoard's HParams tab compares runs by their settings.
//!
//! Files: `events.out.tfevents.<seconds>.<host>.zoo`, one per process (a resumed run
//! adds one; TensorBoard reads them in order and drops the steps the resume redoes).

pub mod live;
mod proto;
mod record;

use std::{
    collections::BTreeMap,
    fs::File,
    io::{BufWriter, Write},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use prost::Message;
use serde_json::Value;

use proto::{
    Event, HParamsData, HParamsPluginData, PluginData, ProtoKind, ProtoValue, SessionEndInfo,
    SessionStartInfo, Summary, SummaryMetadata, SummaryValue, TensorDim, TensorProto, TensorShape,
};
pub use record::{masked_crc32c, read_records, write_record};

/// The start of every events file's name.
pub const FILE_PREFIX: &str = "events.out.tfevents.";
/// The end of the names of the files the zoo writes.
pub const FILE_SUFFIX: &str = ".zoo";

/// A hyper-parameter's value, as the HParams plugin keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum HParam {
    /// A number.
    Number(f64),
    /// Text (also lists, as JSON).
    Text(String),
    /// A flag.
    Bool(bool),
}

/// How a session (a run) ended, for the HParams plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Finished.
    Success = 1,
    /// Failed.
    Failure = 2,
    /// Still running (stopped, resumable).
    Running = 3,
}

/// Seconds since the Unix epoch.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The file-version event that starts every events file.
pub fn version_event(wall_time: f64) -> Vec<u8> {
    Event {
        wall_time,
        file_version: "brain.Event:2".into(),
        ..Default::default()
    }
    .encode_to_vec()
}

/// An event holding one summary value.
fn summary_event(wall_time: f64, step: i64, value: SummaryValue) -> Vec<u8> {
    Event {
        wall_time,
        step,
        summary: Some(Summary { value: vec![value] }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// An event with one scalar.
pub fn scalar_event(wall_time: f64, step: i64, tag: &str, value: f32) -> Vec<u8> {
    let value = SummaryValue {
        tag: tag.into(),
        simple_value: Some(value),
        ..Default::default()
    };
    summary_event(wall_time, step, value)
}

/// An HParams plugin summary (`_hparams_/<tag>`) holding `data`, as the plugin's Python
/// `summary_v2` writes it (with an empty float tensor).
fn hparams_event(wall_time: f64, step: i64, tag: &str, data: HParamsData) -> Vec<u8> {
    let content = HParamsPluginData {
        version: 0,
        data: Some(data),
    }
    .encode_to_vec();
    let value = SummaryValue {
        tag: format!("_hparams_/{tag}"),
        simple_value: None,
        tensor: Some(TensorProto {
            dtype: 1,
            tensor_shape: Some(TensorShape {
                dim: vec![TensorDim { size: 0 }],
            }),
        }),
        metadata: Some(SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: "hparams".into(),
                content,
            }),
        }),
    };
    summary_event(wall_time, step, value)
}

/// The HParams session start: the run's hyper-parameters; runs in the same `group`
/// (the same settings, other seeds) are averaged together by TensorBoard.
pub fn session_start_event(
    wall_time: f64,
    hparams: &BTreeMap<String, HParam>,
    group: &str,
    start_time: f64,
) -> Vec<u8> {
    let hparams = hparams
        .iter()
        .map(|(k, v)| {
            let kind = match v {
                HParam::Number(x) => ProtoKind::Number(*x),
                HParam::Text(s) => ProtoKind::String(s.clone()),
                HParam::Bool(b) => ProtoKind::Bool(*b),
            };
            (k.clone(), ProtoValue { kind: Some(kind) })
        })
        .collect();
    let info = SessionStartInfo {
        hparams,
        group_name: group.into(),
        start_time_secs: start_time,
    };
    hparams_event(
        wall_time,
        0,
        "session_start_info",
        HParamsData::SessionStartInfo(info),
    )
}

/// The HParams session end.
pub fn session_end_event(
    wall_time: f64,
    step: i64,
    status: SessionStatus,
    end_time: f64,
) -> Vec<u8> {
    let info = SessionEndInfo {
        status: status as i32,
        end_time_secs: end_time,
    };
    hparams_event(
        wall_time,
        step,
        "session_end_info",
        HParamsData::SessionEndInfo(info),
    )
}

/// `config.json` flattened into hyper-parameters: nested keys joined with `.`,
/// numbers, strings and flags as they are, lists and nulls as JSON text (`seed` left
/// out: it names a run, not a setting; the HParams group averages over it).
pub fn flatten_config(config: &Value) -> BTreeMap<String, HParam> {
    fn walk(prefix: &str, value: &Value, out: &mut BTreeMap<String, HParam>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            Value::Number(n) => {
                out.insert(
                    prefix.into(),
                    HParam::Number(n.as_f64().unwrap_or(f64::NAN)),
                );
            }
            Value::Bool(b) => {
                out.insert(prefix.into(), HParam::Bool(*b));
            }
            Value::String(s) => {
                out.insert(prefix.into(), HParam::Text(s.clone()));
            }
            other => {
                out.insert(prefix.into(), HParam::Text(other.to_string()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", config, &mut out);
    out.remove("seed");
    out
}

/// The HParams group of `hparams`: runs with the same settings share it.
pub fn group_of(hparams: &BTreeMap<String, HParam>) -> String {
    // FNV-1a over the settings' text: stable across processes and versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in hparams {
        for byte in format!("{k}={v:?};").bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// An open events file: events are appended as they come; [`EventWriter::flush`]
/// makes them visible to readers (TensorBoard reads a growing file).
#[derive(Debug)]
pub struct EventWriter {
    path: PathBuf,
    file: BufWriter<File>,
}

impl EventWriter {
    /// Creates a new events file in `dir` and writes its version event.
    pub fn create(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create '{}'", dir.display()))?;
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        let wall = now();
        let path = dir.join(format!(
            "{FILE_PREFIX}{}.{host}.{}{FILE_SUFFIX}",
            wall as u64,
            std::process::id()
        ));
        let file =
            File::create(&path).with_context(|| format!("cannot create '{}'", path.display()))?;
        let mut writer = Self {
            path,
            file: BufWriter::new(file),
        };
        writer.append(&version_event(wall))?;
        Ok(writer)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one encoded event.
    pub fn append(&mut self, event: &[u8]) -> Result<()> {
        let mut framed = Vec::with_capacity(event.len() + 16);
        write_record(&mut framed, event);
        self.file
            .write_all(&framed)
            .with_context(|| format!("cannot write '{}'", self.path.display()))
    }

    /// Appends a scalar at `step`, stamped now.
    pub fn scalar(&mut self, step: i64, tag: &str, value: f64) -> Result<()> {
        self.append(&scalar_event(now(), step, tag, value as f32))
    }

    /// Writes what is buffered to the file.
    pub fn flush(&mut self) -> Result<()> {
        self.file
            .flush()
            .with_context(|| format!("cannot write '{}'", self.path.display()))
    }
}

/// What [`decode_event`] reads back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DecodedEvent {
    /// `wall_time`.
    pub wall_time: f64,
    /// `step`.
    pub step: i64,
    /// `file_version`, if set.
    pub file_version: Option<String>,
    /// `(tag, simple_value)` of each scalar value.
    pub values: Vec<(String, f32)>,
    /// The tags of the plugin values (HParams).
    pub plugin_tags: Vec<String>,
}

/// Decodes an event; for tests and checks.
pub fn decode_event(data: &[u8]) -> Result<DecodedEvent> {
    let event = Event::decode(data).context("not an Event protobuf")?;
    let mut out = DecodedEvent {
        wall_time: event.wall_time,
        step: event.step,
        file_version: (!event.file_version.is_empty()).then_some(event.file_version),
        ..Default::default()
    };
    for value in event.summary.map(|s| s.value).unwrap_or_default() {
        match value.simple_value {
            Some(v) => out.values.push((value.tag, v)),
            None => out.plugin_tags.push(value.tag),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_flattens_into_hyper_parameters_without_the_seed() {
        let config = json!({"model": {"hidden": [512], "dropout": 0.0}, "optimizer": {"kind": "adam"},
            "seed": 42, "patience": null, "cosine": true});
        let flat = flatten_config(&config);
        assert_eq!(flat["model.hidden"], HParam::Text("[512]".into()));
        assert_eq!(flat["model.dropout"], HParam::Number(0.0));
        assert_eq!(flat["optimizer.kind"], HParam::Text("adam".into()));
        assert_eq!(flat["patience"], HParam::Text("null".into()));
        assert_eq!(flat["cosine"], HParam::Bool(true));
        assert!(!flat.contains_key("seed"));
        let mut other = flat.clone();
        assert_eq!(group_of(&flat), group_of(&other));
        other.insert("cosine".into(), HParam::Bool(false));
        assert_ne!(group_of(&flat), group_of(&other));
    }

    #[test]
    fn events_decode_back() {
        let e = decode_event(&scalar_event(1.5, 7, "train/loss", 0.25)).unwrap();
        assert_eq!(
            (e.step, e.values),
            (7, vec![("train/loss".to_string(), 0.25)])
        );
        let e = decode_event(&session_end_event(2.0, 9, SessionStatus::Success, 3.0)).unwrap();
        assert_eq!(e.plugin_tags, ["_hparams_/session_end_info"]);
    }
}
