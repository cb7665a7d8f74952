//! Server-side pivots: when a range holds more events than a jump box should load, the workspace counts them.
//! One `count` and four `summarize … by value | top N` queries per table answer what the pivot panes show for
//! a drill-down; the events themselves are fetched only once the drill-down holds few enough of them.

use futures_util::future::join_all;
use serde_json::Value;

use super::answer::Answer;
use super::client::{Client, QueryError};
use super::fetch::{Request, Tables};
use super::kql::{Rows, Table};
use super::slices;
use crate::store::remote::{REMOTE_DIMS, RemoteClause, RemoteCounts, RemoteFacet};

/// Values per pivot the workspace returns: the panes show the top of each list, sorted by count.
pub const TOP: usize = 500;

/// How many events of `request`'s range lie under `scope`, and the top values of the four pivots. With
/// `--table auto` both tables are asked at once and one the workspace lacks (a `SemanticError`) counts nothing:
/// no probing round trip before every drill-down step.
pub async fn summarize(client: &Client, request: &Request, scope: &[RemoteClause]) -> Result<RemoteCounts, QueryError> {
    let tables = match request.tables {
        Tables::Only(table) => vec![table],
        Tables::Auto => vec![Table::AzkvAuditLogs, Table::AzureDiagnostics],
    };
    let answers = join_all(tables.iter().map(|&table| summarize_table(client, request, table, scope))).await;
    let mut counts = RemoteCounts::default();
    for answer in answers {
        match answer {
            Ok(table) => counts.merge(table),
            Err(QueryError::Semantic(_)) if request.tables == Tables::Auto => {}
            Err(e) => return Err(e),
        }
    }
    Ok(counts)
}

async fn summarize_table(
    client: &Client,
    request: &Request,
    table: Table,
    scope: &[RemoteClause],
) -> Result<RemoteCounts, QueryError> {
    let rows = Rows::new(table, &request.vaults).scoped(scope);
    let count = rows.count();
    let facets: Vec<String> = REMOTE_DIMS.iter().filter_map(|&dim| rows.facet(dim, TOP)).collect();
    let mut queries = vec![count.clone()];
    queries.extend(facets.iter().cloned());
    // Five queries: the client's gate lets all of them run at once.
    let answers = join_all(queries.iter().map(|q| client.query(q, request.from, request.to))).await;
    let mut answers = answers.into_iter();
    let total = match answers.next() {
        Some(answer) => slices::number(&answer?.body).map_err(QueryError::Malformed)?,
        None => 0,
    };
    let mut out = RemoteCounts { total, queries, ..RemoteCounts::default() };
    for (slot, answer) in out.facets.iter_mut().zip(answers) {
        *slot = facet_rows(&answer?.body).map_err(QueryError::Malformed)?;
    }
    Ok(out)
}

/// `value, total, failed` rows of a facet answer.
fn facet_rows(body: &[u8]) -> Result<Vec<RemoteFacet>, String> {
    let answer = Answer::parse(body, "facet answer")?;
    let table = answer.tables.first().ok_or("facet answer without a table")?;
    let at = |name: &str| table.column(name).ok_or(format!("facet answer without `{name}`"));
    let (value, total, failed) = (at("value")?, at("total")?, at("failed")?);
    let number = |v: Option<&Value>| v.and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64))).unwrap_or(0);
    Ok(table
        .rows
        .iter()
        .map(|row| RemoteFacet {
            value: match row.get(value) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            },
            total: number(row.get(total)),
            failed: number(row.get(failed)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_answers_become_labelled_counts() {
        let body = br#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"value","type":"string"},{"name":"total","type":"long"},{"name":"failed","type":"long"}],"rows":[["kv-a",12,3],["",4,0]]}]}"#;
        let rows = facet_rows(body).unwrap();
        assert_eq!(rows[0], RemoteFacet { value: "kv-a".into(), total: 12, failed: 3 });
        assert_eq!(rows[1].value, "");
        assert!(facet_rows(br#"{"tables":[{"columns":[],"rows":[]}]}"#).is_err());
    }
}
