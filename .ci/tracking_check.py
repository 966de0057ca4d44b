#!/usr/bin/env python3
"""CI's checks of live tracking against the real tools (tensorboard, mlflow with pip).

    tracking_check.py live RUN_DIR PID     # while PID trains: TensorBoard reads epoch 1
    tracking_check.py after RUN_DIR EPOCHS MLFLOW_URI   # after: every epoch, the hparams;
                                                        # the MLflow run: params, metric
                                                        # history, tags, artifacts

Exits non-zero with the reason when a check fails.
"""

import json
import os
import pathlib
import sys
import time

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2


def accumulator(run_dir):
    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)] if tag in acc.Tags()["scalars"] else []


def live(run_dir, pid):
    """Waits for epoch 1's validation loss in the events while the run still trains."""
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit("the run ended before TensorBoard read its first epoch")
        if pathlib.Path(run_dir).is_dir():
            acc = accumulator(run_dir)
            valid = scalars(acc, "epoch/valid_loss")
            if valid:
                train = scalars(acc, "train/loss")
                print(f"while training (pid {pid} alive): epoch/valid_loss {valid[0]} and "
                      f"{len(train)} train/loss points read by TensorBoard's EventAccumulator")
                return
        time.sleep(0.2)
    sys.exit("no epoch/valid_loss within 600 s")


def after(run_dir, epochs, uri):
    acc = accumulator(run_dir)
    summary = json.load(open(pathlib.Path(run_dir, "summary.json")))
    valid = scalars(acc, "epoch/valid_loss")
    history = [row["valid_loss"] for row in summary["metrics"]["history"]]
    assert len(valid) == epochs, f"{len(valid)} epoch/valid_loss points, expected {epochs}"
    assert all(abs(v - h) < 1e-5 for (_, v), h in zip(valid, history)), (valid, history)
    train = scalars(acc, "train/loss")
    assert [s for s, _ in train] == list(range(1, len(train) + 1)), "train/loss steps are not 1..N"
    assert valid[-1][0] == train[-1][0], "the last epoch's mean is not at the last step"
    test = scalars(acc, "test/accuracy")
    assert test and abs(test[0][1] - summary["metrics"]["test_accuracy"]) < 1e-6, test
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    hparams = dict(start.session_start_info.hparams)
    end = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_end_info"])
    assert "learning_rate" in hparams and "model.hidden" in hparams, sorted(hparams)
    assert end.session_end_info.status == 1, end
    print(f"TensorBoard after the run: {len(train)} train/loss steps, epoch/valid_loss at steps "
          f"{[s for s, _ in valid]}, test/accuracy {test[0][1]:.4f}, {len(hparams)} hparams "
          f"(learning_rate={hparams['learning_rate'].number_value}), session end: success")

    import mlflow
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(summary["experiment"])
    runs = client.search_runs([experiment.experiment_id],
                              filter_string=f"attributes.run_name = '{summary['run_id']}'")
    assert len(runs) == 1, f"{len(runs)} MLflow runs named {summary['run_id']}"
    run = runs[0]
    assert run.info.status == "FINISHED", run.info.status
    assert run.data.params["learning_rate"] == str(summary["config"]["learning_rate"]), run.data.params
    history = client.get_metric_history(run.info.run_id, "epoch_valid_loss")
    assert [m.step for m in history] == list(range(1, epochs + 1)), [m.step for m in history]
    for tag in ("zoo.backend", "zoo.seed", "zoo.burn_version"):
        assert tag in run.data.tags, (tag, run.data.tags)
    artifacts = sorted(a.path for a in client.list_artifacts(run.info.run_id))
    for name in ("summary.json", "config.json", "model.safetensors", "training_curves.png"):
        assert name in artifacts, (name, artifacts)
    print(f"MLflow run {run.info.run_id} ({summary['run_id']}): FINISHED, {len(run.data.params)} params, "
          f"epoch_valid_loss at steps {[m.step for m in history]}, tags backend={run.data.tags['zoo.backend']}, "
          f"artifacts {artifacts}")


if __name__ == "__main__":
    if sys.argv[1] == "live":
        live(sys.argv[2], int(sys.argv[3]))
    else:
        after(sys.argv[2], int(sys.argv[3]), sys.argv[4])
