//! One generated dataset, written in every format kvtrail reads, must normalize to the same events: the
//! strongest check that each parser maps its vocabulary onto the event model the same way.

mod common;

use std::process::Command;

use kvtrail::store::load::load_paths;
use kvtrail::store::{EventRecord, Progress};

fn generate(dir: &std::path::Path, format: &str, file: &str) -> String {
    let out = dir.join(file);
    let status = Command::new(env!("CARGO_BIN_EXE_kvtrail"))
        .args(["gen", "--events", "2500", "--seed", "11", "--days", "2", "--format", format, "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "gen --format {format}");
    out.display().to_string()
}

/// The normalized event without its provenance, with time cut to `digits` fractional digits.
fn comparable(mut r: EventRecord, digits: usize) -> serde_json::Value {
    r.source = String::new();
    r.offset = 0;
    r.line = None;
    r.time = format!("{}Z", &r.time[..20 + digits]);
    serde_json::to_value(r).unwrap()
}

fn load(path: &str, digits: usize) -> (String, Vec<serde_json::Value>) {
    let (store, report) = load_paths(&[path.to_string()], &Progress::default());
    assert_eq!(report.rejected(), 0, "{path}: {:?}", report.rejections().take(5).collect::<Vec<_>>());
    let format = report.inputs.iter().map(|i| i.format.clone()).collect::<Vec<_>>().join(",");
    (format, (0..store.len()).map(|i| comparable(store.record(i, None), digits)).collect())
}

#[test]
fn every_format_normalizes_to_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let (reference_format, reference) = load(&generate(dir.path(), "jsonl", "a.jsonl"), 7);
    assert_eq!(reference_format, "auditevent/jsonl");
    assert!(reference.len() >= 2500, "{}", reference.len());
    for (format, file, label, digits) in [
        ("records", "b.json", "auditevent/records", 7),
        ("array", "c.json", "auditevent/array", 7),
        ("diagnostics", "d.json", "azurediagnostics/array", 7),
        ("query-api", "e.json", "azurediagnostics/query-api", 7),
        ("az-cli", "f.json", "azurediagnostics/az-cli", 7),
        ("azkv", "g.json", "azkvauditlogs/array", 7),
        ("csv", "h.csv", "azurediagnostics/csv", 3),
        ("jsonl", "i.jsonl.gz", "auditevent/jsonl", 7),
    ] {
        let (got_format, got) = load(&generate(dir.path(), format, file), digits);
        assert_eq!(got_format, label, "{format}");
        let expected: Vec<serde_json::Value> = if digits == 7 {
            reference.clone()
        } else {
            reference
                .iter()
                .map(|v| {
                    let mut v = v.clone();
                    let t = v["time"].as_str().unwrap().to_string();
                    v["time"] = format!("{}Z", &t[..20 + digits]).into();
                    v
                })
                .collect()
        };
        assert_eq!(got.len(), expected.len(), "{format}: event count");
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "{format}: event {i} differs");
        }
    }
}

#[test]
fn storage_layout_loads_as_one_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let root = generate(dir.path(), "storage", "blobs");
    let (store, report) = load_paths(&[root], &Progress::default());
    assert_eq!(report.rejected(), 0);
    assert!(report.inputs.len() > 20, "one input per blob: {}", report.inputs.len());
    assert!(report.inputs.iter().any(|i| i.source.contains("insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/")));
    assert!(report.inputs.iter().any(|i| i.format == "activity-resourcelog/jsonl"), "activity blobs are read too");
    let (_, reference) = load(&generate(dir.path(), "jsonl", "a.jsonl"), 7);
    let audit = (0..store.len())
        .filter(|&i| store.record(i, None).plane == "data" || !store.record(i, None).operation.contains('/'))
        .count();
    assert_eq!(audit, reference.len(), "every AuditEvent of the dataset, once");
}
