//! A Log Analytics Query API emulator (FORMATS.md §7) on 127.0.0.1: `POST /v1/workspaces/{id}/query` with a
//! JSON body `{"query","timespan":"start/end"}` and a bearer token; answers `{"tables":[{"name":"PrimaryResult",
//! "columns":[{"name","type"}],"rows":[[…]]}]}`, a `PartialError` beside truncated rows, 400 `SemanticError`
//! for a table the workspace lacks, 401 without a token, and whatever faults a test injects.
//!
//! It understands the query shapes kvtrail sends (`source::loganalytics::kql`): the table on the first line,
//! a vault filter `in~ (…)`, then `| take 1 | count`, `| count`, `| summarize count() by bin(TimeGenerated,
//! Ns)` or `| project …` — enough to answer exactly what a real workspace would for those queries.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

#[path = "../common/http.rs"]
pub mod http;

use http::{Request, Response, Server};

pub const TOKEN: &str = "la-token-d0-not-print";
pub const WORKSPACE: &str = "11111111-2222-3333-4444-555555555555";

/// One row of a table: its time, its vault, and its columns.
#[derive(Clone, Debug)]
pub struct Row {
    pub time: Timestamp,
    pub vault: String,
    pub columns: BTreeMap<String, Value>,
}

/// A fault for requests whose timespan starts at or after `from` and before `to` and whose query matches
/// `query_has`; `times` counts down (`usize::MAX`: always).
#[derive(Clone, Debug)]
pub struct Fault {
    pub query_has: String,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub times: usize,
    pub response: FaultResponse,
}

#[derive(Clone, Debug)]
pub enum FaultResponse {
    Status(u16, Option<u64>),
    HangUp,
    /// Answer with this many fewer rows and no `PartialError` (a silent truncation).
    DropRows(usize),
}

#[derive(Default)]
pub struct Workspace {
    /// Table name → rows.
    pub tables: BTreeMap<String, Vec<Row>>,
    /// Rows per answer before the answer is cut with a `PartialError` (the service's 500,000).
    pub row_limit: usize,
    pub faults: Vec<Fault>,
    /// Milliseconds each answer takes (to see concurrency).
    pub delay_ms: u64,
}

pub struct Emulator {
    pub server: Server,
    pub workspace: Arc<Mutex<Workspace>>,
    pub max_in_flight: Arc<AtomicUsize>,
}

