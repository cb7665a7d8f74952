//! Filters and facets: values of one dimension OR together, dimensions AND together, exclusions, time range,
//! outcome and text; facet counts give total and failed per value under any filter.

mod common;

use kvtrail::event::{Outcome, Ticks};
use kvtrail::store::{Clause, Dim, Filter, Selection, Store};

fn event(t: u32, vault: &str, ip: &str, upn: &str, op: &str, status: u16, object: &str) -> String {
    format!(
        r#"{{"time":"2026-10-01T00:00:{t:02}.0000000Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault}","operationName":"{op}","category":"AuditEvent","callerIpAddress":"{ip}","identity":{{"claim":{{"upn":"{upn}"}}}},"properties":{{"httpStatusCode":{status},"requestUri":"https://{vault}.vault.azure.net/secrets/{object}/?api-version=7.4","clientInfo":"ua-{t}"}}}}"#
    )
}

fn store() -> common::Loaded {
    let lines = [
        event(1, "kv-a", "10.0.0.1", "alice@x.com", "SecretGet", 200, "db-pass"),
        event(2, "kv-a", "10.0.0.1", "alice@x.com", "SecretGet", 403, "db-pass"),
        event(3, "kv-b", "10.0.0.2", "bob@x.com", "SecretList", 200, "api-key"),
        event(4, "kv-b", "10.0.0.1", "bob@x.com", "SecretGet", 404, "breakglass"),
        event(5, "kv-c", "10.0.0.3", "carol@x.com", "KeySign", 200, "signing"),
        event(6, "kv-a", "10.0.0.3", "alice@x.com", "SecretGet", 200, "breakglass"),
    ]
    .join("\n");
    let loaded = common::load_one("events.jsonl", lines.as_bytes());
    assert_eq!(loaded.report.rejected(), 0);
    loaded
}

fn id(store: &Store, dim: Dim, label: &str) -> u32 {
    store.find(dim, label).unwrap_or_else(|| panic!("no {label}"))
}

fn times(store: &Store, filter: &Filter) -> Vec<i64> {
    store.select(filter).iter().map(|r| store.time(r).seconds() % 60).collect()
}

#[test]
fn or_within_a_dimension_and_across_dimensions() {
    let l = store();
    let s = &l.store;
    let mut f = Filter::default();
    f.push(Clause::Is(Dim::Vault, id(s, Dim::Vault, "kv-a")));
    f.push(Clause::Is(Dim::Vault, id(s, Dim::Vault, "kv-b")));
    assert_eq!(times(s, &f), [1, 2, 3, 4, 6]);
    f.push(Clause::Is(Dim::CallerIp, id(s, Dim::CallerIp, "10.0.0.1")));
    assert_eq!(times(s, &f), [1, 2, 4]);
    f.push(Clause::Not(Dim::Status, id(s, Dim::Status, "403")));
    assert_eq!(times(s, &f), [1, 4]);
    assert_eq!(f.pop(), Some(Clause::Not(Dim::Status, id(s, Dim::Status, "403"))));
    assert_eq!(times(s, &f), [1, 2, 4]);
}

#[test]
fn time_outcome_and_text() {
    let l = store();
    let s = &l.store;
    let t = |sec: i64| Ticks::parse_iso("2026-10-01T00:00:00Z").map(|b| Ticks(b.0 + sec * 10_000_000));
    let mut f = Filter::default();
    f.push(Clause::Within { from: t(2), to: t(5) });
    assert_eq!(times(s, &f), [2, 3, 4]);
    f.push(Clause::Outcome(Outcome::Failure));
    assert_eq!(times(s, &f), [2, 4]);
    let mut text = Filter::default();
    text.push(Clause::Text("BREAKGLASS".into()));
    assert_eq!(times(s, &text), [4, 6], "object names match, case-insensitively");
    let mut who = Filter::default();
    who.push(Clause::Text("carol".into()));
    assert_eq!(times(s, &who), [5]);
    assert_eq!(s.select(&Filter::default()), Selection::All(6));
}

#[test]
fn facets_count_total_and_failed_under_a_filter() {
    let l = store();
    let s = &l.store;
    let all = Selection::All(s.len());
    let ips: Vec<(String, u32, u32)> = s
        .facets(Dim::CallerIp, &all)
        .iter()
        .map(|f| (s.label(Dim::CallerIp, f.id).into_owned(), f.total, f.failed))
        .collect();
    assert_eq!(ips, [("10.0.0.1".into(), 3, 2), ("10.0.0.3".into(), 2, 0), ("10.0.0.2".into(), 1, 0)]);
    let mut f = Filter::default();
    f.push(Clause::Is(Dim::Identity, id(s, Dim::Identity, "alice@x.com")));
    let sel = s.select(&f);
    let vaults: Vec<(String, u32, u32)> = s
        .facets(Dim::Vault, &sel)
        .iter()
        .map(|x| (s.label(Dim::Vault, x.id).into_owned(), x.total, x.failed))
        .collect();
    assert_eq!(vaults, [("kv-a".into(), 3, 1)]);
    let objects: Vec<String> =
        s.facets(Dim::Object, &sel).iter().map(|x| s.label(Dim::Object, x.id).into_owned()).collect();
    assert_eq!(objects, ["kv-a/secrets/db-pass", "kv-a/secrets/breakglass"]);
}

#[test]
fn typed_filters_resolve_against_the_store() {
    let l = store();
    let s = &l.store;
    let exprs = ["vault=kv-a,kv-b", "ip!=10.0.0.3", "op=SecretGet"].map(String::from);
    let (f, warnings) = s.parse_filters(&exprs).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(times(s, &f), [1, 2, 4]);
    let (none, warnings) = s.parse_filters(&["vault=kv-zzz".to_string()]).unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(s.select(&none).len(), 0);
    assert!(s.parse_filters(&["colour=red".to_string()]).is_err());
    assert!(s.parse_filters(&["since=yesterday".to_string()]).is_err());
}
