//! The Log Analytics portal's "Export to CSV" (FORMATS.md §6.1): a header row whose datetime columns are
//! renamed `Name [UTC]`, US-style dates, RFC-4180 quoting, empty fields for nulls, dynamic columns as JSON text.

use super::event::{RecordRef, Sink};
use super::record::{Columns, parse_text_row};

/// The header row's columns.
pub fn header(bytes: &[u8]) -> Columns {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    match reader.byte_headers() {
        Ok(h) => Columns::new(h.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect()),
        Err(_) => Columns::default(),
    }
}

/// Parses the rows after the header at `start`.
pub fn parse<'a>(bytes: &'a [u8], start: usize, columns: &Columns, sink: &mut impl Sink<'a>) {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(&bytes[start..]);
    if let Err(e) = reader.byte_headers() {
        sink.reject(RecordRef { offset: start as u64, len: 0 }, format!("unreadable CSV header: {e}"));
        return;
    }
    let mut record = csv::ByteRecord::new();
    loop {
        let before = start as u64 + reader.position().byte();
        let outcome = reader.read_byte_record(&mut record);
        let end = start as u64 + reader.position().byte();
        // The record knows where it starts; the reader's position before it may still sit on the header.
        let mut offset = record.position().map_or(before, |p| start as u64 + p.byte());
        // With CRLF line ends the reported start can sit on the previous line's `\n`.
        while matches!(bytes.get(offset as usize), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        let at = RecordRef { offset, len: end.saturating_sub(offset).min(u32::MAX as u64) as u32 };
        match outcome {
            Ok(false) => break,
            Ok(true) => {
                if record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
                    continue;
                }
                let texts: Vec<String> = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
                let values: Vec<&str> = texts.iter().map(String::as_str).collect();
                sink.verdict(at, parse_text_row(&values, columns, at));
            }
            Err(e) => {
                sink.reject(at, format!("unreadable CSV row: {e}"));
                if end <= before {
                    break;
                }
            }
        }
    }
}
