//! `query-api`: a Log Analytics Query API response body (FORMATS §7.3) — one `PrimaryResult` table with the
//! AzureDiagnostics column list and positional rows, `null` where a row has no value.

use std::io::{self, Write};

use super::columns::{self, COLUMNS};
use super::json::{Layout, Node, write_value};
use super::{Context, Output, Sink};
use crate::generate::record::AuditEvent;

pub struct QueryApiResponse {
    out: Output,
    ctx: Context,
    count: u64,
}

impl QueryApiResponse {
    pub fn new(mut out: Output, ctx: Context) -> io::Result<QueryApiResponse> {
        let columns = Node::Arr(
            COLUMNS.iter().map(|(name, ty)| Node::obj().with("name", *name).with("type", ty.name())).collect(),
        );
        out.write_all(b"{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":")?;
        write_value(&mut out, &columns, Layout::Compact, false)?;
        out.write_all(b",\"rows\":[")?;
        Ok(QueryApiResponse { out, ctx, count: 0 })
    }
}

impl Sink for QueryApiResponse {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        let row = columns::row(event, &self.ctx).map_err(io::Error::other)?;
        let positional =
            Node::Arr(row.iter().map(|c| c.as_ref().map(columns::cell_node).unwrap_or(Node::Null)).collect());
        self.out.write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
        write_value(&mut self.out, &positional, Layout::Compact, false)?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.write_all(b"\n]}]}\n")?;
        self.out.finish()
    }
}
