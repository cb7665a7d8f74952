//! A Log Analytics fetch end to end, in process, against the Query API emulator (`tests/la_emulator`): what
//! BENCHMARKS.md quotes for issue 5. Each run signs in (a fixed token), plans slices from the server's
//! per-bin counts, fetches them (at most five queries in flight), spools every answer as the CLI does, and
//! builds the store from them — `fetch::fetch` + `Source::from_vec` + `store::load::load`, the path of
//! `live::run` and `kvtrail report --workspace`.
//!
//! Beside it, in the same process and against the same emulator, two peers fetch the very same slices: `curl`
//! (download only, five at a time, to /dev/null) and a plain reqwest + serde_json client (download and parse
//! each answer into a `serde_json::Value`, five at a time). Every figure includes the emulator making its
//! answers on the same two cores.
//!
//! `cargo bench --bench live [-- ROWS [RUNS] [--no-peers]]` (default 1,000,000 rows, 5 runs).

#[path = "../tests/la_emulator/mod.rs"]
mod la_emulator;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use jiff::{SignedDuration, Timestamp};
use kvtrail::ingest::source::Source;
use kvtrail::source::cloud;
use kvtrail::source::loganalytics::client::Client;
use kvtrail::source::loganalytics::fetch::{self, DEFAULT_MAX_ROWS, Event, Request, Tables};
use kvtrail::source::loganalytics::kql::{Rows, Table};
use kvtrail::store::Progress;
use la_emulator::{Emulator, Generated, Static, TOKEN, WORKSPACE, Workspace};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// One kvtrail run's times: the fetch (spooling included, `spool` of it), the store build; and the slices.
struct KvtrailRun {
    fetched: Duration,
    spool: Duration,
    built: Duration,
    spans: Vec<(Timestamp, Timestamp)>,
}

fn kvtrail_run(url: &str, request: &Request, n: usize) -> KvtrailRun {
    let started = Instant::now();
    let endpoint = cloud::endpoint(url).expect("loopback endpoint");
    let http = kvtrail::source::http::client().expect("http client");
    let client = Client::new(http, &endpoint, WORKSPACE, Arc::new(Static(TOKEN)), cloud::Cloud::Public.query_scope())
        .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut sources: Vec<Source> = Vec::new();
    let mut spans = Vec::new();
    let mut spool = Duration::ZERO;
    let summary = runtime
        .block_on(fetch::fetch(&client, request, &mut |event| {
            if let Event::Part(part) = event {
                spans.push((part.from, part.to));
                let name = format!("{WORKSPACE}:{} {}/{}", part.table, part.from, part.to);
                let t = Instant::now();
                sources.push(Source::from_vec(&name, &part.body).expect("spool"));
                spool += t.elapsed();
            }
        }))
        .expect("fetch");
    let fetched = started.elapsed();
    assert!(summary.gaps.is_empty(), "{:?}", summary.gaps);
    assert_eq!(summary.rows, n as u64);

    let started = Instant::now();
    let (store, report) = kvtrail::store::load::load(sources, Vec::new(), &Progress::default());
    let built = started.elapsed();
    assert_eq!((store.len(), report.rejected()), (n, 0));
    KvtrailRun { fetched, spool, built, spans }
}

fn body(span: &(Timestamp, Timestamp)) -> Vec<u8> {
    let query = Rows::new(Table::AzureDiagnostics, &[]).fetch();
    serde_json::to_vec(&serde_json::json!({"query": query, "timespan": format!("{}/{}", span.0, span.1)}))
        .expect("body")
}

/// curl: the same fetch queries, five at a time, answers to /dev/null (bytes downloaded returned).
fn curl_run(url: &str, spans: &[(Timestamp, Timestamp)], dir: &std::path::Path) -> (Duration, u64) {
    let query_url = format!("{url}/v1/workspaces/{WORKSPACE}/query");
    let files: Vec<std::path::PathBuf> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let path = dir.join(format!("body-{i}.json"));
            std::fs::write(&path, body(s)).expect("write body");
            path
        })
        .collect();
    let started = Instant::now();
    let mut running: Vec<Child> = Vec::new();
    let mut bytes = 0u64;
    let mut finish = |child: Child| {
        let out = child.wait_with_output().expect("curl");
        assert!(out.status.success(), "curl failed");
        bytes += String::from_utf8_lossy(&out.stdout).trim().parse::<u64>().unwrap_or(0);
    };
    for file in &files {
        if running.len() == fetch_in_flight() {
            finish(running.remove(0));
        }
        let child = Command::new("curl")
            .args(["-s", "-S", "--fail", "-o", "/dev/null", "-w", "%{size_download}", "-X", "POST"])
            .args(["-H", &format!("Authorization: Bearer {TOKEN}"), "-H", "Content-Type: application/json"])
            .arg("--data-binary")
            .arg(format!("@{}", file.display()))
            .arg(&query_url)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn curl");
        running.push(child);
    }
    for child in running {
        finish(child);
    }
    (started.elapsed(), bytes)
}

fn fetch_in_flight() -> usize {
    kvtrail::source::loganalytics::client::MAX_IN_FLIGHT
}

