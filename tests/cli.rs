//! The headless commands as users run them: exit codes, stdin, `--help` with examples, and the `stats --json`
//! contract.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::fixture;

fn kvtrail() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kvtrail"))
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn stats_json_contract() {
    let out = kvtrail()
        .args(["stats", "--json"])
        .arg(fixture_path("query-api-diagnostics.json"))
        .arg(fixture_path("kv-doc-records.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"], 3);
    assert_eq!(v["first"], "2016-01-05T01:32:01.2691226Z");
    assert_eq!(v["last"], "2025-05-10T11:00:00.1000000Z");
    let inputs = v["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    for key in ["source", "format", "accepted", "rejected", "duplicates"] {
        assert!(inputs[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(inputs[0]["format"], "azurediagnostics/query-api");
    assert_eq!(inputs[0]["accepted"], 2);
    for dim in ["caller_ip", "identity", "vault", "operation", "status"] {
        assert!(v["top"][dim].is_array(), "missing top.{dim}");
    }
    assert_eq!(v["top"]["vault"][0], serde_json::json!(["kv-app", 2]));
    // Identities read as UPN when known, else a well-known app's name, else a managed identity's name, else
    // object id, else app id.
    let ids: Vec<&str> = v["top"]["identity"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap()).collect();
    assert!(ids.contains(&"eve@contoso.com") && ids.contains(&"app-mi"), "{ids:?}");
}

#[test]
fn stdin_and_gzip() {
    let mut child =
        kvtrail().args(["stats", "--json", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(&common::gzip(&fixture("kv-chronicle-401.jsonl"))).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["events"].as_u64(), v["inputs"][0]["source"].as_str()), (Some(1), Some("-")));
}

#[test]
fn strict_exit_code_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = common::write(dir.path(), "bad.jsonl", b"{\"time\":1}\n");
    let ok = kvtrail().args(["stats"]).arg(&bad).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "rejections alone do not fail without --strict");
    let strict = kvtrail().args(["stats", "--strict"]).arg(&bad).output().unwrap();
    assert_eq!(strict.status.code(), Some(1));
    let text = String::from_utf8_lossy(&strict.stdout);
    assert!(text.contains("bad.jsonl:1: time: expected a timestamp string, found a number"), "{text}");
    let clean = kvtrail().args(["stats", "--strict"]).arg(fixture_path("kv-chronicle-401.jsonl")).output().unwrap();
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(kvtrail().args(["stats"]).output().unwrap().status.code(), Some(2), "no inputs");
    assert_eq!(kvtrail().args(["stats", "--bogus", "x"]).output().unwrap().status.code(), Some(2));
    assert_eq!(kvtrail().args(["export", "x.json", "--format", "xml"]).output().unwrap().status.code(), Some(2));
    let bad_filter = kvtrail()
        .args(["export", "--format", "ndjson", "--filter", "colour=red"])
        .arg(fixture_path("kv-chronicle-401.jsonl"))
        .output()
        .unwrap();
    assert_eq!(bad_filter.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_filter.stderr).contains("unknown filter name"));
    let missing = kvtrail().args(["stats", "/nonexistent/x.json"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(1), "nothing readable at all");
}

#[test]
fn every_command_has_help_with_examples() {
    for cmd in ["stats", "export", "demo", "gen"] {
        let out = kvtrail().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{cmd}: {text}");
        if cmd != "gen" {
            assert!(text.contains("Examples:"), "{cmd} --help has no examples");
        }
    }
}

#[test]
fn export_formats_and_filters() {
    let inputs = [
        fixture_path("query-api-diagnostics.json"),
        fixture_path("azkvauditlogs.json"),
        fixture_path("portal-export.csv"),
    ];
    let run = |args: &[&str]| {
        let out = kvtrail().arg("export").args(inputs.iter()).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let all = run(&["--format", "ndjson"]);
    assert_eq!(all.lines().count(), 5);
    let first: serde_json::Value = serde_json::from_str(all.lines().next().unwrap()).unwrap();
    assert_eq!(first["time"], "2023-06-09T10:45:31.9520000Z");
    assert_eq!(first["line"], 2, "line numbers point into the source");
    let failed = run(&["--format", "ndjson", "--filter", "outcome=failure"]);
    assert_eq!(failed.lines().count(), 3);
    let denied = run(&["--format", "json", "--filter", "vault=kv-app,kv-hr", "--filter", "status=403"]);
    let v: serde_json::Value = serde_json::from_str(&denied).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let not_eve = run(&["--format", "ndjson", "--filter", "identity!=44444444-5555-6666-7777-888888888888"]);
    assert_eq!(not_eve.lines().count(), 4, "identities match by object id as well as UPN");
    let csv = run(&["--format", "csv", "--filter", "text=payroll"]);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let recs: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 1);
    assert_eq!(&recs[0][headers.iter().position(|h| h == "vault").unwrap()], "kv-hr");
    let none = run(&["--format", "json", "--filter", "vault=no-such-vault"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&none).unwrap(), serde_json::json!([]));
}

#[test]
fn terminal_output_is_sanitized() {
    let dir = tempfile::tempdir().unwrap();
    let evil = r#"{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","identity":{"claim":{"upn":"evil\u001b]52;c;cHduZWQ=\u0007@x.com"}},"properties":{"httpStatusCode":200}}"#;
    let f = common::write(dir.path(), "evil.jsonl", evil.as_bytes());
    let out = kvtrail().args(["stats"]).arg(&f).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "raw escape reached the terminal");
    assert!(text.contains("evil\\x1b]52;c;chduzwq=\\x07@x.com"), "{text}");
}
