//! Load one file the way the workbench does and report what BENCHMARKS.md quotes: wall time per phase,
//! resident memory after load (bytes per event), and the time to re-filter and recount the pivot facets after
//! one filter changes. One load per process, so memory figures are not polluted by earlier runs.
//!
//! `cargo bench --bench load -- FILE [FILE…]` (see `benches/compare.sh` for the side-by-side with DuckDB, jq
//! and lnav).

use std::time::{Duration, Instant};

use kvtrail::store::load::load_paths;
use kvtrail::store::{Clause, Dim, Filter, Progress, Selection};

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if files.is_empty() {
        eprintln!("usage: cargo bench --bench load -- FILE [FILE…]");
        std::process::exit(2);
    }
    let started = Instant::now();
    let (store, report) = load_paths(&files, &Progress::default());
    let load = started.elapsed();
    let rss = rss_bytes();
    let n = store.len().max(1);
    println!("events {}  rejected {}", store.len(), report.rejected());
    println!("load {:.3} s", load.as_secs_f64());
    for (phase, d) in &report.phases {
        println!("  {phase:<22} {:.3} s", d.as_secs_f64());
    }
    println!("rss after load {:.1} MB = {:.0} bytes/event", rss as f64 / 1e6, rss as f64 / n as f64);

    // The workbench's recount after one pivot: select with the new filter, then count the four pivot panes.
    let pivots = [Dim::CallerIp, Dim::Identity, Dim::Vault, Dim::Operation];
    let all = Selection::All(store.len());
    let top_vaults: Vec<u32> = store.facets(Dim::Vault, &all).iter().take(20).map(|f| f.id).collect();
    let top_ops: Vec<u32> = store.facets(Dim::Operation, &all).iter().take(5).map(|f| f.id).collect();
    let mut recounts = Vec::new();
    let mut unfiltered = Vec::new();
    for (k, &vault) in top_vaults.iter().enumerate() {
        let mut filter = Filter::default();
        filter.push(Clause::Is(Dim::Operation, top_ops[k % top_ops.len().max(1)]));
        filter.push(Clause::Is(Dim::Vault, vault));
        let t = Instant::now();
        let selection = store.select(&filter);
        for dim in pivots {
            std::hint::black_box(store.facets(dim, &selection));
        }
        recounts.push(t.elapsed());
        let t = Instant::now();
        for dim in pivots {
            std::hint::black_box(store.facets(dim, &all));
        }
        unfiltered.push(t.elapsed());
    }
    println!(
        "facet recount (select + 4 pivots) median {:.2} ms; all events, 4 pivots median {:.2} ms",
        median(recounts).as_secs_f64() * 1e3,
        median(unfiltered).as_secs_f64() * 1e3
    );
}
