//! A client of an MLflow tracking server, through its REST API (no Python at run time).
//!
//! [`Client`] is the blocking API: experiments, runs, batches of metrics, params and tags,
//! artifacts. [`Mirror`] mirrors a live run from a background thread and never endangers
//! it: on the first failure it warns once and drops everything after. [`export_run`]
//! pushes a finished run in one go, with its errors returned.
//!
//! Only http(s) tracking URIs are supported (`MLFLOW_TRACKING_URI`, [`uri_from_env`]).

use std::{
    fs,
    path::PathBuf,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, Ordering},
        mpsc::{self, Receiver, RecvTimeoutError, Sender},
    },
    thread,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// The environment variable naming the tracking server, as for MLflow's own clients.
pub const TRACKING_URI_ENV: &str = "MLFLOW_TRACKING_URI";

// MLflow's limits on one `runs/log-batch` call, and on keys and values (in characters).
const MAX_METRICS: usize = 1000;
const MAX_PARAMS: usize = 100;
const MAX_TAGS: usize = 100;
const MAX_ENTITIES: usize = 1000;
const MAX_KEY: usize = 250;
const MAX_PARAM_VALUE: usize = 6000;
const MAX_TAG_VALUE: usize = 8000;
// The Mirror sends its buffered metrics at least this often, and on this many.
const BATCH_EVERY: Duration = Duration::from_secs(2);
const BATCH_SIZE: usize = 500;
const ARTIFACTS_SCHEME: &str = "mlflow-artifacts:/";

/// The tracking URI in `MLFLOW_TRACKING_URI`, if it is set and not empty.
pub fn uri_from_env() -> Option<String> {
    std::env::var(TRACKING_URI_ENV)
        .ok()
        .filter(|uri| !uri.trim().is_empty())
}

/// The time limits of a request, its attempts (the wait before the second one, doubled
/// for each one after), and the Mirror's bound on `finish`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub connect: Duration,
    pub request: Duration,
    pub attempts: u32,
    pub backoff: Duration,
    pub finish: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        let (connect, request) = (Duration::from_secs(3), Duration::from_secs(10));
        let (backoff, finish) = (Duration::from_millis(250), Duration::from_secs(30));
        Limits {
            connect,
            request,
            attempts: 3,
            backoff,
            finish,
        }
    }
}

/// The final status of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The run ended normally.
    Finished,
    /// The run ended with an error.
    Failed,
    /// The run was stopped (e.g. by a signal).
    Killed,
}

impl Status {
    /// MLflow's name of the status (`FINISHED`, `FAILED`, `KILLED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Finished => "FINISHED",
            Status::Failed => "FAILED",
            Status::Killed => "KILLED",
        }
    }
}

/// One value of a metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// The metric's name.
    pub key: String,
    /// Its value; values that are not finite are skipped.
    pub value: f64,
    /// The training step it belongs to.
    pub step: i64,
    /// When it was measured, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

/// A run created on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunHandle {
    /// The run's id.
    pub run_id: String,
    /// Where the server keeps its artifacts, e.g. `mlflow-artifacts:/<exp>/<run>/artifacts`.
    pub artifact_uri: String,
}

impl RunHandle {
    /// Whether the server takes the run's artifacts over HTTP (`mlflow-artifacts:/` URIs).
    pub fn serves_artifacts(&self) -> bool {
        self.artifact_uri.starts_with(ARTIFACTS_SCHEME)
    }
}

