//! `array`: one JSON array of raw records (what SIEM exports and ad-hoc scripts save). Streamed: the brackets and
//! commas are written by hand so the whole dataset never sits in memory.

use std::io::{self};

use super::json::{Layout, write_value};
use super::{Output, Sink, auditevent};
use crate::generate::record::AuditEvent;

pub struct JsonArray {
    out: Output,
    count: u64,
}

impl JsonArray {
    pub fn new(out: Output) -> JsonArray {
        JsonArray { out, count: 0 }
    }
}

impl Sink for JsonArray {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        self.out.array_item(self.count)?;
        write_value(&mut self.out, &auditevent::record(event), Layout::Compact, event.escaped)?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.close_array(self.count)?;
        self.out.finish()
    }
}
