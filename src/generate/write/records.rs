//! `records`: `{"records":[…]}` documents, as Event Hub messages and pre-2018 blobs carry them. Several documents
//! per file, alternating between one-line and pretty-printed layouts, because both occur (saved Event Hub payloads
//! are compact; the documentation example and hand-saved blobs are indented).

use std::io::{self, Write};

use super::json::{Layout, write_value};
use super::{Output, Sink, auditevent};
use crate::generate::record::AuditEvent;

/// Records per document.
pub const PER_DOCUMENT: usize = 500;

pub struct RecordsDocuments {
    out: Output,
    in_document: usize,
    documents: usize,
    buffer: Vec<u8>,
}

impl RecordsDocuments {
    pub fn new(out: Output) -> RecordsDocuments {
        RecordsDocuments { out, in_document: 0, documents: 0, buffer: Vec::new() }
    }

    fn pretty(&self) -> bool {
        self.documents % 2 == 1
    }

    fn close_document(&mut self) -> io::Result<()> {
        if self.in_document == 0 {
            return Ok(());
        }
        if self.pretty() {
            self.out.write_all(b"\n    ]\n}\n")?;
        } else {
            self.out.write_all(b"]}\n")?;
        }
        self.in_document = 0;
        self.documents += 1;
        Ok(())
    }
}

impl Sink for RecordsDocuments {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        let record = auditevent::record(event);
        let pretty = self.pretty();
        if self.in_document == 0 {
            self.out.write_all(if pretty { b"{\n    \"records\": [\n" } else { b"{\"records\":[" })?;
        } else {
            self.out.write_all(if pretty { b",\n" } else { b"," })?;
        }
        if pretty {
            // Indent the record two levels; JSON strings never contain a raw newline, so this is safe.
            self.buffer.clear();
            write_value(&mut self.buffer, &record, Layout::Pretty(4), event.escaped)?;
            self.out.write_all(b"        ")?;
            for (i, line) in self.buffer.split(|&b| b == b'\n').enumerate() {
                if i > 0 {
                    self.out.write_all(b"\n        ")?;
                }
                self.out.write_all(line)?;
            }
        } else {
            write_value(&mut self.out, &record, Layout::Compact, event.escaped)?;
        }
        self.in_document += 1;
        if self.in_document == PER_DOCUMENT {
            self.close_document()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.close_document()?;
        if self.documents == 0 {
            self.out.write_all(b"{\"records\":[]}\n")?;
        }
        self.out.finish()
    }
}