/// A failed request: what went wrong, with the server's `error_code` if it answered one.
#[derive(Debug)]
struct ApiError {
    code: Option<String>,
    text: String,
    retryable: bool,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for ApiError {}

/// The server's `error_code` behind `err`, if it answered one.
fn error_code(err: &anyhow::Error) -> Option<&str> {
    err.downcast_ref::<ApiError>()?.code.as_deref()
}

impl ApiError {
    fn from_ureq(err: ureq::Error) -> ApiError {
        match err {
            ureq::Error::Status(status, response) => {
                let answer = response.into_string().unwrap_or_default();
                let json: Value = serde_json::from_str(&answer).unwrap_or_default();
                let field = |key| json.get(key).and_then(Value::as_str).map(str::to_string);
                let code = field("error_code");
                let message =
                    field("message").unwrap_or_else(|| answer.trim().chars().take(200).collect());
                let mut text = format!("HTTP {status}");
                if let Some(code) = &code {
                    text = format!("{text} {code}");
                }
                if !message.is_empty() {
                    text = format!("{text}: {message}");
                }
                ApiError {
                    code,
                    text,
                    retryable: status == 429 || status >= 500,
                }
            }
            ureq::Error::Transport(transport) => {
                let mut text = transport.kind().to_string();
                let source = std::error::Error::source(&transport).map(ToString::to_string);
                for detail in [transport.message().map(str::to_string), source]
                    .into_iter()
                    .flatten()
                {
                    text = format!("{text}: {detail}");
                }
                let retryable = matches!(
                    transport.kind(),
                    ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Io
                );
                ApiError {
                    code: None,
                    text,
                    retryable,
                }
            }
        }
    }
}

enum Body<'a> {
    Empty,
    Json(&'a Value),
    Bytes(&'a [u8]),
}

/// A blocking client of an MLflow tracking server. Each request has a time limit (connect
/// 3 s, whole request 10 s) and is tried up to 3 times (again after 0.25 s, then 0.5 s) on
/// connection errors, timeouts, HTTP 429 and 5xx; other 4xx answers are not retried.
/// Errors name the URI, the endpoint and the server's `error_code` and `message`.
pub struct Client {
    uri: String,
    agent: ureq::Agent,
    limits: Limits,
}

impl Client {
    /// A client of the tracking server at `uri` (`http://host:port`, or https). Any other
    /// kind of tracking URI (a `file:` store, `databricks`, ...) is an error.
    pub fn new(uri: &str) -> Result<Client> {
        Client::with_limits(uri, Limits::default())
    }

    /// [`Client::new`] with other limits (for tests).
    pub(crate) fn with_limits(uri: &str, limits: Limits) -> Result<Client> {
        let trimmed = uri.trim().trim_end_matches('/');
        let lower = trimmed.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("http://")
            .or_else(|| lower.strip_prefix("https://"));
        if !rest.is_some_and(|host| !host.is_empty() && !host.starts_with('/')) {
            bail!(
                "MLflow tracking URI `{uri}` is not supported: only http:// and https:// \
                 tracking servers are (e.g. {TRACKING_URI_ENV}=http://127.0.0.1:5000)"
            );
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(limits.connect)
            .timeout(limits.request)
            .build();
        Ok(Client {
            uri: trimmed.to_string(),
            agent,
            limits,
        })
    }

    /// The tracking URI, without a trailing `/`.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// One request, with retries: the answer's JSON (`Null` for an empty answer).
    fn call(
        &self,
        method: &str,
        path: &str,
        query: Option<(&str, &str)>,
        body: Body,
    ) -> Result<Value> {
        let what = || format!("MLflow at {}: {method} {path}", self.uri);
        let url = format!("{}{path}", self.uri);
        let mut attempt = 1;
        let mut err = loop {
            let mut request = self.agent.request(method, &url);
            if let Some((key, value)) = query {
                request = request.query(key, value);
            }
            let result = match body {
                Body::Empty => request.call(),
                Body::Json(json) => request
                    .set("Content-Type", "application/json")
                    .send_string(&json.to_string()),
                Body::Bytes(bytes) => request
                    .set("Content-Type", "application/octet-stream")
                    .send_bytes(bytes),
            };
            let err = match result {
                Ok(response) => {
                    let answer = response.into_string().with_context(what)?;
                    return match answer.trim() {
                        "" => Ok(Value::Null),
                        answer => serde_json::from_str(answer)
                            .with_context(|| format!("{}: an answer not in JSON", what())),
                    };
                }
                Err(err) => ApiError::from_ureq(err),
            };
            if !err.retryable || attempt >= self.limits.attempts {
                break err;
            }
            thread::sleep(self.limits.backoff * 2u32.pow(attempt - 1));
            attempt += 1;
        };
        if attempt > 1 {
            err.text = format!("{} (after {attempt} attempts)", err.text);
        }
        Err(anyhow::Error::new(err).context(what()))
    }

    fn post(&self, endpoint: &str, body: &Value) -> Result<Value> {
        self.call(
            "POST",
            &format!("/api/2.0/mlflow/{endpoint}"),
            None,
            Body::Json(body),
        )
    }

    /// The string at `pointer` in the answer of `endpoint`.
    fn field(&self, answer: &Value, pointer: &str, endpoint: &str) -> Result<String> {
        let found = answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string);
        found.ok_or_else(|| {
            anyhow!(
                "MLflow at {}: {endpoint} answered no `{pointer}`: {answer}",
                self.uri
            )
        })
    }

    fn find_experiment(&self, name: &str) -> Result<Option<String>> {
        let path = "/api/2.0/mlflow/experiments/get-by-name";
        let answer = match self.call("GET", path, Some(("experiment_name", name)), Body::Empty) {
            Err(err) if error_code(&err) == Some("RESOURCE_DOES_NOT_EXIST") => return Ok(None),
            answer => answer?,
        };
        if answer.pointer("/experiment/lifecycle_stage") == Some(&json!("deleted")) {
            bail!(
                "MLflow at {}: experiment `{name}` is deleted (restore it, or use another name)",
                self.uri
            );
        }
        self.field(&answer, "/experiment/experiment_id", path)
            .map(Some)
    }

    /// The id of the experiment `name`, created if it does not exist yet.
    pub fn experiment_id(&self, name: &str) -> Result<String> {
        if let Some(id) = self.find_experiment(name)? {
            return Ok(id);
        }
        match self.post("experiments/create", &json!({ "name": name })) {
            // Created by someone else in between.
            Err(err) if error_code(&err) == Some("RESOURCE_ALREADY_EXISTS") => {
                let found = self.find_experiment(name)?;
                found.ok_or_else(|| {
                    anyhow!(
                        "MLflow at {}: experiment `{name}` exists but is not found",
                        self.uri
                    )
                })
            }
            answer => self.field(&answer?, "/experiment_id", "experiments/create"),
        }
    }

    /// Creates a run named `run_name` in the experiment, started at `start_ms` (milliseconds
    /// since the Unix epoch), with `tags`.
    pub fn create_run(
        &self,
        experiment_id: &str,
        run_name: &str,
        start_ms: i64,
        tags: &[(String, String)],
    ) -> Result<RunHandle> {
        let tags = entries(tags, MAX_TAG_VALUE);
        let body = json!({ "experiment_id": experiment_id, "run_name": run_name, "start_time": start_ms, "tags": tags });
        let answer = self.post("runs/create", &body)?;
        Ok(RunHandle {
            run_id: self.field(&answer, "/run/info/run_id", "runs/create")?,
            artifact_uri: self.field(&answer, "/run/info/artifact_uri", "runs/create")?,
        })
    }

    /// Logs metrics, params and tags to a run, in as many calls as MLflow's limits need
    /// (1000 metrics, 100 params, 100 tags, 1000 in all). Metrics that are not finite are
    /// skipped; keys are cut to 250 characters, param values to 6000 (ending in `…`).
    pub fn log_batch(
        &self,
        run_id: &str,
        metrics: &[Metric],
        params: &[(String, String)],
        tags: &[(String, String)],
    ) -> Result<()> {
        let metrics: Vec<Value> = metrics
            .iter()
            .filter(|m| m.value.is_finite())
            .map(|m| {
                let key = cut(&m.key, MAX_KEY);
                json!({ "key": key, "value": m.value, "timestamp": m.timestamp_ms, "step": m.step })
            })
            .collect();
        let (params, tags) = (
            entries(params, MAX_PARAM_VALUE),
            entries(tags, MAX_TAG_VALUE),
        );
        let (mut m, mut p, mut t) = (0, 0, 0);
        while m < metrics.len() || p < params.len() || t < tags.len() {
            let np = (params.len() - p).min(MAX_PARAMS);
            let nt = (tags.len() - t).min(MAX_TAGS);
            let nm = (metrics.len() - m)
                .min(MAX_METRICS)
                .min(MAX_ENTITIES - np - nt);
            let (metrics, params, tags) =
                (&metrics[m..m + nm], &params[p..p + np], &tags[t..t + nt]);
            self.post(
                "runs/log-batch",
                &json!({ "run_id": run_id, "metrics": metrics, "params": params, "tags": tags }),
            )?;
            (m, p, t) = (m + nm, p + np, t + nt);
        }
        Ok(())
    }

    /// Sets the run's final status and end time (milliseconds since the Unix epoch).
    pub fn update_run(&self, run_id: &str, status: Status, end_ms: i64) -> Result<()> {
        let body = json!({ "run_id": run_id, "status": status.as_str(), "end_time": end_ms });
        self.post("runs/update", &body).map(drop)
    }

    /// Uploads `bytes` as the run's artifact `rel_path` (e.g. `plots/loss.png`); an error
    /// where the server does not serve artifacts ([`RunHandle::serves_artifacts`]).
    pub fn upload_artifact(&self, run: &RunHandle, rel_path: &str, bytes: &[u8]) -> Result<()> {
        let Some(root) = run.artifact_uri.strip_prefix(ARTIFACTS_SCHEME) else {
            bail!(
                "MLflow at {}: the server does not serve artifacts ({})",
                self.uri,
                run.artifact_uri
            );
        };
        let rel = rel_path.trim_start_matches('/');
        if rel.is_empty() || rel.split('/').any(|part| part == "..") {
            bail!("MLflow at {}: bad artifact path `{rel_path}`", self.uri);
        }
        let path = format!(
            "/api/2.0/mlflow-artifacts/artifacts/{}/{rel}",
            root.trim_matches('/')
        );
        self.call("PUT", &path, None, Body::Bytes(bytes)).map(drop)
    }

    /// Uploads `artifacts` (relative name, local file), or warns once through `warn` and
    /// skips them where the server does not serve artifacts; stops early when `stop()`.
    fn upload_all(
        &self,
        run: &RunHandle,
        artifacts: &[(String, PathBuf)],
        warn: &dyn Fn(&str),
        stop: &dyn Fn() -> bool,
    ) -> Result<()> {
        if !artifacts.is_empty() && !run.serves_artifacts() {
            warn(&format!(
                "warning: MLflow at {}: the server does not serve artifacts (artifact URI {}); {} \
                 artifact(s) not uploaded (`mlflow server --serve-artifacts` does)",
                self.uri,
                run.artifact_uri,
                artifacts.len()
            ));
            return Ok(());
        }
        for (name, path) in artifacts.iter().take_while(|_| !stop()) {
            let bytes =
                fs::read(path).with_context(|| format!("reading artifact {}", path.display()))?;
            self.upload_artifact(run, name, &bytes)?;
        }
        Ok(())
    }
}

/// `text` cut to at most `max` characters, the last one `…` when something was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    text.chars().take(max - 1).chain(['…']).collect()
}

fn entries(pairs: &[(String, String)], max_value: usize) -> Vec<Value> {
    let entry = |(key, value): &(String, String)| json!({ "key": cut(key, MAX_KEY), "value": cut(value, max_value) });
    pairs.iter().map(entry).collect()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Where the Mirror's warnings go: stderr, or a test's list.
pub(crate) type Warn = Arc<dyn Fn(&str) + Send + Sync>;

struct Shared {
    uri: String,
    warn: Warn,
    gave_up: AtomicBool,
    run_id: OnceLock<String>,
}

impl Shared {
    /// Warns at the first failure only; everything after it is dropped.
    fn give_up(&self, why: &str) {
        if !self.gave_up.swap(true, Ordering::SeqCst) {
            (self.warn)(&format!(
                "warning: {why}; the run goes on and is kept locally only"
            ));
        }
    }

    fn gave_up(&self) -> bool {
        self.gave_up.load(Ordering::SeqCst)
    }
}

enum Message {
    Metric(Metric),
    Flush,
    Finish(Status, Vec<(String, PathBuf)>, i64),
}

/// A live run mirrored into MLflow by a background thread, that never endangers the run:
/// its methods only send on a channel and return at once. At the first failure of any
/// kind (server down or slow, error answers) it prints one warning line on stderr and
/// drops everything after. Dropped without [`Mirror::finish`], it ends the run as failed
/// in the background.
pub struct Mirror {
    shared: Arc<Shared>,
    sender: Sender<Message>,
    done: Receiver<()>,
    finish_limit: Duration,
}

impl Mirror {
    /// Starts mirroring a run named `run_name` into `experiment` (created if needed) on the
    /// server at `uri`, with `params` and `tags`. Never fails: problems are one warning.
    pub fn start(
        uri: &str,
        experiment: &str,
        run_name: &str,
        params: Vec<(String, String)>,
        tags: Vec<(String, String)>,
    ) -> Mirror {
        let warn: Warn = Arc::new(|line: &str| eprintln!("{line}"));
        Mirror::start_with(
            uri,
            experiment,
            run_name,
            params,
            tags,
            Limits::default(),
            warn,
        )
    }

    /// [`Mirror::start`] with other limits and warning sink (for tests).
    pub(crate) fn start_with(
        uri: &str,
        experiment: &str,
        run_name: &str,
        params: Vec<(String, String)>,
        tags: Vec<(String, String)>,
        limits: Limits,
        warn: Warn,
    ) -> Mirror {
        let shared = Arc::new(Shared {
            uri: uri.to_string(),
            warn,
            gave_up: AtomicBool::new(false),
            run_id: OnceLock::new(),
        });
        let (sender, receiver) = mpsc::channel();
        // The thread drops `done_sender` as it ends; without a thread, it is dropped here.
        let (done_sender, done) = mpsc::channel::<()>();
        let mirror = Mirror {
            shared: shared.clone(),
            sender,
            done,
            finish_limit: limits.finish,
        };
        let client = match Client::with_limits(uri, limits) {
            Ok(client) => client,
            Err(err) => {
                shared.give_up(&format!("{err:#}"));
                return mirror;
            }
        };
        let (experiment, run_name, start_ms) =
            (experiment.to_string(), run_name.to_string(), now_ms());
        let spawned = thread::Builder::new().name("mlflow".into()).spawn(move || {
            let _done = done_sender;
            let result = client.experiment_id(&experiment).and_then(|id| {
                let run = client.create_run(&id, &run_name, start_ms, &tags)?;
                let _ = shared.run_id.set(run.run_id.clone());
                client.log_batch(&run.run_id, &[], &params, &[])?;
                pump(&client, &shared, &receiver, &run)
            });
            if let Err(err) = result {
                shared.give_up(&format!("{err:#}"));
            }
        });
        if let Err(err) = spawned {
            mirror
                .shared
                .give_up(&format!("MLflow at {uri}: no thread to talk to it: {err}"));
        }
        mirror
    }

    /// The run's id on the server once it is created (`None` before, or after a failure).
    pub fn run_id(&self) -> Option<String> {
        self.shared.run_id.get().cloned()
    }

    /// Logs one value of metric `key` at `step`, measured now.
    pub fn metric(&self, key: &str, value: f64, step: i64) {
        let metric = Metric {
            key: key.to_string(),
            value,
            step,
            timestamp_ms: now_ms(),
        };
        // A failed send means that the thread gave up: the value is dropped.
        let _ = self.sender.send(Message::Metric(metric));
    }

    /// Sends the buffered metrics now (they are sent anyway every 500 values or 2 s).
    pub fn flush(&self) {
        let _ = self.sender.send(Message::Flush);
    }

    /// Sends the rest, uploads `artifacts` (relative name, local file), sets the run's
    /// status and end time, and waits for all that at most 30 s (then warns and gives up).
    pub fn finish(self, status: Status, artifacts: Vec<(String, PathBuf)>) {
        let started = Instant::now();
        let Mirror {
            shared,
            sender,
            done,
            finish_limit,
        } = self;
        let _ = sender.send(Message::Finish(status, artifacts, now_ms()));
        drop(sender);
        if let Err(RecvTimeoutError::Timeout) =
            done.recv_timeout(finish_limit.saturating_sub(started.elapsed()))
        {
            let limit = finish_limit.as_secs_f64();
            shared.give_up(&format!(
                "MLflow at {}: the run's end took more than {limit} s",
                shared.uri
            ));
        }
    }
}

/// The Mirror's thread once the run is created: sends the metrics in batches until the end.
fn pump(
    client: &Client,
    shared: &Shared,
    receiver: &Receiver<Message>,
    run: &RunHandle,
) -> Result<()> {
    let (mut buffer, mut last_sent) = (Vec::new(), Instant::now());
    loop {
        let (now, end) =
            match receiver.recv_timeout(BATCH_EVERY.saturating_sub(last_sent.elapsed())) {
                Ok(Message::Metric(metric)) => {
                    buffer.push(metric);
                    (buffer.len() >= BATCH_SIZE, None)
                }
                Ok(Message::Flush) | Err(RecvTimeoutError::Timeout) => (true, None),
                Ok(Message::Finish(status, artifacts, end_ms)) => {
                    (true, Some((status, artifacts, end_ms)))
                }
                // The Mirror was dropped without `finish`.
                Err(RecvTimeoutError::Disconnected) => {
                    (true, Some((Status::Failed, Vec::new(), now_ms())))
                }
            };
        if shared.gave_up() {
            return Ok(());
        }
        if now || last_sent.elapsed() >= BATCH_EVERY {
            client.log_batch(&run.run_id, &buffer, &[], &[])?;
            (buffer, last_sent) = (Vec::new(), Instant::now());
        }
        if let Some((status, artifacts, end_ms)) = end {
            client.upload_all(run, &artifacts, &*shared.warn, &|| shared.gave_up())?;
            if !shared.gave_up() {
                client.update_run(&run.run_id, status, end_ms)?;
            }
            return Ok(());
        }
    }
}

/// Pushes a finished run in one go (`zoo export --mlflow`): creates the experiment if
/// needed and the run, logs `params`, `tags` and `metrics` (key, value, step, timestamp in
/// ms), uploads `artifacts` (relative name, local file), sets the status and end time,
/// and returns the run's id. A server that does not serve artifacts skips them with a
/// warning on stderr; any other failure is an error.
#[allow(clippy::too_many_arguments)]
pub fn export_run(
    uri: &str,
    experiment: &str,
    run_name: &str,
    start_ms: i64,
    end_ms: i64,
    status: Status,
    params: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    metrics: Vec<(String, f64, i64, i64)>,
    artifacts: Vec<(String, PathBuf)>,
) -> Result<String> {
    let client = Client::new(uri)?;
    let run = client.create_run(
        &client.experiment_id(experiment)?,
        run_name,
        start_ms,
        &tags,
    )?;
    let metrics: Vec<Metric> = metrics
        .into_iter()
        .map(|(key, value, step, timestamp_ms)| Metric {
            key,
            value,
            step,
            timestamp_ms,
        })
        .collect();
    let push = || -> Result<()> {
        client.log_batch(&run.run_id, &metrics, &params, &[])?;
        client.upload_all(&run, &artifacts, &|line| eprintln!("{line}"), &|| false)?;
        client.update_run(&run.run_id, status, end_ms)
    };
    push().with_context(|| format!("exporting into MLflow run {}", run.run_id))?;
    Ok(run.run_id)
}

#[cfg(test)]
mod tests {
    use std::{
        io::{BufRead, BufReader, Read, Write},
        net::{TcpListener, TcpStream},
        sync::Mutex,
    };

    use super::*;

    const API: &str = "/api/2.0/mlflow";

    /// A request the stub server received: `"METHOD path"` and its body.
    type Seen = (String, Vec<u8>);
    type Log<T> = Arc<Mutex<Vec<T>>>;

    fn body(seen: &Seen) -> Value {
        serde_json::from_slice(&seen.1).expect("a JSON body")
    }

    /// A stub HTTP server on 127.0.0.1 that answers `answer(request)`, or never if `None`.
    fn stub(answer: fn(&str) -> Option<(u16, &'static str)>) -> (String, Log<Seen>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap());
        let seen = Log::default();
        let log = seen.clone();
        thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                let reply = answer(&request.0);
                log.lock().unwrap().push(request);
                let Some((status, body)) = reply else {
                    held.push(stream);
                    continue;
                };
                let head = format!(
                    "HTTP/1.1 {status} Stub\r\nContent-Length: {}\r\n",
                    body.len()
                );
                let _ = write!(&stream, "{head}Connection: close\r\n\r\n{body}");
            }
        });
        (uri, seen)
    }

