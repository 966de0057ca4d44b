//! The renderer for logs, pipes and CI: one line per finished epoch on stdout.

use burn::train::{
    LearnerSummary,
    metric::MetricDefinition,
    renderer::{
        EvaluationName, EvaluationProgress, MetricState, MetricsRenderer,
        MetricsRendererEvaluation, MetricsRendererTraining, ProgressType, TrainingProgress,
    },
};

use super::board::{Board, EpochSink, Phase};

/// Prints `epoch N/M  train: ...  |  valid: ...  (s)` once per epoch, never waits for input.
#[derive(Debug, Default)]
pub struct EpochLogRenderer {
    board: Board,
}

impl EpochLogRenderer {
    /// A renderer with nothing seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A renderer that also pushes every finished epoch into `sink`.
    pub fn with_sink(sink: EpochSink) -> Self {
        Self {
            board: Board::with_sink(sink),
        }
    }
}

impl MetricsRendererTraining for EpochLogRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.board.update(Phase::Train, &state);
    }

    fn update_valid(&mut self, state: MetricState) {
        self.board.update(Phase::Valid, &state);
    }

    fn render_train(&mut self, item: TrainingProgress, _: Vec<ProgressType>) {
        if let Some(record) = self.board.progress(Phase::Train, &item) {
            println!("{}", record.line());
        }
    }

    fn render_valid(&mut self, item: TrainingProgress, _: Vec<ProgressType>) {
        if let Some(record) = self.board.progress(Phase::Valid, &item) {
            println!("{}", record.line());
        }
    }

    fn on_train_end(
        &mut self,
        _summary: Option<LearnerSummary>,
    ) -> Result<(), Box<dyn std::error::Error>> {
        if let Some(record) = self.board.finish_epoch() {
            println!("{}", record.line());
        }
        Ok(())
    }
}

impl MetricsRendererEvaluation for EpochLogRenderer {
    fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}

    fn render_test(&mut self, _item: EvaluationProgress, _: Vec<ProgressType>) {}
}

impl MetricsRenderer for EpochLogRenderer {
    fn manual_close(&mut self) {}

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.board.register(&definition);
    }
}
