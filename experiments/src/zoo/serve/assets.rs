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

/// The one page shell; `{{title}}` and `{{script}}` name the page.
const SHELL: &str = include_str!("assets/page.html");

/// A page: the shell with its title and its script (which draws the page into
/// `#page`).
pub fn page(title: &str, script: &str) -> Response {
    let html = SHELL
        .replace("{{title}}", title)
        .replace("{{script}}", script);
    (
        [
            (header::CONTENT_TYPE, HTML),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

/// `GET /assets/{name}`.
pub async fn asset(UrlPath(name): UrlPath<String>) -> Response {
    respond(&name)
}
