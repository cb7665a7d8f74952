//! `diagnostics`: AzureDiagnostics rows as a JSON array of objects. A column appears in a row only when the source
//! record populated it, as in a workspace where a column exists only once some record has filled it.

use std::io::{self};

use super::columns::{self, COLUMNS};
use super::json::{Layout, Node, write_value};
use super::{Context, Output, Sink};
use crate::generate::record::AuditEvent;

pub struct DiagnosticsRows {
    out: Output,
    ctx: Context,
    count: u64,
}

impl DiagnosticsRows {
    pub fn new(out: Output, ctx: Context) -> DiagnosticsRows {
        DiagnosticsRows { out, ctx, count: 0 }
    }
}

impl Sink for DiagnosticsRows {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        let row = columns::row(event, &self.ctx).map_err(io::Error::other)?;
        let mut object = Node::obj();
        for ((name, _), cell) in COLUMNS.iter().zip(&row) {
            match cell {
                // JSON exports print integral reals without a fraction (`"httpStatusCode_d":200`).
                Some(columns::Cell::Real(f)) if f.fract() == 0.0 && f.abs() < 1e15 => {
                    object.push(*name, Node::Int(*f as i64))
                }
                Some(cell) => object.push(*name, columns::cell_node(cell)),
                None => {}
            }
        }
        self.out.array_item(self.count)?;
        write_value(&mut self.out, &object, Layout::Compact, false)?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.close_array(self.count)?;
        self.out.finish()
    }
}
