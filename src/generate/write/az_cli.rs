//! `az-cli`: what `az monitor log-analytics query -o json` prints (FORMATS §6.2). The CLI turns every Query API cell
//! into a Python `str()`: `"True"`/`"False"`, `"None"` for null, `"16"` for longs and `"200.0"` for reals (the Query
//! API sends reals as floating-point numbers, which Python parses to `float`). Each object starts with `TableName`
//! and carries every column of the table.

use std::io::{self, Write};

use super::columns::{self, COLUMNS, Cell};
use super::json::{Layout, Node, write_value};
use super::{Context, Output, Sink};
use crate::generate::record::AuditEvent;
use crate::generate::time;

pub struct AzCliRows {
    out: Output,
    ctx: Context,
    count: u64,
}

impl AzCliRows {
    pub fn new(out: Output, ctx: Context) -> AzCliRows {
        AzCliRows { out, ctx, count: 0 }
    }
}

/// Python's `repr(float)` for the values the generator produces (integral reals print with `.0`).
pub fn python_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 { format!("{f:.1}") } else { format!("{f}") }
}

fn python_str(cell: Option<&Cell>) -> String {
    match cell {
        None => "None".to_string(),
        Some(Cell::Text(s)) => s.clone(),
        Some(Cell::DateTime(t)) => time::iso7(*t),
        Some(Cell::Real(f)) => python_float(*f),
        Some(Cell::Long(i)) => i.to_string(),
        Some(Cell::Bool(true)) => "True".to_string(),
        Some(Cell::Bool(false)) => "False".to_string(),
    }
}

impl Sink for AzCliRows {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        let row = columns::row(event, &self.ctx).map_err(io::Error::other)?;
        let mut object = Node::obj().with("TableName", "PrimaryResult");
        for ((name, _), cell) in COLUMNS.iter().zip(&row) {
            object.push(*name, python_str(cell.as_ref()));
        }
        // The CLI pretty-prints with two-space indentation.
        self.out.array_item(self.count)?;
        let mut buffer = Vec::new();
        write_value(&mut buffer, &object, Layout::Pretty(2), false)?;
        self.out.write_all(b"  ")?;
        for (i, line) in buffer.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n  ")?;
            }
            self.out.write_all(line)?;
        }
        self.count += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.close_array(self.count)?;
        self.out.finish()
    }
}
