//! The pages, scripts and styles of `zoo serve`, embedded in the binary (files in
//! `assets/`; uPlot vendored there with its licence).

use axum::{
    extract::Path as UrlPath,
    http::header,
    response::{IntoResponse, Response},
};

use super::error::ApiError;

/// Every asset: name, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("runs.html", HTML, include_bytes!("assets/runs.html")),
    ("run.html", HTML, include_bytes!("assets/run.html")),
    ("compare.html", HTML, include_bytes!("assets/compare.html")),
    ("play.html", HTML, include_bytes!("assets/play.html")),
    ("style.css", CSS, include_bytes!("assets/style.css")),
    ("common.js", JS, include_bytes!("assets/common.js")),
    ("runs.js", JS, include_bytes!("assets/runs.js")),
    ("run.js", JS, include_bytes!("assets/run.js")),
    ("compare.js", JS, include_bytes!("assets/compare.js")),
    ("play.js", JS, include_bytes!("assets/play.js")),
    (
        "uplot.iife.min.js",
        JS,
        include_bytes!("assets/uplot.iife.min.js"),
    ),
    ("uplot.min.css", CSS, include_bytes!("assets/uplot.min.css")),
    (
        "uplot.LICENSE",
        TEXT,
        include_bytes!("assets/uplot.LICENSE"),
    ),
];

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

fn respond(name: &str) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => ApiError::not_found(format!("no asset '{name}'")).into_response(),
    }
}

/// An HTML page by file name.
pub fn page(name: &str) -> Response {
    respond(name)
}

/// `GET /assets/{name}`.
pub async fn asset(UrlPath(name): UrlPath<String>) -> Response {
    respond(&name)
}
