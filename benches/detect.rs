//! All detection rules over loaded events: the time of `detect::run` (median of 5, the store loaded once), the
//! time per rule, and the findings by severity — the quality figures BENCHMARKS.md quotes for the 1M benign
//! dataset (no high or critical finding, fewer than 20 medium) and the demo (every planted scenario found).
//!
//! `cargo bench --bench detect -- FILE [FILE…] [--intel DIR]` (see `benches/detect-compare.sh` for the
//! side-by-side with DuckDB).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kvtrail::detect::{self, RuleSet, Severity};
use kvtrail::intel::Intel;
use kvtrail::store::Progress;
use kvtrail::store::load::load_paths;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let intel_dir = args.iter().position(|a| a == "--intel").and_then(|i| args.get(i + 1)).cloned();
    let files: Vec<String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && args.get(i.wrapping_sub(1)).is_none_or(|p| p != "--intel"))
        .map(|(_, a)| a.clone())
        .collect();
    if files.is_empty() {
        eprintln!("usage: cargo bench --bench detect -- FILE [FILE…] [--intel DIR]");
        std::process::exit(2);
    }
    let intel = match intel_dir {
        Some(d) => Intel::load_dir(std::path::Path::new(&d)).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        }),
        None => Intel::default(),
    };
    let rules = RuleSet::builtin().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let (store, _) = load_paths(&files, &Progress::default());
    println!("events {}", store.len());
    let mut runs = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let d = detect::run(&store, &intel, &rules);
        runs.push(t.elapsed());
        last = Some(d);
    }
    println!("all rules: median {:.0} ms (runs: {:?} ms)", median(runs.clone()).as_secs_f64() * 1e3, {
        runs.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
    });
    let none = RuleSet { rules: Vec::new() };
    let t = Instant::now();
    std::hint::black_box(detect::run(&store, &intel, &none));
    println!("shared work (pre-filters, tables), no rule: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    // Per rule, one at a time, to see where the time goes.
    let mut per_rule: BTreeMap<String, Duration> = BTreeMap::new();
    for rule in &rules.rules {
        let one = RuleSet { rules: vec![rule.clone()] };
        let t = Instant::now();
        std::hint::black_box(detect::run(&store, &intel, &one));
        *per_rule.entry(rule.key()).or_default() += t.elapsed();
    }
    let mut slow: Vec<_> = per_rule.into_iter().collect();
    slow.sort_by_key(|r| std::cmp::Reverse(r.1));
    for (rule, d) in slow.iter().take(8) {
        println!("  {rule:<24} {:.0} ms (incl. the shared pre-filter pass)", d.as_secs_f64() * 1e3);
    }
    let Some(d) = last else { return };
    for s in Severity::ALL.iter().rev() {
        let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
        for f in d.findings.iter().filter(|f| f.severity == *s) {
            *by_rule.entry(f.rule_label()).or_default() += 1;
        }
        let total: usize = by_rule.values().sum();
        println!("{s:<8} {total:>5}  {by_rule:?}");
    }
    println!("skipped: {:?}", d.skipped.iter().map(|s| s.rule.as_str()).collect::<Vec<_>>());
    println!(
        "incidents {}  exposed objects {}  pre-filtered {}",
        d.incidents.len(),
        d.exposed.len(),
        d.prefiltered.total()
    );
}