    fn read_request(stream: &TcpStream) -> Option<Seen> {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let request = format!("{} {}", words.first()?, words.get(1)?);
        let mut length = 0;
        // The headers, up to an empty line.
        loop {
            line.clear();
            if reader.read_line(&mut line).ok()? <= 2 {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().ok()?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        Some((request, body))
    }

    /// Answers like MLflow with an empty store that serves artifacts.
    fn mlflow_like(request: &str) -> Option<(u16, &'static str)> {
        Some(
            match request
                .strip_prefix("GET ")
                .unwrap_or(request)
                .split_once("mlflow/")
            {
                Some((_, rest)) if rest.starts_with("experiments/get-by-name") => (
                    404,
                    r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"No experiment"}"#,
                ),
                Some((_, "experiments/create")) => (200, r#"{"experiment_id":"7"}"#),
                Some((_, "runs/create")) => (
                    200,
                    r#"{"run":{"info":{"run_id":"r1","artifact_uri":"mlflow-artifacts:/7/r1/artifacts"}}}"#,
                ),
                _ => (200, "{}"),
            },
        )
    }

    const LIMITS: Limits = Limits {
        connect: Duration::from_secs(1),
        request: Duration::from_secs(1),
        attempts: 3,
        backoff: Duration::from_millis(20),
        finish: Duration::from_secs(2),
    };

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A Mirror of run `xor-1` in experiment `zoo`, and its warnings.
    fn mirror(uri: &str) -> (Mirror, Log<String>) {
        let warnings = Log::default();
        let sink = warnings.clone();
        let warn: Warn = Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string()));
        let (params, tags) = (pairs(&[("lr", "0.01")]), pairs(&[("zoo.model", "xor")]));
        (
            Mirror::start_with(uri, "zoo", "xor-1", params, tags, LIMITS, warn),
            warnings,
        )
    }

