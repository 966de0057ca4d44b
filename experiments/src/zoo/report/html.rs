//! The report as one self-contained HTML page: inline CSS, images as base64 data URIs.

use base64::{Engine, engine::general_purpose::STANDARD};

use super::doc::Block;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1640px;margin:2em auto;\
padding:0 1em;color:#222;line-height:1.45}h1{border-bottom:2px solid #ddd}\
h2{margin-top:2em;border-bottom:1px solid #eee}table{border-collapse:collapse;margin:.8em 0}\
th,td{border:1px solid #ccc;padding:.25em .7em;text-align:left;font-variant-numeric:tabular-nums}\
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}\
img{max-width:100%;border:1px solid #eee;margin:.5em 0}figcaption{color:#666;font-size:.9em}";

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page. An image that cannot be read becomes a note in its place.
pub fn render(blocks: &[Block]) -> String {
    let title = blocks
        .iter()
        .find_map(|b| match b {
            Block::Heading(1, t) => Some(t.as_str()),
            _ => None,
        })
        .unwrap_or("zoo report");
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let level = (*level).clamp(1, 6);
                out += &format!("<h{level}>{}</h{level}>\n", escape(text));
            }
            Block::Text(text) => out += &format!("<p>{}</p>\n", escape(text)),
            Block::Table { header, rows } => {
                out += "<table>\n<tr>";
                for h in header {
                    out += &format!("<th>{}</th>", escape(h));
                }
                out += "</tr>\n";
                for row in rows {
                    out += "<tr>";
                    for cell in row {
                        out += &format!("<td>{}</td>", escape(cell));
                    }
                    out += "</tr>\n";
                }
                out += "</table>\n";
            }
            Block::Image { path, alt, .. } => match std::fs::read(path) {
                Ok(bytes) => {
                    out += &format!(
                        "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\">\
                         <figcaption>{}</figcaption></figure>\n",
                        STANDARD.encode(bytes),
                        escape(alt),
                        escape(alt)
                    );
                }
                Err(e) => {
                    out += &format!(
                        "<p>(image '{}' could not be read: {})</p>\n",
                        escape(&path.display().to_string()),
                        escape(&e.to_string())
                    );
                }
            },
        }
    }
    out += "</body>\n</html>\n";
    out
}
