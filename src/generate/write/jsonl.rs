//! `jsonl`: raw AuditEvent records, one JSON object per line — the post-November-2018 `PT1H.json` blob body.

use std::io::{self, Write};

use super::json::{Layout, write_value};
use super::{Output, Sink, auditevent};
use crate::generate::record::AuditEvent;

pub struct JsonLines {
    out: Output,
}

impl JsonLines {
    pub fn new(out: Output) -> JsonLines {
        JsonLines { out }
    }
}

impl Sink for JsonLines {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        write_value(&mut self.out, &auditevent::record(event), Layout::Compact, event.escaped)?;
        self.out.write_all(b"\n")
    }

    /// Activity Log events live in another container; this format carries the AuditEvent side only.
    fn finish(self: Box<Self>) -> io::Result<()> {
        self.out.finish()
    }
}
