//! Headless outputs from the same store the workbench uses: `stats` (what was loaded and who called),
//! `export` (the normalized events) and `report` (the findings). Text meant for a terminal is sanitized; JSON is escaped by serde.

pub mod export;
pub mod findings;
pub mod stats;