/// reqwest + serde_json: the same queries, five at a time, each answer parsed into a `Value` (rows counted).
fn plain_run(url: &str, spans: &[(Timestamp, Timestamp)]) -> (Duration, u64) {
    let query_url = format!("{url}/v1/workspaces/{WORKSPACE}/query");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let http = reqwest::Client::new();
    let started = Instant::now();
    let rows: u64 = runtime.block_on(async {
        stream::iter(spans)
            .map(|s| {
                let request =
                    http.post(&query_url).bearer_auth(TOKEN).header("Content-Type", "application/json").body(body(s));
                async move {
                    let bytes = request.send().await.expect("send").bytes().await.expect("body");
                    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                    value["tables"][0]["rows"].as_array().map_or(0, |r| r.len() as u64)
                }
            })
            .buffer_unordered(fetch_in_flight())
            .fold(0, |a, b| async move { a + b })
            .await
    });
    (started.elapsed(), rows)
}

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let peers = !all.iter().any(|a| a == "--no-peers");
    let args: Vec<&String> = all.iter().filter(|a| !a.starts_with("--")).collect();
    let n: usize = args.first().map_or(1_000_000, |a| a.replace(['_', ','], "").parse().expect("ROWS"));
    let runs: usize = args.get(1).map_or(5, |a| a.parse().expect("RUNS"));

    // N rows over 48 hours, four vaults; slices of the CLI's default 100,000 rows.
    let from: Timestamp = "2026-10-01T00:00:00Z".parse().expect("time");
    let to = from + SignedDuration::from_hours(48);
    let step_ms = (48 * 3_600_000 / n.max(1) as i64).max(1);
    let generated = Generated::new("2026-10-01T00:00:00Z", n, step_ms, &["kv-pay", "kv-ops", "kv-web", "kv-data"]);
    assert!(generated.time(n.saturating_sub(1)) < to, "{n} rows do not fit in 48 hours at 1 ms");
    let emulator = Emulator::start(Workspace::generated("AzureDiagnostics", generated));
    let url = emulator.url();
    let request = Request {
        from,
        to,
        tables: Tables::Auto,
        vaults: Vec::new(),
        activity: false,
        max_rows: DEFAULT_MAX_ROWS,
        scope: Vec::new(),
    };
    let have_curl = Command::new("curl").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    let dir = tempfile::tempdir().expect("tempdir");
    println!("{n} rows (one every {step_ms} ms over 48 h, 4 vaults), {runs} runs, slices of {DEFAULT_MAX_ROWS} rows");

    let (mut fetch_t, mut spool_t, mut build_t, mut total_t) = (vec![], vec![], vec![], vec![]);
    let (mut curl_t, mut plain_t) = (vec![], vec![]);
    let mut curl_bytes = 0;
    for run in 1..=runs {
        let KvtrailRun { fetched, spool, built, spans } = kvtrail_run(&url, &request, n);
        let total = fetched + built;
        let mut line = format!(
            "run {run}: kvtrail {:.2} s = fetch {:.2} s (spool {:.2} s) + store {:.2} s ({:.0} rows/s, {} slices)",
            secs(total),
            secs(fetched),
            secs(spool),
            secs(built),
            n as f64 / secs(total),
            spans.len()
        );
        fetch_t.push(secs(fetched));
        spool_t.push(secs(spool));
        build_t.push(secs(built));
        total_t.push(secs(total));
        if !peers {
            println!("{line}");
            continue;
        }
        let (plain, rows) = plain_run(&url, &spans);
        assert_eq!(rows, n as u64);
        plain_t.push(secs(plain));
        line.push_str(&format!(" · reqwest+serde_json {:.2} s", secs(plain)));
        if have_curl {
            let (curl, bytes) = curl_run(&url, &spans, dir.path());
            curl_bytes = bytes;
            curl_t.push(secs(curl));
            line.push_str(&format!(" · curl {:.2} s", secs(curl)));
        }
        println!("{line}");
    }
    let (total, fetched, built, spool) = (median(total_t), median(fetch_t), median(build_t), median(spool_t));
    println!("\nmedians of {runs} runs:");
    println!(
        "  kvtrail end to end   {total:.2} s  {:>9.0} rows/s  (fetch {fetched:.2} s = {:.0} rows/s, of which spooling \
         {spool:.2} s; store build {built:.2} s)",
        n as f64 / total,
        n as f64 / fetched
    );
    if !peers {
        return;
    }
    let plain = median(plain_t);
    println!("  reqwest+serde_json   {plain:.2} s  {:>9.0} rows/s  (download + parse into Value)", n as f64 / plain);
    if have_curl {
        let curl = median(curl_t);
        println!(
            "  curl                 {curl:.2} s  {:>9.0} rows/s  (download only, {:.0} MB)",
            n as f64 / curl,
            curl_bytes as f64 / 1e6
        );
        println!(
            "  ratios: kvtrail fetch / curl {:.2}x; kvtrail end to end / curl {:.2}x",
            fetched / curl,
            total / curl
        );
    } else {
        println!("  curl not installed: skipped");
    }
    println!(
        "  ratios: kvtrail fetch / reqwest+serde_json {:.2}x; kvtrail end to end / reqwest+serde_json {:.2}x",
        fetched / plain,
        total / plain
    );
}
