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

/// A credential handing out a fixed token: the emulator accepts only [`TOKEN`]; any other is a 401.
#[derive(Debug)]
pub struct Static(pub &'static str);

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for Static {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        let expires = azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1);
        Ok(azure_core::credentials::AccessToken::new(self.0.to_string(), expires))
    }
}

/// A fake `az` in `dir` that answers `account get-access-token` with [`TOKEN`] (the shape the Azure CLI
/// credential reads: `accessToken`, integer `expires_on`, `tokenType`); returns a PATH with `dir` first.
pub fn fake_az(dir: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let script = format!(
        "#!/bin/sh\necho '{{\"accessToken\":\"{TOKEN}\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":4070908800,\"subscription\":\"s\",\"tenant\":\"t\",\"tokenType\":\"Bearer\"}}'\n"
    );
    let path = dir.join("az");
    std::fs::write(&path, script).expect("write az");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

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

/// A table too large to hold as [`Row`]s (a million rows and more): row `i` is made on demand from its index —
/// time `start + i·step_ms`, vault `vaults[i % vaults.len()]`, the columns [`diagnostics`] gives its row `i`
/// (a unique `CorrelationId`). Rows are in time order, so a timespan is an index range found by binary search.
#[derive(Clone, Debug)]
pub struct Generated {
    pub start: Timestamp,
    pub n: usize,
    pub step_ms: i64,
    pub vaults: Vec<String>,
}

#[derive(Default)]
pub struct Workspace {
    /// Table name → rows.
    pub tables: BTreeMap<String, Vec<Row>>,
    /// Table name → generated rows (a name here is looked up before `tables`).
    pub generated: BTreeMap<String, Generated>,
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
    let vaults: Option<Vec<String>> = query.split_once("in~ (").map(|(_, rest)| {
        let list = rest.split(')').next().unwrap_or("");
        list.split(", ").map(|v| v.trim_matches('"').to_ascii_lowercase()).collect()
    });
    let limit = if w.row_limit == 0 { usize::MAX } else { w.row_limit };
    let shape = Shape::of(query);
    if let Some(generated) = w.generated.get(table).cloned() {
        // Built without holding the workspace: large answers are made side by side, as a service would.
        drop(w);
        return generated.answer(shape, from, to, vaults.as_deref(), limit, drop_rows);
    }
    let Some(rows) = w.tables.get(table) else {
        return error(
            400,
            "BadArgumentError",
            "The request had some invalid properties",
            Some(("SemanticError", &format!("'{table}' could not be resolved to a table, function or column"))),
        );
    };
    let filters = Filter::all(query);
    let selected: Vec<&Row> =
        rows.iter().filter(|r| r.time >= from && r.time < to).filter(|r| filters.iter().all(|f| f.keeps(r))).collect();
    if let Some(dim) = facet_of(query) {
        return facet_answer(&selected, dim);
    }
    match shape {
        Shape::Probe => return count_answer(selected.len().min(1)),
        Shape::Count => return count_answer(selected.len()),
        Shape::Bins(secs) => {
            let mut bins: BTreeMap<i64, u64> = BTreeMap::new();
            for r in &selected {
                let t = r.time.as_second();
                *bins.entry(t - t.rem_euclid(secs)).or_default() += 1;
            }
            return bins_answer(bins);
        }
        Shape::Fetch => {}
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
    let partial = (selected.len() > limit).then(|| partial_error(limit));
    let columns: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), column_type(n))).collect();
    table_answer(&columns, out, partial)
}

/// A pivot dimension of a [`Row`], as the KQL of server-side pivots names it (`kql::dimension`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dim {
    Vault,
    Ip,
    Identity,
    Operation,
}

impl Dim {
    fn of(expr: &str) -> Option<Dim> {
        let expr = expr.trim();
        match expr {
            "Resource" | "tolower(Resource)" => Some(Dim::Vault),
            "CallerIPAddress" => Some(Dim::Ip),
            "OperationName" => Some(Dim::Operation),
            _ if expr.starts_with("coalesce(") => Some(Dim::Identity),
            _ => None,
        }
    }

    fn value(self, r: &Row) -> String {
        let column = |n: &str| r.columns.get(n).and_then(Value::as_str).unwrap_or("").to_string();
        match self {
            Dim::Vault => r.vault.to_ascii_lowercase(),
            Dim::Ip => column("CallerIPAddress"),
            Dim::Operation => column("OperationName"),
            Dim::Identity => ["identity_claim_upn_s", "identity_claim_oid_g", "identity_claim_appid_g"]
                .iter()
                .map(|n| column(n))
                .find(|v| !v.is_empty())
                .unwrap_or_default(),
        }
    }
}

