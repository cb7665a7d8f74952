//! Headless outputs from the same store the workbench uses: `stats` (what was loaded and who called) and
//! `export` (the normalized events). Text meant for a terminal is sanitized; JSON is escaped by serde.

pub mod export;
pub mod stats;