    /// The one warning in `warnings`.
    fn one(warnings: &Log<String>) -> String {
        let warnings = warnings.lock().unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].ends_with("; the run goes on and is kept locally only"));
        warnings[0].clone()
    }

    fn closed_port() -> String {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}")
    }

    #[test]
    fn a_mirror_makes_mlflows_requests() {
        let (uri, seen) = stub(mlflow_like);
        let (mirror, warnings) = mirror(&uri);
        for (value, step) in [(1.0, 1), (0.5, 2), (f64::NAN, 3)] {
            mirror.metric("loss", value, step);
        }
        mirror.flush();
        let deadline = Instant::now() + Duration::from_secs(5);
        while mirror.run_id().is_none() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(mirror.run_id().as_deref(), Some("r1"));
        let file = tempfile::NamedTempFile::new().unwrap();
        fs::write(file.path(), b"weights").unwrap();
        mirror.finish(
            Status::Finished,
            vec![("model.bin".into(), file.path().into())],
        );
        assert!(warnings.lock().unwrap().is_empty(), "{warnings:?}");

        let seen = seen.lock().unwrap().clone();
        let calls: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
        let n = calls.len();
        assert_eq!(
            calls[..3],
            [
                format!("GET {API}/experiments/get-by-name?experiment_name=zoo"),
                format!("POST {API}/experiments/create"),
                format!("POST {API}/runs/create"),
            ]
        );
        assert!(
            calls[3..n - 2]
                .iter()
                .all(|c| *c == format!("POST {API}/runs/log-batch"))
        );
        assert_eq!(
            calls[n - 2..],
            [
                "PUT /api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/model.bin".to_string(),
                format!("POST {API}/runs/update"),
            ]
        );
        assert_eq!(body(&seen[1]), json!({ "name": "zoo" }));
        let create = body(&seen[2]);
        let start = create["start_time"].as_i64().unwrap();
        assert!((now_ms() - 10_000..=now_ms()).contains(&start), "{create}");
        let tags = json!([{ "key": "zoo.model", "value": "xor" }]);
        let expected =
            json!({ "experiment_id": "7", "run_name": "xor-1", "start_time": start, "tags": tags });
        assert_eq!(create, expected);
        let batches: Vec<Value> = seen[3..n - 2].iter().map(body).collect();
        assert!(batches.iter().all(|b| b["run_id"] == "r1"));
        assert_eq!(
            batches[0]["params"],
            json!([{ "key": "lr", "value": "0.01" }])
        );
        let metrics: Vec<Value> = batches
            .iter()
            .flat_map(|b| b["metrics"].as_array().unwrap().clone())
            .collect();
        let steps: Vec<(f64, i64)> = metrics
            .iter()
            .map(|m| (m["value"].as_f64().unwrap(), m["step"].as_i64().unwrap()))
            .collect();
        assert_eq!(steps, [(1.0, 1), (0.5, 2)]);
        assert!(
            metrics
                .iter()
                .all(|m| m["key"] == "loss" && m["timestamp"].as_i64() >= Some(start))
        );
        assert_eq!(seen[n - 2].1, b"weights");
        let update = body(&seen[n - 1]);
        assert_eq!(
            (&update["run_id"], &update["status"]),
            (&json!("r1"), &json!("FINISHED"))
        );
        assert!(update["end_time"].as_i64() >= Some(start));
    }

    #[test]
    fn log_batch_splits_within_limits_cuts_long_params_and_skips_nan() {
        let (uri, seen) = stub(mlflow_like);
        let client = Client::with_limits(&uri, LIMITS).unwrap();
        let metric = |value, step| Metric {
            key: "loss".into(),
            value,
            step,
            timestamp_ms: 5,
        };
        let mut metrics: Vec<Metric> = (0..2500).map(|i| metric(i as f64, i)).collect();
        metrics.insert(10, metric(f64::NAN, 10));
        let mut params: Vec<(String, String)> =
            (0..250).map(|i| (format!("p{i}"), i.to_string())).collect();
        params[3].1 = "x".repeat(7000);
        client.log_batch("r1", &metrics, &params, &[]).unwrap();

        let bodies: Vec<Value> = seen.lock().unwrap().iter().map(body).collect();
        let count = |b: &Value, key: &str| b[key].as_array().unwrap().len();
        assert_eq!(bodies.len(), 3);
        for b in &bodies {
            assert!(count(b, "metrics") <= MAX_METRICS && count(b, "params") <= MAX_PARAMS);
            assert!(count(b, "metrics") + count(b, "params") + count(b, "tags") <= MAX_ENTITIES);
        }
        let sent: Vec<&Value> = bodies
            .iter()
            .flat_map(|b| b["metrics"].as_array().unwrap())
            .collect();
        assert_eq!(sent.len(), 2500);
        assert!(
            sent.iter()
                .enumerate()
                .all(|(i, m)| m["value"].as_f64() == Some(i as f64))
        );
        assert_eq!(
            bodies.iter().map(|b| count(b, "params")).sum::<usize>(),
            250
        );
        let long = bodies[0]["params"][3]["value"].as_str().unwrap();
        assert_eq!(long.chars().count(), MAX_PARAM_VALUE);
        assert!(long.starts_with("xxx") && long.ends_with('…'));
    }

    #[test]
    fn server_errors_are_retried_then_one_warning() {
        let (uri, seen) =
            stub(|_| Some((500, r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#)));
        let started = Instant::now();
        let (mirror, warnings) = mirror(&uri);
        mirror.metric("loss", 1.0, 1);
        mirror.finish(Status::Finished, Vec::new());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        thread::sleep(Duration::from_millis(300));
        let warning = one(&warnings);
        let expected = format!(
            "warning: MLflow at {uri}: GET {API}/experiments/get-by-name: HTTP 500 INTERNAL_ERROR: boom (after 3 attempts);"
        );
        assert!(warning.starts_with(&expected), "{warning}");
        let calls: Vec<String> = seen.lock().unwrap().iter().map(|s| s.0.clone()).collect();
        assert_eq!(
            calls,
            vec![format!("GET {API}/experiments/get-by-name?experiment_name=zoo"); 3]
        );
    }

    #[test]
    fn a_silent_server_costs_at_most_the_finish_limit() {
        let (uri, seen) = stub(|_| None);
        let started = Instant::now();
        let (mirror, warnings) = mirror(&uri);
        mirror.metric("loss", 1.0, 1);
        mirror.finish(Status::Finished, Vec::new());
        let took = started.elapsed();
        assert!(
            took >= LIMITS.finish && took < LIMITS.finish + Duration::from_secs(1),
            "{took:?}"
        );
        // The thread's own failure, later, adds no second warning.
        thread::sleep(LIMITS.request * 2);
        assert!(one(&warnings).contains("the run's end took more than 2 s"));
        assert_eq!(seen.lock().unwrap().len(), 3);
    }

    #[test]
    fn a_closed_port_is_one_warning() {
        let uri = closed_port();
        let started = Instant::now();
        let (mirror, warnings) = mirror(&uri);
        mirror.metric("loss", 1.0, 1);
        mirror.flush();
        thread::sleep(Duration::from_millis(300));
        assert_eq!(mirror.run_id(), None);
        mirror.metric("loss", 2.0, 2);
        mirror.finish(
            Status::Failed,
            vec![("model.bin".into(), "/nonexistent".into())],
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let warning = one(&warnings);
        assert!(warning.starts_with(&format!(
            "warning: MLflow at {uri}: GET {API}/experiments/get-by-name: "
        )));
        assert!(
            warning.contains("Connection Failed") && warning.contains("(after 3 attempts)"),
            "{warning}"
        );
    }

    #[test]
    fn only_http_uris_are_supported() {
        for uri in [
            "file:///tmp/mlruns",
            "databricks",
            "mlruns",
            "http://",
            "sqlite:///mlflow.db",
        ] {
            let err = Client::new(uri)
                .err()
                .unwrap_or_else(|| panic!("{uri} was accepted"));
            assert!(
                format!("{err:#}").contains(&format!("`{uri}` is not supported: only http://")),
                "{err:#}"
            );
        }
        assert_eq!(
            Client::new("http://127.0.0.1:5000/").unwrap().uri(),
            "http://127.0.0.1:5000"
        );
        assert!(Client::new("HTTPS://mlflow.example.com/prefix").is_ok());
        let (mirror, warnings) = mirror("databricks");
        mirror.metric("loss", 1.0, 1);
        mirror.finish(Status::Finished, Vec::new());
        assert!(
            one(&warnings)
                .starts_with("warning: MLflow tracking URI `databricks` is not supported")
        );
    }

    #[test]
    fn export_run_pushes_a_finished_run_and_returns_errors() {
        let (uri, seen) = stub(mlflow_like);
        let (params, metrics) = (
            pairs(&[("lr", "1")]),
            vec![("loss".to_string(), 0.25, 3, 1_700_000_000_000)],
        );
        let id = export_run(
            &uri,
            "zoo",
            "xor-1",
            1,
            2,
            Status::Killed,
            params,
            vec![],
            metrics,
            vec![],
        );
        assert_eq!(id.unwrap(), "r1");
        let seen = seen.lock().unwrap().clone();
        let metric =
            json!({ "key": "loss", "value": 0.25, "timestamp": 1_700_000_000_000_i64, "step": 3 });
        let params = json!([{ "key": "lr", "value": "1" }]);
        assert_eq!(
            body(&seen[3]),
            json!({ "run_id": "r1", "metrics": [metric], "params": params, "tags": [] })
        );
        assert_eq!(
            body(&seen[4]),
            json!({ "run_id": "r1", "status": "KILLED", "end_time": 2 })
        );
        assert_eq!(seen.len(), 5);
        let err = export_run(
            &closed_port(),
            "zoo",
            "r",
            1,
            2,
            Status::Finished,
            vec![],
            vec![],
            vec![],
            vec![],
        );
        assert!(format!("{:#}", err.unwrap_err()).contains("Connection Failed"));
    }
}