/// A `| where EXPR in~ ("a", "b")` or `| where EXPR !~ "a"` line on a pivot dimension (vault names from
/// `--vault`, or a server-side drill-down).
struct Filter {
    dim: Dim,
    values: Vec<String>,
    exclude: bool,
}

impl Filter {
    fn all(query: &str) -> Vec<Filter> {
        let literals = |list: &str| -> Vec<String> {
            list.split(", ").map(|v| v.trim().trim_matches('"').to_ascii_lowercase()).collect()
        };
        query
            .lines()
            .filter_map(|line| line.strip_prefix("| where "))
            .filter_map(|clause| {
                if let Some((expr, rest)) = clause.split_once(" in~ (") {
                    let values = literals(rest.strip_suffix(')').unwrap_or(rest));
                    Some(Filter { dim: Dim::of(expr)?, values, exclude: false })
                } else {
                    let (expr, value) = clause.split_once(" !~ ")?;
                    Some(Filter { dim: Dim::of(expr)?, values: literals(value), exclude: true })
                }
            })
            .collect()
    }

    fn keeps(&self, r: &Row) -> bool {
        self.values.contains(&self.dim.value(r).to_ascii_lowercase()) != self.exclude
    }
}

/// `| summarize total = count(), failed = countif(…) by value = EXPR | top N by total`: a server-side pivot.
fn facet_of(query: &str) -> Option<(Dim, usize)> {
    let rest = query.split("| summarize total = count(), failed = countif(").nth(1)?;
    let (_, by) = rest.split_once(" by value = ")?;
    let (expr, top) = by.split_once("\n| top ")?;
    let n = top.split(' ').next()?.parse().ok()?;
    Some((Dim::of(expr)?, n))
}

fn facet_answer(rows: &[&Row], (dim, top): (Dim, usize)) -> Response {
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in rows {
        let failed = r.columns.get("httpStatusCode_d").and_then(Value::as_u64).is_some_and(|s| s >= 400);
        let c = counts.entry(dim.value(r)).or_default();
        c.0 += 1;
        c.1 += failed as u64;
    }
    let mut out: Vec<(String, (u64, u64))> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    out.truncate(top);
    let rows = out.into_iter().map(|(v, (t, f))| vec![json!(v), json!(t), json!(f)]).collect();
    table_answer(&[("value", "string"), ("total", "long"), ("failed", "long")], rows, None)
}

/// What a query asks for, by the shapes kvtrail sends (`source::loganalytics::kql`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `| take 1 | count`: 1 if any row matches.
    Probe,
    /// `| count`
    Count,
    /// `| summarize count() by bin(TimeGenerated, Ns)`
    Bins(i64),
    /// Anything else: the rows.
    Fetch,
}

impl Shape {
    fn of(query: &str) -> Shape {
        if query.ends_with("| take 1\n| count") {
            Shape::Probe
        } else if query.ends_with("\n| count") {
            Shape::Count
        } else if let Some(rest) = query.split("bin(TimeGenerated, ").nth(1) {
            Shape::Bins(rest.trim_end_matches(")").trim_end_matches('s').parse::<i64>().unwrap_or(3600).max(1))
        } else {
            Shape::Fetch
        }
    }
}

fn column_type(name: &str) -> &'static str {
    if name == "TimeGenerated" { "datetime" } else { "string" }
}

fn count_answer(n: usize) -> Response {
    table_answer(&[("Count", "long")], vec![vec![json!(n)]], None)
}

fn bins_answer(bins: BTreeMap<i64, u64>) -> Response {
    let out = bins
        .into_iter()
        .map(|(start, n)| {
            vec![json!(Timestamp::from_second(start).map(|t| t.to_string()).unwrap_or_default()), json!(n)]
        })
        .collect();
    table_answer(&[("TimeGenerated", "datetime"), ("count_", "long")], out, None)
}

/// The service's `PartialError` beside rows cut at `limit`.
fn partial_error(limit: usize) -> Value {
    json!({"code": "PartialError", "message": "There were some errors when processing your query.",
        "details": [{"code": "EngineError", "message": "Something went wrong processing your query on the server.",
            "innererror": {"code": "-2133196797", "message": format!("Query result set has exceeded the internal record count limit {limit}."), "severity": 2, "severityName": "Error"}}]})
}

