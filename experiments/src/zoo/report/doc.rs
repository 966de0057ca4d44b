//! The report as a list of blocks, rendered to HTML and to Markdown.

use std::path::PathBuf;

/// One piece of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1 to 3.
    Heading(u8, String),
    /// A paragraph of plain text.
    Text(String),
    /// A table of plain-text cells.
    Table {
        /// Column titles.
        header: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
    },
    /// A PNG file, embedded in HTML and copied next to the Markdown.
    Image {
        /// Where the PNG is.
        path: PathBuf,
        /// Caption and alternative text.
        alt: String,
        /// A file name unique within the report, for the Markdown copy.
        name: String,
    },
}
