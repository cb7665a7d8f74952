//! `kvtrail export`: the normalized events of a selection as NDJSON, one JSON array, or CSV.

use std::io::{self, Write};

use crate::store::{EventRecord, Selection, Store};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Ndjson,
    Json,
    Csv,
}

const CSV_HEADER: [&str; 31] = [
    "time",
    "vault",
    "subscription",
    "resource_group",
    "operation",
    "object_type",
    "plane",
    "status",
    "outcome",
    "caller_ip",
    "identity",
    "identity_kind",
    "oid",
    "upn",
    "appid",
    "xms_mirid",
    "client_app",
    "token_ip",
    "user_agent",
    "request_uri",
    "object",
    "object_version",
    "correlation_id",
    "duration_ms",
    "tls_version",
    "rbac_authorized",
    "access_policy_match",
    "network_authorization",
    "access_changes",
    "source",
    "line",
];

fn csv_row(r: &EventRecord) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let b = |v: Option<bool>| v.map(|b| b.to_string()).unwrap_or_default();
    vec![
        r.time.clone(),
        o(&r.vault.name),
        o(&r.vault.subscription),
        o(&r.vault.resource_group),
        r.operation.clone(),
        r.object_type.to_string(),
        r.plane.to_string(),
        o(&r.status_text),
        r.outcome.to_string(),
        o(&r.caller_ip),
        r.identity.label.clone(),
        r.identity.kind.to_string(),
        o(&r.identity.oid),
        o(&r.identity.upn),
        o(&r.identity.appid),
        o(&r.identity.xms_mirid),
        o(&r.client_app),
        o(&r.token_ip),
        o(&r.user_agent),
        o(&r.request_uri),
        r.object.as_ref().map(|x| x.uri.clone()).unwrap_or_default(),
        r.object.as_ref().and_then(|x| x.version.clone()).unwrap_or_default(),
        o(&r.correlation_id),
        r.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
        o(&r.tls_version),
        b(r.rbac_authorized),
        b(r.access_policy_match),
        o(&r.network_authorization),
        r.access_changes
            .iter()
            .map(|c| format!("{} {} ({})", c.change, c.principal, c.permissions))
            .collect::<Vec<_>>()
            .join("; "),
        r.source.clone(),
        r.line.map(|l| l.to_string()).unwrap_or_default(),
    ]
}

pub fn write(store: &Store, selection: &Selection, format: ExportFormat, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<usize> = selection.iter().collect();
    // One pass per source gives every line number.
    let lines = store.lines_of(&rows)?;
    let records = rows.iter().zip(lines).map(|(&row, line)| store.record(row, Some(line)));
    match format {
        ExportFormat::Ndjson => {
            for record in records {
                serde_json::to_writer(&mut *out, &record)?;
                writeln!(out)?;
            }
        }
        ExportFormat::Json => {
            write!(out, "[")?;
            for (i, record) in records.enumerate() {
                write!(out, "{}\n  ", if i == 0 { "" } else { "," })?;
                serde_json::to_writer(&mut *out, &record)?;
            }
            writeln!(out, "{}]", if rows.is_empty() { "" } else { "\n" })?;
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(CSV_HEADER)?;
            for record in records {
                w.write_record(csv_row(&record))?;
            }
            w.flush()?;
        }
    }
    out.flush()
}
