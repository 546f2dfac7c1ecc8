//! The few HTML pages the stand-ins show a browser (Entra's sign-in errors and device login,
//! the runner's consent result): a title and paragraphs, escaped.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub fn page(status: StatusCode, title: &str, paragraphs: &[impl AsRef<str>]) -> Response {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p.as_ref()).replace("\r\n", "<br>")))
        .collect();
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    (status, Html(html)).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
