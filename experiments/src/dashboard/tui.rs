//! The terminal dashboard: our own ratatui renderer.
//!
//! burn 0.21's `TuiMetricsRendererWrapper` polls its channel with `try_recv` in a loop
//! that never sleeps, so its thread takes a whole core for the entire run and starves
//! training on small machines (measured several times slower on 2 cores). This
//! renderer blocks on its channel with a timeout instead: it wakes at most ~10 times a
//! second to redraw and read the keyboard, so the dashboard costs next to nothing.
//! Upstream fixed the loop after 0.21 the same way (`recv_timeout` instead of
//! `try_recv`): <https://github.com/tracel-ai/burn/pull/5021>.
//!
//! Keys: `q` (or Ctrl-C) stops training cleanly after the current step; the last
//! finished epoch's checkpoint is kept, so `--resume` continues from there.

use std::{
    io,
    sync::mpsc::{self, Receiver, RecvTimeoutError, Sender},
    thread::JoinHandle,
    time::{Duration, Instant},
};

use burn::train::{
    Interrupter, LearnerSummary,
    metric::MetricDefinition,
    renderer::{
        EvaluationName, EvaluationProgress, MetricState, MetricsRenderer,
        MetricsRendererEvaluation, MetricsRendererTraining, ProgressType, TrainingProgress,
    },
};
use ratatui::{
    DefaultTerminal, Frame,
    crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers},
    layout::{Constraint, Layout, Rect},
    style::{Color, Modifier, Style, Stylize},
    symbols::Marker,
    text::Line,
    widgets::{Axis, Block, Chart, Dataset, Gauge, GraphType, Paragraph, Row, Table},
};

use super::board::{Board, EpochSink, Phase, format_value};

/// Redraws at most this often.
const FRAME: Duration = Duration::from_millis(100);

enum Message {
    Register(MetricDefinition),
    Update(Phase, MetricState),
    Progress(Phase, TrainingProgress),
    End,
}

/// The dashboard renderer; drawing happens on its own, mostly sleeping, thread.
pub struct TuiRenderer {
    sender: Sender<Message>,
    handle: Option<JoinHandle<Board>>,
}

impl TuiRenderer {
    /// Takes over the terminal (alternate screen, raw mode) and starts drawing.
    ///
    /// Fails when stdout is not a usable terminal; the caller then falls back to the
    /// plain log.
    pub fn start(title: String, interrupter: Interrupter, sink: EpochSink) -> io::Result<Self> {
        let terminal = ratatui::try_init().inspect_err(|_| ratatui::restore())?;
        let (sender, receiver) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("zoo-dashboard".into())
            .spawn(move || run(terminal, receiver, title, interrupter, sink))?;
        Ok(Self {
            sender,
            handle: Some(handle),
        })
    }

    fn send(&self, message: Message) {
        // The thread only goes away after End or on a terminal error: nothing to do then.
        let _ = self.sender.send(message);
    }

    /// Closes the dashboard, restores the terminal and prints the epoch lines.
    fn close(&mut self) {
        self.send(Message::End);
        if let Some(handle) = self.handle.take()
            && let Ok(board) = handle.join()
        {
            for record in &board.history {
                println!("{}", record.line());
            }
        }
    }
}

fn run(
    mut terminal: DefaultTerminal,
    receiver: Receiver<Message>,
    title: String,
    interrupter: Interrupter,
    sink: EpochSink,
) -> Board {
    let mut board = Board::with_sink(sink);
    let mut last_draw = Instant::now() - FRAME;
    let mut dirty = true;
    let mut ended = false;
    while !ended {
        let mut handle = |message: Message, board: &mut Board| match message {
            Message::Register(definition) => board.register(&definition),
            Message::Update(phase, state) => board.update(phase, &state),
            Message::Progress(phase, progress) => {
                board.progress(phase, &progress);
            }
            Message::End => {
                board.finish_epoch();
                ended = true;
            }
        };
        match receiver.recv_timeout(FRAME) {
            Ok(message) => {
                handle(message, &mut board);
                while let Ok(message) = receiver.try_recv() {
                    handle(message, &mut board);
                }
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => ended = true,
        }
        while event::poll(Duration::ZERO).unwrap_or(false) {
            if let Ok(Event::Key(key)) = event::read()
                && key.kind == KeyEventKind::Press
                && (key.code == KeyCode::Char('q')
                    || (key.code == KeyCode::Char('c')
                        && key.modifiers.contains(KeyModifiers::CONTROL)))
            {
                interrupter.stop(Some("stopped from the dashboard"));
                dirty = true;
            }
        }
        if (dirty && last_draw.elapsed() >= FRAME) || ended {
            let stopping = interrupter.should_stop();
            if terminal
                .draw(|frame| draw(frame, &board, &title, stopping))
                .is_err()
            {
                break;
            }
            last_draw = Instant::now();
            dirty = false;
        }
    }
    ratatui::restore();
    board
}

fn draw(frame: &mut Frame, board: &Board, title: &str, stopping: bool) {
    let [header, gauges, body, epochs] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Min(8),
        Constraint::Length(7),
    ])
    .areas(frame.area());

    let (epoch, num_epochs) = board.epoch();
    let phase = match board.phase {
        Phase::Train => "training",
        Phase::Valid => "validating",
    };
    let elapsed = board.started.elapsed().as_secs_f64();
    let rate = board.steps as f64 / elapsed.max(1e-9);
    let hint = if stopping {
        "stopping after this step…".yellow().bold()
    } else {
        "q: stop (resumable)".dark_gray()
    };
    let status = Line::from(vec![
        format!(
            "{phase}  epoch {epoch}/{num_epochs}  step {}  ",
            board.steps
        )
        .bold(),
        format!("{elapsed:.1} s  {rate:.0} steps/s   ").into(),
        hint,
    ]);
    frame.render_widget(
        Paragraph::new(status).block(Block::bordered().title(format!(" {title} "))),
        header,
    );

    let [epoch_gauge, run_gauge] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(gauges);
    let (done, total) = board.items;
    frame.render_widget(
        gauge(
            &format!("{phase} {done}/{total} items"),
            ratio(done, total),
            Color::Cyan,
        ),
        epoch_gauge,
    );
    let finished = board.history.last().map_or(0, |r| r.epoch);
    frame.render_widget(
        gauge(
            &format!("run {finished}/{num_epochs} epochs"),
            ratio(finished, num_epochs),
            Color::Green,
        ),
        run_gauge,
    );

    let [metrics, chart] =
        Layout::horizontal([Constraint::Length(48), Constraint::Min(20)]).areas(body);
    draw_metrics(frame, board, metrics);
    draw_loss_chart(frame, board, chart);

    let lines: Vec<Line> = board
        .history
        .iter()
        .rev()
        .take(usize::from(epochs.height.saturating_sub(2)))
        .rev()
        .map(|r| Line::from(r.line()))
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Epochs ")),
        epochs,
    );
}

