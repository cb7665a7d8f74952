//! A Query API answer's shape (FORMATS.md §7.3): tables of named columns and rows of values. Everything that
//! looks inside an answer — counts, bins, server-side pivots, `--save` — reads it through this one type.

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub tables: Vec<Table>,
}

#[derive(Deserialize)]
pub struct Table {
    #[serde(default)]
    pub columns: Vec<Column>,
    #[serde(default)]
    pub rows: Vec<Vec<Value>>,
}

#[derive(Deserialize)]
pub struct Column {
    #[serde(default)]
    pub name: String,
}

impl Answer {
    /// `what` names the answer in the error (`count answer: …`).
    pub fn parse(body: &[u8], what: &str) -> Result<Answer, String> {
        serde_json::from_slice(body).map_err(|e| format!("{what}: {e}"))
    }

    /// Every row of every table.
    pub fn rows(&self) -> impl Iterator<Item = &Vec<Value>> {
        self.tables.iter().flat_map(|t| &t.rows)
    }
}

impl Table {
    /// Where the column called `name` is in each row.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}
