//! The report as Markdown, with its images copied into `images/` beside it.

use std::path::Path;

use anyhow::{Context, Result};

use super::doc::Block;

/// Escapes the characters Markdown would read as formatting or table structure.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The Markdown text; copies each image to `<out>/images/<name>` (an image that
/// cannot be copied becomes a note in its place).
pub fn render(blocks: &[Block], out: &Path) -> Result<String> {
    let images = out.join("images");
    let mut text = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, t) => {
                let hashes = "#".repeat(usize::from((*level).clamp(1, 6)));
                text += &format!("{hashes} {}\n\n", escape(t));
            }
            Block::Text(t) => text += &format!("{}\n\n", escape(t)),
            Block::Table { header, rows } => {
                let line = |cells: &[String]| {
                    let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
                    format!("| {} |\n", cells.join(" | "))
                };
                text += &line(header);
                text += &format!("|{}\n", "---|".repeat(header.len()));
                for row in rows {
                    text += &line(row);
                }
                text.push('\n');
            }
            Block::Image { path, alt, name } => {
                std::fs::create_dir_all(&images)
                    .with_context(|| format!("cannot create '{}'", images.display()))?;
                let name = safe_name(name);
                match std::fs::copy(path, images.join(&name)) {
                    Ok(_) => text += &format!("![{}](images/{name})\n\n", escape(alt)),
                    Err(e) => {
                        text += &format!(
                            "(image {} could not be copied: {})\n\n",
                            escape(&path.display().to_string()),
                            escape(&e.to_string())
                        )
                    }
                }
            }
        }
    }
    Ok(text)
}

/// A file name of letters, digits, `.`, `-` and `_` only (others become `_`).
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