fn ratio(done: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    }
}

fn gauge(label: &str, ratio: f64, color: Color) -> Gauge<'static> {
    Gauge::default()
        .gauge_style(Style::default().fg(color))
        .ratio(ratio)
        .label(label.to_string())
}

fn draw_metrics(frame: &mut Frame, board: &Board, area: Rect) {
    let last = board.history.last();
    let mut names: Vec<&String> = board.latest_train.keys().collect();
    if let Some(record) = last {
        names.extend(
            record
                .valid
                .keys()
                .filter(|k| !board.latest_train.contains_key(*k)),
        );
    }
    let cell = |v: Option<&f64>| v.map_or("-".to_string(), |v| format_value(*v));
    let rows = names.into_iter().map(|name| {
        Row::new(vec![
            name.clone(),
            cell(board.latest_train.get(name)),
            cell(last.and_then(|r| r.train.get(name))),
            cell(last.and_then(|r| r.valid.get(name))),
        ])
    });
    let widths = [
        Constraint::Length(14),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(10),
    ];
    let table = Table::new(rows, widths)
        .header(
            Row::new(vec!["metric", "step", "train", "valid"])
                .style(Style::default().add_modifier(Modifier::BOLD)),
        )
        .block(Block::bordered().title(" Metrics (last epoch) "));
    frame.render_widget(table, area);
}

/// Loss spans orders of magnitude, so the chart plots log10(loss) and labels the
/// axis with the loss itself.
fn draw_loss_chart(frame: &mut Frame, board: &Board, area: Rect) {
    let log = |(x, y): (f64, f64)| (x, y.max(1e-30).log10());
    let train: Vec<(f64, f64)> = board.train_loss.iter().copied().map(log).collect();
    let steps_per_epoch = board.steps as f64 / board.history.len().max(1) as f64;
    let valid: Vec<(f64, f64)> = board
        .history
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.valid
                .get("Loss")
                .map(|l| log(((i + 1) as f64 * steps_per_epoch, *l)))
        })
        .collect();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, y) in train.iter().chain(&valid) {
        if y.is_finite() {
            lo = lo.min(*y);
            hi = hi.max(*y);
        }
    }
    if !lo.is_finite() {
        (lo, hi) = (-1.0, 0.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let x_max = (board.steps as f64).max(1.0);
    let datasets = vec![
        Dataset::default()
            .name("train (step)")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Cyan))
            .data(&train),
        Dataset::default()
            .name("valid (epoch)")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(Style::default().fg(Color::Yellow))
            .data(&valid),
    ];
    let label = |v: f64| format_value(10f64.powf(v));
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(" Loss (log scale) "))
        .x_axis(
            Axis::default()
                .title("step")
                .bounds([0.0, x_max])
                .labels(["0".to_string(), format!("{x_max:.0}")]),
        )
        .y_axis(Axis::default().bounds([lo, hi]).labels([
            label(lo),
            label((lo + hi) / 2.0),
            label(hi),
        ]));
    frame.render_widget(chart, area);
}

impl MetricsRendererTraining for TuiRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.send(Message::Update(Phase::Train, state));
    }

    fn update_valid(&mut self, state: MetricState) {
        self.send(Message::Update(Phase::Valid, state));
    }

    fn render_train(&mut self, item: TrainingProgress, _: Vec<ProgressType>) {
        self.send(Message::Progress(Phase::Train, item));
    }

    fn render_valid(&mut self, item: TrainingProgress, _: Vec<ProgressType>) {
        self.send(Message::Progress(Phase::Valid, item));
    }

    fn on_train_end(
        &mut self,
        _summary: Option<LearnerSummary>,
    ) -> Result<(), Box<dyn std::error::Error>> {
        self.close();
        Ok(())
    }
}

impl MetricsRendererEvaluation for TuiRenderer {
    fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}

    fn render_test(&mut self, _item: EvaluationProgress, _: Vec<ProgressType>) {}
}

impl MetricsRenderer for TuiRenderer {
    fn manual_close(&mut self) {
        self.close();
    }

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.send(Message::Register(definition));
    }
}

impl Drop for TuiRenderer {
    fn drop(&mut self) {
        self.close();
    }
}