impl Emulator {
    pub fn start(workspace: Workspace) -> Emulator {
        let workspace = Arc::new(Mutex::new(workspace));
        let (in_flight, max_in_flight) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (w, now, max) = (Arc::clone(&workspace), Arc::clone(&in_flight), Arc::clone(&max_in_flight));
        let server = http::serve(move |req| {
            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
            max.fetch_max(n, Ordering::SeqCst);
            let delay = w.lock().map(|w| w.delay_ms).unwrap_or(0);
            std::thread::sleep(Duration::from_millis(delay));
            let response = answer(&w, req);
            now.fetch_sub(1, Ordering::SeqCst);
            response
        });
        Emulator { server, workspace, max_in_flight }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The queries received (KQL text), in order.
    pub fn queries(&self) -> Vec<String> {
        self.server.requests().iter().map(|r| r.json()["query"].as_str().unwrap_or("").to_string()).collect()
    }
}

fn error(status: u16, code: &str, message: &str, inner: Option<(&str, &str)>) -> Response {
    let mut e = json!({"error": {"code": code, "message": message}});
    if let Some((c, m)) = inner {
        e["error"]["innererror"] = json!({"code": c, "message": m});
    }
    Response::json(status, &e)
}

fn answer(workspace: &Mutex<Workspace>, req: &Request) -> Response {
    if req.method != "POST" || req.path() != format!("/v1/workspaces/{WORKSPACE}/query") {
        return error(404, "PathNotFoundError", "The requested path does not exist", None);
    }
    if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return error(401, "AuthenticationFailed", "The 'Authorization' header is missing.", None);
    }
    if !req.header("content-type").is_some_and(|c| c.starts_with("application/json")) {
        return Response::empty(200);
    }
    let body = req.json();
    let (Some(query), Some(timespan)) = (body["query"].as_str(), body["timespan"].as_str()) else {
        return error(400, "BadArgumentError", "query and timespan are required here", None);
    };
    let Some((from, to)) = timespan.split_once('/').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))) else {
        return error(400, "BadArgumentError", "timespan must be start/end", None);
    };
    let mut w = match workspace.lock() {
        Ok(w) => w,
        Err(_) => return Response::empty(500),
    };
    let mut drop_rows = 0;
    for fault in w.faults.iter_mut() {
        let hit = query.contains(&fault.query_has)
            && fault.times > 0
            && fault.from.is_none_or(|f| from >= f)
            && fault.to.is_none_or(|t| from < t);
        if hit {
            fault.times = fault.times.saturating_sub(1);
            match &fault.response {
                FaultResponse::Status(s, retry_after) => {
                    let r = error(*s, "ServiceError", "injected", None);
                    return match retry_after {
                        Some(secs) => r.with_header("Retry-After", &secs.to_string()),
                        None => r,
                    };
                }
                FaultResponse::HangUp => return Response::hang_up(),
                FaultResponse::DropRows(n) => drop_rows = *n,
            }
        }
    }
    let table = query.lines().next().unwrap_or("").trim();
    let Some(rows) = w.tables.get(table) else {
        return error(
            400,
            "BadArgumentError",
            "The request had some invalid properties",
            Some(("SemanticError", &format!("'{table}' could not be resolved to a table, function or column"))),
        );
    };
    let vaults: Option<Vec<String>> = query.split_once("in~ (").map(|(_, rest)| {
        let list = rest.split(')').next().unwrap_or("");
        list.split(", ").map(|v| v.trim_matches('"').to_ascii_lowercase()).collect()
    });
    let selected: Vec<&Row> = rows
        .iter()
        .filter(|r| r.time >= from && r.time < to)
        .filter(|r| vaults.as_ref().is_none_or(|v| v.contains(&r.vault.to_ascii_lowercase())))
        .collect();
    if query.ends_with("| take 1\n| count") {
        return table_answer(&[("Count", "long")], vec![vec![json!(selected.len().min(1))]], None);
    }
    if query.ends_with("\n| count") {
        return table_answer(&[("Count", "long")], vec![vec![json!(selected.len())]], None);
    }
    if let Some(rest) = query.split("bin(TimeGenerated, ").nth(1) {
        let secs: i64 = rest.trim_end_matches(")").trim_end_matches('s').parse().unwrap_or(3600);
        let mut bins: BTreeMap<i64, u64> = BTreeMap::new();
        for r in &selected {
            let t = r.time.as_second();
            *bins.entry(t - t.rem_euclid(secs)).or_default() += 1;
        }
        let out = bins
            .into_iter()
            .map(|(start, n)| {
                vec![json!(Timestamp::from_second(start).map(|t| t.to_string()).unwrap_or_default()), json!(n)]
            })
            .collect();
        return table_answer(&[("TimeGenerated", "datetime"), ("count_", "long")], out, None);
    }
    // A fetch: every column the rows carry (or the projected ones), truncated at the row limit.
    let mut names: Vec<String> = vec!["TimeGenerated".into()];
    for r in &selected {
        for k in r.columns.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let limit = if w.row_limit == 0 { usize::MAX } else { w.row_limit };
    let keep = selected.len().min(limit).saturating_sub(drop_rows);
    let out: Vec<Vec<Value>> = selected[..keep]
        .iter()
        .map(|r| {
            names
                .iter()
                .map(|n| {
                    if n == "TimeGenerated" {
                        json!(r.time.to_string())
                    } else {
                        r.columns.get(n).cloned().unwrap_or(json!(""))
                    }
                })
                .collect()
        })
        .collect();
    let partial = (selected.len() > limit).then(|| {
        json!({"code": "PartialError", "message": "There were some errors when processing your query.",
            "details": [{"code": "EngineError", "message": "Something went wrong processing your query on the server.",
                "innererror": {"code": "-2133196797", "message": format!("Query result set has exceeded the internal record count limit {limit}."), "severity": 2, "severityName": "Error"}}]})
    });
    let columns: Vec<(&str, &str)> =
        names.iter().map(|n| (n.as_str(), if n == "TimeGenerated" { "datetime" } else { "string" })).collect();
    table_answer(&columns, out, partial)
}

fn table_answer(columns: &[(&str, &str)], rows: Vec<Vec<Value>>, partial: Option<Value>) -> Response {
    let columns: Vec<Value> = columns.iter().map(|(n, t)| json!({"name": n, "type": t})).collect();
    let mut body = json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]});
    if let Some(p) = partial {
        body["error"] = p;
    }
    Response::json(200, &body)
}

/// `n` AzureDiagnostics Key Vault rows, one every `step` seconds from `start`, spread over `vaults`.
pub fn diagnostics(start: &str, n: usize, step: i64, vaults: &[&str]) -> Vec<Row> {
    let t0: Timestamp = start.parse().expect("start time");
    (0..n)
        .map(|i| {
            let vault = vaults[i % vaults.len()];
            let time = t0 + jiff::SignedDuration::from_secs(step * i as i64);
            let mut c = BTreeMap::new();
            c.insert("Type".into(), json!("AzureDiagnostics"));
            c.insert(
                "ResourceId".into(),
                json!(format!(
                    "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{}",
                    vault.to_uppercase()
                )),
            );
            c.insert("Resource".into(), json!(vault.to_uppercase()));
            c.insert("ResourceProvider".into(), json!("MICROSOFT.KEYVAULT"));
            c.insert("Category".into(), json!("AuditEvent"));
            c.insert("OperationName".into(), json!("SecretGet"));
            c.insert("ResultSignature".into(), json!("OK"));
            c.insert("CallerIPAddress".into(), json!(format!("203.0.113.{}", i % 200)));
            c.insert("CorrelationId".into(), json!(format!("00000000-0000-0000-0000-{:012}", i)));
            c.insert("httpStatusCode_d".into(), json!(200));
            c.insert("id_s".into(), json!(format!("https://{vault}.vault.azure.net/secrets/s{}", i % 7)));
            c.insert("identity_claim_upn_s".into(), json!("alice@contoso.com"));
            Row { time, vault: vault.to_string(), columns: c }
        })
        .collect()
}
