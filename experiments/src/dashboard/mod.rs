//! Training renderers: the terminal dashboard or a plain line-per-epoch log.

mod board;
mod plain;
mod tui;

use std::io::IsTerminal;

use burn::train::{Interrupter, renderer::MetricsRenderer};

pub use board::{Board, EpochRecord, EpochSink, Phase};
pub use plain::EpochLogRenderer;
pub use tui::TuiRenderer;

/// The dashboard when stdout is a terminal and `no_tui` is off, else the plain log.
///
/// Falls back to the plain log (with a note on stderr) when the terminal cannot be
/// taken over, e.g. a pty without a controlling terminal.
fn choose(
    no_tui: bool,
    title: String,
    interrupter: Interrupter,
    sink: EpochSink,
) -> Box<dyn MetricsRenderer> {
    if !no_tui && std::io::stdout().is_terminal() {
        match TuiRenderer::start(title, interrupter, sink.clone()) {
            Ok(tui) => return Box::new(tui),
            Err(err) => eprintln!("note: no dashboard ({err}); printing one line per epoch"),
        }
    }
    Box::new(EpochLogRenderer::with_sink(sink))
}

/// The renderer `choose` picked, as one concrete type for `SupervisedTraining::renderer`.
pub struct ChosenRenderer(Box<dyn MetricsRenderer>);

impl ChosenRenderer {
    /// See `choose`; every finished epoch is also pushed into `sink`.
    pub fn new(no_tui: bool, title: String, interrupter: Interrupter, sink: EpochSink) -> Self {
        Self(choose(no_tui, title, interrupter, sink))
    }
}

mod delegate {
    use burn::train::{
        LearnerSummary,
        metric::MetricDefinition,
        renderer::{
            EvaluationName, EvaluationProgress, MetricState, MetricsRenderer,
            MetricsRendererEvaluation, MetricsRendererTraining, ProgressType, TrainingProgress,
        },
    };

    use super::ChosenRenderer;

    type Res = Result<(), Box<dyn std::error::Error>>;

    impl MetricsRendererTraining for ChosenRenderer {
        fn update_train(&mut self, state: MetricState) {
            self.0.update_train(state)
        }
        fn update_valid(&mut self, state: MetricState) {
            self.0.update_valid(state)
        }
        fn render_train(&mut self, item: TrainingProgress, p: Vec<ProgressType>) {
            self.0.render_train(item, p)
        }
        fn render_valid(&mut self, item: TrainingProgress, p: Vec<ProgressType>) {
            self.0.render_valid(item, p)
        }
        fn on_train_end(&mut self, summary: Option<LearnerSummary>) -> Res {
            self.0.on_train_end(summary)
        }
    }

    impl MetricsRendererEvaluation for ChosenRenderer {
        fn update_test(&mut self, name: EvaluationName, state: MetricState) {
            self.0.update_test(name, state)
        }
        fn render_test(&mut self, item: EvaluationProgress, p: Vec<ProgressType>) {
            self.0.render_test(item, p)
        }
        fn on_test_end(&mut self, summary: Option<LearnerSummary>) -> Res {
            self.0.on_test_end(summary)
        }
    }

    impl MetricsRenderer for ChosenRenderer {
        fn manual_close(&mut self) {
            self.0.manual_close()
        }
        fn register_metric(&mut self, definition: MetricDefinition) {
            self.0.register_metric(definition)
        }
    }
}
