//! `csv`: the Log Analytics portal's "Export to CSV - all columns" (FORMATS §6.1): UTF-8 BOM, datetime columns
//! renamed `<name> [UTC]` with US-style `M/D/YYYY, h:mm:ss.fff AM` values, empty fields for nulls, and fields quoted
//! whenever they contain anything but letters and digits (the observed export quotes GUIDs, `meraki_CL` and
//! `_ResourceId`, but not `RestAPI`), with `"` doubled. Lines end in CRLF.

use std::io::{self, Write};

use super::columns::{self, COLUMNS, Cell, ColumnType};
use super::{Context, Output, Sink};
use crate::generate::record::AuditEvent;
use crate::generate::time;

pub struct PortalCsv {
    out: Output,
    ctx: Context,
    line: String,
}

fn push_field(line: &mut String, value: &str) {
    if value.chars().all(|c| c.is_ascii_alphanumeric()) {
        line.push_str(value);
    } else {
        line.push('"');
        line.push_str(&value.replace('"', "\"\""));
        line.push('"');
    }
}

fn real_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 { format!("{}", f as i64) } else { format!("{f}") }
}

impl PortalCsv {
    pub fn new(mut out: Output, ctx: Context) -> io::Result<PortalCsv> {
        let mut line = String::from("\u{feff}");
        for (i, (name, ty)) in COLUMNS.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let header = if *ty == ColumnType::DateTime { format!("{name} [UTC]") } else { name.to_string() };
            push_field(&mut line, &header);
        }
        line.push_str("\r\n");
        out.write_all(line.as_bytes())?;
        Ok(PortalCsv { out, ctx, line: String::new() })
    }
}

impl Sink for PortalCsv {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        let row = columns::row(event, &self.ctx).map_err(io::Error::other)?;
        self.line.clear();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            match cell {
                None => {}
                Some(Cell::Text(s)) => push_field(&mut self.line, s),
                Some(Cell::DateTime(t)) => push_field(&mut self.line, &time::us_portal(*t)),
                Some(Cell::Real(f)) => push_field(&mut self.line, &real_text(*f)),
                Some(Cell::Long(n)) => push_field(&mut self.line, &n.to_string()),
                Some(Cell::Bool(b)) => push_field(&mut self.line, if *b { "true" } else { "false" }),
            }
        }
        self.line.push_str("\r\n");
        self.out.write_all(self.line.as_bytes())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.out.finish()
    }
}
