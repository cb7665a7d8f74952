//! The Log Analytics portal's "Export to CSV" (FORMATS.md §6.1): a header row whose datetime columns are
//! renamed `Name [UTC]`, US-style dates, RFC-4180 quoting, empty fields for nulls, dynamic columns as JSON text.

use super::event::{RecordRef, Sink};
use super::record::{Columns, parse_text_row};

pub fn parse<'a>(bytes: &'a [u8], start: usize, sink: &mut impl Sink<'a>) -> Columns {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(&bytes[start..]);
    let columns = match reader.byte_headers() {
        Ok(h) => Columns::new(
            h.iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect(),
        ),
        Err(e) => {
            sink.reject(
                RecordRef {
                    offset: start as u64,
                    len: 0,
                },
                format!("unreadable CSV header: {e}"),
            );
            return Columns::default();
        }
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let offset = start as u64 + reader.position().byte();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let end = start as u64 + reader.position().byte();
                let at = RecordRef {
                    offset,
                    len: (end - offset).min(u32::MAX as u64) as u32,
                };
                if record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
                    continue;
                }
                let texts: Vec<String> = record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                let values: Vec<&str> = texts.iter().map(String::as_str).collect();
                sink.verdict(at, parse_text_row(&values, &columns, at));
            }
            Err(e) => {
                let end = start as u64 + reader.position().byte();
                sink.reject(
                    RecordRef {
                        offset,
                        len: (end.saturating_sub(offset)).min(u32::MAX as u64) as u32,
                    },
                    format!("unreadable CSV row: {e}"),
                );
                if end <= offset {
                    break;
                }
            }
        }
    }
    columns
}
