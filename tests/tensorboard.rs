//! The zoo's TensorBoard events against TensorBoard's own: `golden.tfevents` was made by
//! TensorBoard's Python code (`tests/fixtures/tensorboard/make_golden.py`); the zoo's
//! writer must give the same bytes for the same events.

use std::{collections::BTreeMap, path::Path};

use experiments::tensorboard::{
    HParam, SessionStatus, decode_event, read_records, scalar_event, session_end_event,
    session_start_event, version_event, write_record,
};

const WALL: f64 = 1_700_000_000.5;

#[test]
fn events_are_byte_for_byte_tensorboards() {
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tensorboard/golden.tfevents");
    let hparams = BTreeMap::from([
        ("optimizer.kind".to_string(), HParam::Text("adam".into())),
        ("learning_rate".to_string(), HParam::Number(0.001)),
        ("cosine".to_string(), HParam::Bool(true)),
    ]);
    let mut ours = Vec::new();
    for event in [
        version_event(WALL),
        scalar_event(WALL, 1, "train/loss", 0.5),
        scalar_event(WALL, 430, "epoch/valid_accuracy", 0.9875),
        session_start_event(WALL, &hparams, "g", WALL),
        session_end_event(WALL, 430, SessionStatus::Success, WALL + 60.0),
    ] {
        write_record(&mut ours, &event);
    }
    let theirs = std::fs::read(&golden).unwrap();
    if ours != theirs {
        // Say which event differs.
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), &ours).unwrap();
        let (a, b) = (
            read_records(tmp.path()).unwrap(),
            read_records(&golden).unwrap(),
        );
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(
                x,
                y,
                "event {i} differs: ours {:?} theirs {:?}",
                decode_event(x),
                decode_event(y)
            );
        }
        panic!("{} events against {}", a.len(), b.len());
    }
}

/// The events a run wrote into its directory, decoded, in order.
fn run_events(dir: &Path) -> Vec<experiments::tensorboard::DecodedEvent> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("events.out.tfevents.")
        })
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| read_records(f).unwrap())
        .map(|r| decode_event(&r).unwrap())
        .collect()
}

fn points(events: &[experiments::tensorboard::DecodedEvent], tag: &str) -> Vec<(i64, f32)> {
    events
        .iter()
        .flat_map(|e| {
            e.values
                .iter()
                .filter(|v| v.0 == tag)
                .map(move |v| (e.step, v.1))
        })
        .collect()
}

#[test]
fn a_run_writes_its_events_live_on_the_global_step_and_a_resume_continues_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let args = [
        "--steps",
        "600",
        "--steps-per-epoch",
        "200",
        "--no-tui",
        "--artifact-dir",
        dir.to_str().unwrap(),
    ];
    let out = crate::common::run(env!("CARGO_BIN_EXE_xor"), &args);
    assert!(out.status.success(), "{}", crate::common::text(&out));
    let events = run_events(&dir);
    assert_eq!(events[0].file_version.as_deref(), Some("brain.Event:2"));
    assert_eq!(events[1].plugin_tags, ["_hparams_/session_start_info"]);
    assert_eq!(
        events.last().unwrap().plugin_tags,
        ["_hparams_/session_end_info"]
    );
    let loss = points(&events, "train/loss");
    assert_eq!(
        loss.iter().map(|p| p.0).collect::<Vec<_>>(),
        (1..=600).collect::<Vec<_>>()
    );
    let valid: Vec<i64> = points(&events, "epoch/valid_loss")
        .iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(valid, [200, 400, 600]);
    // The epoch means are those summary.json lists.
    let summary = crate::common::json(&dir.join("summary.json"));
    let history = crate::common::history_values(&summary, "valid_loss");
    for ((_, ours), theirs) in points(&events, "epoch/valid_loss").iter().zip(&history) {
        assert!(
            (f64::from(*ours) - theirs).abs() < 1e-6,
            "{ours} vs {theirs}"
        );
    }
    assert_eq!(points(&events, "final/accuracy"), [(600, 1.0)]);

    // Stopped after epoch 1 and resumed (here: a kill after the epoch-1 checkpoint),
    // the steps go on from the checkpoint.
    let dir2 = tmp.path().join("resumed");
    let mut args2 = args.to_vec();
    args2[1] = "20000";
    args2[6] = dir2.to_str().unwrap();
    crate::common::kill_after_checkpoint(
        env!("CARGO_BIN_EXE_xor"),
        &args2,
        &dir2,
        1,
        std::time::Duration::ZERO,
        std::time::Duration::from_secs(60),
    );
    let out = crate::common::run(
        env!("CARGO_BIN_EXE_xor"),
        &[
            "--resume",
            "--no-tui",
            "--artifact-dir",
            dir2.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", crate::common::text(&out));
    let events = run_events(&dir2);
    let valid: Vec<i64> = points(&events, "epoch/valid_loss")
        .iter()
        .map(|p| p.0)
        .collect();
    let resumed_from = crate::common::resumed_from(&crate::common::text(&out)) as i64;
    assert!(valid.contains(&(200 * resumed_from)), "{valid:?}");
    assert_eq!(*valid.last().unwrap(), 20000, "{valid:?}");
    let sessions = events
        .iter()
        .filter(|e| e.plugin_tags == ["_hparams_/session_start_info"])
        .count();
    assert_eq!(sessions, 2, "one session start per process");
}
