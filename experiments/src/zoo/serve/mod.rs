//! `zoo serve`: the runs in a browser, live, and a playground for every saved model.
//!
//! An axum server on tokio. It reads the artifacts root and never writes to it; runs are
//! addressed by id, never by path; request bodies are bounded; every error is a status
//! with a one-line `{"error": ...}`. Pages are plain HTML and JavaScript embedded in
//! the binary (`serve/assets/`), charts drawn in the browser by uPlot from the JSON API.
//! docs/serve.md describes the pages and the API.

mod assets;
mod error;
mod play;
mod runs;

use std::{
    io::Write,
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::{Context, Result};
use axum::{
    Router,
    extract::{DefaultBodyLimit, Path as UrlPath, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use clap::Args;

pub use error::{ApiError, ApiResult};

/// Largest request body accepted (a 512×512 drawing as JSON numbers fits).
pub const MAX_BODY: usize = 2 << 20;

/// Options of `zoo serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one (the address is printed either way).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address (127.0.0.1, ::1) shows
    /// your runs and models to the network, without authentication: a warning says so.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The artifacts root served.
    pub root: Arc<PathBuf>,
    /// The playground's loaded models.
    models: Arc<play::Models>,
}

impl AppState {
    /// The state of a server over `root`.
    pub fn new(root: &Path) -> Self {
        Self {
            root: Arc::new(root.to_path_buf()),
            models: Arc::new(play::Models::default()),
        }
    }
}

/// The server's routes over `state`: the pages, their assets and the JSON API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { assets::page("Runs", "runs.js") }))
        .route(
            "/compare",
            get(|| async { assets::page("Compare", "compare.js") }),
        )
        .route("/runs/{id}", get(run_page))
        .route("/play/{id}", get(play_page))
        .route("/assets/{name}", get(assets::asset))
        .route("/api/runs", get(runs::list))
        .route("/api/runs/{id}", get(runs::detail))
        .route("/api/runs/{id}/curves", get(runs::curves))
        .route("/api/runs/{id}/files/{name}", get(runs::file))
        .route("/api/runs/{id}/play", get(play::describe))
        .route("/api/runs/{id}/predict", post(play::predict))
        .route("/api/compare", get(runs::compare))
        .fallback(|| async { ApiError::not_found("no such page") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(refuse_large_bodies))
        .with_state(state)
}

/// A 413 before reading a body whose declared length is over [`MAX_BODY`] (bodies
/// without a length are cut at it by [`DefaultBodyLimit`]).
async fn refuse_large_bodies(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    match declared {
        Some(n) if n > MAX_BODY as u64 => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is {n} bytes; at most {MAX_BODY} are accepted"),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}

/// `/runs/{id}`: the run page, for a run that exists.
async fn run_page(State(state): State<AppState>, UrlPath(id): UrlPath<String>) -> Response {
    let root = state.root.clone();
    match blocking(move || runs::lookup(&root, &id).map(|_| ())).await {
        Ok(()) => assets::page("Run", "run.js"),
        Err(e) => e.into_response(),
    }
}

/// `/play/{id}`: the playground page, for a run that exists.
async fn play_page(State(state): State<AppState>, UrlPath(id): UrlPath<String>) -> Response {
    let root = state.root.clone();
    match blocking(move || runs::lookup(&root, &id).map(|_| ())).await {
        Ok(()) => assets::page("Playground", "play.js"),
        Err(e) => e.into_response(),
    }
}

/// Runs `f` (file reads, inference) on tokio's blocking pool; a panic in it is a 500
/// and the server goes on.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("the request failed: {e}")))?
}

/// Serves `root` until SIGINT or SIGTERM.
pub fn execute(root: &Path, args: &ServeArgs) -> Result<()> {
    if !root.is_dir() {
        eprintln!(
            "note: the artifacts root '{}' does not exist yet; runs appear as they are made \
             (set --artifacts or ZOO_ARTIFACTS to serve another)",
            root.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(serve(root, args))
}

async fn serve(root: &Path, args: &ServeArgs) -> Result<()> {
    let address = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {address} (pass --port N for another port, 0 for any free one)"
            )
        })?;
    let bound = listener
        .local_addr()
        .context("cannot read the bound address")?;
    if !args.host.is_loopback() {
        eprintln!(
            "warning: listening on {bound}, not a loopback address: anyone who can reach this \
             machine can read the runs under '{}' and query their models (no authentication)",
            root.display()
        );
    }
    let shown = match bound {
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    };
    // Written, not printed: a closed stdout (a parent that read the address and went)
    // must not end the server.
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "serving the runs under '{}' at http://{shown}/ (read-only; Ctrl-C stops)",
        root.display()
    );
    let _ = out.flush();
    axum::serve(listener, router(AppState::new(root)))
        .with_graceful_shutdown(stop_signal())
        .await
        .context("the server failed")?;
    let _ = writeln!(std::io::stdout(), "zoo serve stopped");
    Ok(())
}

/// Resolves once SIGINT or SIGTERM came ([`crate::signals`] catches them).
async fn stop_signal() {
    while !crate::signals::stop_requested() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