fn table_answer(columns: &[(&str, &str)], rows: Vec<Vec<Value>>, partial: Option<Value>) -> Response {
    let columns: Vec<Value> = columns.iter().map(|(n, t)| json!({"name": n, "type": t})).collect();
    let mut body = json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]});
    if let Some(p) = partial {
        body["error"] = p;
    }
    Response::json(200, &body)
}

/// The columns of a [`diagnostics`] row besides `TimeGenerated`, in the order an answer lists them (a
/// `BTreeMap`'s: the order the emulator gives [`Row`] columns).
const DIAGNOSTICS_COLUMNS: [&str; 12] = [
    "CallerIPAddress",
    "Category",
    "CorrelationId",
    "OperationName",
    "Resource",
    "ResourceId",
    "ResourceProvider",
    "ResultSignature",
    "Type",
    "httpStatusCode_d",
    "id_s",
    "identity_claim_upn_s",
];

/// The columns of AzureDiagnostics row `i` in `vault`.
fn diagnostics_columns(i: usize, vault: &str) -> BTreeMap<String, Value> {
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
    c
}

/// `n` AzureDiagnostics Key Vault rows, one every `step` seconds from `start`, spread over `vaults`.
pub fn diagnostics(start: &str, n: usize, step: i64, vaults: &[&str]) -> Vec<Row> {
    let t0: Timestamp = start.parse().expect("start time");
    (0..n)
        .map(|i| {
            let vault = vaults[i % vaults.len()];
            let time = t0 + jiff::SignedDuration::from_secs(step * i as i64);
            Row { time, vault: vault.to_string(), columns: diagnostics_columns(i, vault) }
        })
        .collect()
}

impl Workspace {
    /// A workspace whose `table` is `generated`, answers cut at the service's 500,000 rows.
    pub fn generated(table: &str, generated: Generated) -> Workspace {
        let mut w = Workspace { row_limit: 500_000, ..Workspace::default() };
        w.generated.insert(table.into(), generated);
        w
    }
}

impl Generated {
    /// `n` rows, one every `step_ms` milliseconds from `start` (RFC 3339), spread over `vaults` in turn.
    pub fn new(start: &str, n: usize, step_ms: i64, vaults: &[&str]) -> Generated {
        assert!(!vaults.is_empty() && step_ms >= 0, "generated rows need a vault and a forward step");
        Generated {
            start: start.parse().expect("start time"),
            n,
            step_ms,
            vaults: vaults.iter().map(|v| v.to_string()).collect(),
        }
    }

    pub fn time(&self, i: usize) -> Timestamp {
        self.start + jiff::SignedDuration::from_millis(self.step_ms * i as i64)
    }

    /// Row `i` as [`diagnostics`] makes it (what the answers carry).
    pub fn row(&self, i: usize) -> Row {
        let vault = &self.vaults[i % self.vaults.len()];
        Row { time: self.time(i), vault: vault.clone(), columns: diagnostics_columns(i, vault) }
    }

    /// The rows of `[from, to)`: an index range, by binary search (rows are in time order).
    pub fn range(&self, from: Timestamp, to: Timestamp) -> std::ops::Range<usize> {
        let first_at_or_after = |t: Timestamp| {
            let (mut lo, mut hi) = (0, self.n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if self.time(mid) < t { lo = mid + 1 } else { hi = mid }
            }
            lo
        };
        let start = first_at_or_after(from);
        start..first_at_or_after(to).max(start)
    }

    /// Vault indices named by a query's `in~ (…)` list (`None`: every vault).
    fn vault_indices(&self, names: Option<&[String]>) -> Option<Vec<usize>> {
        names.map(|names| {
            (0..self.vaults.len()).filter(|&k| names.contains(&self.vaults[k].to_ascii_lowercase())).collect()
        })
    }

    /// Rows of `range` in the vaults `keep` (`None`: all).
    fn count(&self, range: std::ops::Range<usize>, keep: Option<&[usize]>) -> usize {
        let Some(keep) = keep else { return range.len() };
        let m = self.vaults.len();
        // Indices below `x` in vault `k` (those ≡ k mod m).
        let below = |x: usize, k: usize| x / m + usize::from(x % m > k);
        keep.iter().map(|&k| below(range.end, k) - below(range.start, k)).sum()
    }

    fn answer(
        &self,
        shape: Shape,
        from: Timestamp,
        to: Timestamp,
        vaults: Option<&[String]>,
        limit: usize,
        drop_rows: usize,
    ) -> Response {
        let keep = self.vault_indices(vaults);
        let keep = keep.as_deref();
        let range = self.range(from, to);
        let selected = self.count(range.clone(), keep);
        match shape {
            Shape::Probe => count_answer(selected.min(1)),
            Shape::Count => count_answer(selected),
            Shape::Bins(secs) => {
                let mut bins = BTreeMap::new();
                let mut i = range.start;
                while i < range.end {
                    let t = self.time(i).as_second();
                    let start = t - t.rem_euclid(secs);
                    let end = Timestamp::from_second(start + secs).map_or(range.end, |e| self.range(e, e).start);
                    let j = end.clamp(i + 1, range.end);
                    let n = self.count(i..j, keep) as u64;
                    if n > 0 {
                        bins.insert(start, n);
                    }
                    i = j;
                }
                bins_answer(bins)
            }
            Shape::Fetch => {
                let rows = range.filter(|i| keep.is_none_or(|k| k.contains(&(i % self.vaults.len()))));
                let kept = selected.min(limit).saturating_sub(drop_rows);
                let body = self.rows_json(rows.take(kept), kept, selected > 0, selected > limit, limit);
                Response {
                    status: 200,
                    headers: vec![("Content-Type".into(), "application/json; charset=utf-8".into())],
                    body,
                    hang_up: false,
                }
            }
        }
    }

    /// A fetch's answer for `rows` (`count` of them), written straight into the body: the same JSON as
    /// [`table_answer`] gives the same rows (the column order of [`Row`] answers; only `TimeGenerated` when
    /// nothing matched), without a `Value` per cell.
    fn rows_json(
        &self,
        rows: impl Iterator<Item = usize>,
        count: usize,
        any: bool,
        partial: bool,
        limit: usize,
    ) -> Vec<u8> {
        use std::io::Write;
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let unterminated = |s: String| {
            let mut q = quoted(&s);
            q.pop();
            q
        };
        // Per vault: `"KV-A"`, the ResourceId and the start of id_s, JSON-escaped once.
        let per_vault: Vec<(String, String, String)> = self
            .vaults
            .iter()
            .map(|v| {
                let upper = v.to_uppercase();
                (
                    quoted(&upper),
                    quoted(&format!("/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{upper}")),
                    unterminated(format!("https://{v}.vault.azure.net/secrets/s")),
                )
            })
            .collect();
        let mut out: Vec<u8> = Vec::with_capacity(1024 + count * 400);
        out.extend_from_slice(br#"{"tables":[{"name":"PrimaryResult","columns":["#);
        let columns = if any { &DIAGNOSTICS_COLUMNS[..] } else { &[] };
        for (k, name) in std::iter::once("TimeGenerated").chain(columns.iter().copied()).enumerate() {
            let sep = if k == 0 { "" } else { "," };
            let _ = write!(out, r#"{sep}{{"name":{},"type":"{}"}}"#, quoted(name), column_type(name));
        }
        out.extend_from_slice(br#"],"rows":["#);
        // The time's whole seconds change every few rows: formatted once per second.
        let mut second: Option<(i64, String)> = None;
        for (n, i) in rows.enumerate() {
            let (resource, resource_id, id_prefix) = &per_vault[i % self.vaults.len()];
            let time = self.time(i);
            let s = time.as_second();
            if second.as_ref().is_none_or(|(at, _)| *at != s) {
                let whole = Timestamp::from_second(s).map(|t| t.to_string()).unwrap_or_default();
                second = Some((s, whole.trim_end_matches('Z').to_string()));
            }
            let whole = second.as_ref().map_or("", |(_, w)| w.as_str());
            let sep = if n == 0 { "" } else { "," };
            let _ = write!(out, r#"{sep}["{whole}"#);
            let nanos = time.subsec_nanosecond();
            if nanos != 0 {
                let fraction = format!("{nanos:09}");
                let _ = write!(out, ".{}", fraction.trim_end_matches('0'));
            }
            let _ = write!(
                out,
                r#"Z","203.0.113.{}","AuditEvent","00000000-0000-0000-0000-{i:012}","SecretGet",{resource},{resource_id},"MICROSOFT.KEYVAULT","OK","AzureDiagnostics",200,{id_prefix}{}","alice@contoso.com"]"#,
                i % 200,
                i % 7,
            );
        }
        out.extend_from_slice(b"]}]");
        if partial {
            out.extend_from_slice(br#","error":"#);
            let _ = serde_json::to_writer(&mut out, &partial_error(limit));
        }
        out.push(b'}');
        out
    }
}
