//! `kvtrail coverage`: vaults listed through ARM, classified by their diagnostic settings (FORMATS.md §7.7),
//! against the emulator in `tests/arm_emulator` — paging, every way a setting can fail to send `AuditEvent`,
//! 403 / 429 / 5xx / hang-ups, a missing subscription, a `nextLink` to another origin, the JSON contract, the
//! terminal table, and a token that never leaves the Authorization header.

#[path = "common/http.rs"]
mod http;

mod arm_emulator;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use serde_json::{Value, json};

use arm_emulator::{ArmEmulator, Dest, Tenant, VaultDef, arm_error, setting, settings_path, vaults_path};
use http::Response;
use kvtrail::source::arm::{Arm, Retry};
use kvtrail::source::coverage::{self, Coverage, VaultCoverage};

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2VjcmV0LWFybS10b2tlbg.c2lnbmF0dXJl";
const SCOPE: &str = "https://management.azure.com/.default";
const SUB_A: &str = "11111111-1111-1111-1111-111111111111";
const SUB_B: &str = "22222222-2222-2222-2222-222222222222";

/// A credential that hands out one fixed token and counts how often it is asked. `Debug` does not show it.
struct StaticToken {
    token: &'static str,
    calls: AtomicUsize,
    scopes: Mutex<Vec<String>>,
}

impl StaticToken {
    fn new(token: &'static str) -> StaticToken {
        StaticToken { token, calls: AtomicUsize::new(0), scopes: Mutex::new(Vec::new()) }
    }
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken")
    }
}

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut s) = self.scopes.lock() {
            s.extend(scopes.iter().map(|s| s.to_string()));
        }
        Ok(AccessToken::new(self.token, OffsetDateTime::now_utc() + Duration::from_secs(3600)))
    }
}

fn subs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn tenant(vaults: Vec<VaultDef>, page_size: usize) -> Tenant {
    Tenant {
        token: TOKEN.into(),
        page_size,
        subscriptions: vaults.iter().map(|v| v.subscription.clone()).collect(),
        vaults,
        ..Tenant::default()
    }
}

/// A vault whose settings are built from its own ID.
fn vault(sub: &str, name: &str, settings: impl Fn(&str) -> Vec<Value>) -> VaultDef {
    let mut v = VaultDef::new(sub, name, Vec::new());
    v.settings = settings(&v.id());
    v
}

async fn run(emu: &ArmEmulator, subscriptions: &[&str]) -> Coverage {
    let credential = StaticToken::new(TOKEN);
    let client = kvtrail::source::http::client().expect("http client");
    coverage::coverage(&client, &emu.url(), &credential, SCOPE, &subs(subscriptions)).await
}

/// As [`run`], with retries that wait 10 ms instead of ARM-sized backoffs (`Retry-After` still applies).
async fn run_fast(emu: &ArmEmulator, subscriptions: &[&str]) -> Coverage {
    let credential = StaticToken::new(TOKEN);
    let client = kvtrail::source::http::client().expect("http client");
    let url = emu.url();
    let retry = Retry { attempts: 4, backoff: Duration::from_millis(10), max_wait: Duration::from_secs(5) };
    let arm = Arm::new(&client, &url, &credential, SCOPE).with_retry(retry);
    coverage::check(&arm, &subs(subscriptions)).await
}

fn find<'a>(c: &'a Coverage, name: &str) -> &'a VaultCoverage {
    c.vaults.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("{name} not in {:#?}", c.vaults))
}

fn text(c: &Coverage) -> String {
    let mut out = Vec::new();
    c.write_text(&mut out).expect("write text");
    String::from_utf8(out).expect("utf-8")
}

fn json_text(c: &Coverage) -> String {
    let mut out = Vec::new();
    c.write_json(&mut out).expect("write json");
    String::from_utf8(out).expect("utf-8")
}

/// Seven vaults over four pages: every way a vault's settings can (not) send AuditEvent.
fn seven_vaults() -> Vec<VaultDef> {
    let on = |cat| vec![(cat, true)];
    vec![
        vault(SUB_A, "kv-category", |id| {
            vec![setting(id, "to-sentinel", Dest::Workspace("law-sec"), &on("AuditEvent"), true)]
        }),
        vault(SUB_A, "kv-group-audit", |id| {
            vec![setting(id, "archive", Dest::Storage("starchive"), &on("group:audit"), false)]
        }),
        vault(SUB_A, "kv-group-alllogs", |id| {
            let hub = Dest::EventHub { namespace: "ehns-siem", hub: "kv-logs" };
            vec![setting(id, "siem", hub, &on("group:allLogs"), false)]
        }),
        vault(SUB_A, "kv-disabled", |id| {
            vec![setting(id, "paused", Dest::Workspace("law-sec"), &[("AuditEvent", false)], true)]
        }),
        vault(SUB_A, "kv-nodest", |id| vec![setting(id, "x", Dest::None, &on("AuditEvent"), false)]),
        vault(SUB_A, "kv-none", |_| Vec::new()),
        vault(SUB_A, "kv-several", |id| {
            vec![
                setting(id, "metrics-only", Dest::Workspace("law-ops"), &[], true),
                setting(id, "policy", Dest::Workspace("law-ops"), &on("AzurePolicyEvaluationDetails"), false),
                setting(id, "partner", Dest::Partner("dd-prod"), &on("group:audit"), false),
            ]
        }),
    ]
}

#[tokio::test]
async fn every_vault_over_every_page_is_classified() {
    let emu = ArmEmulator::start(tenant(seven_vaults(), 2));
    let c = run(&emu, &[SUB_A]).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);

    let names: Vec<&str> = c.vaults.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["kv-category", "kv-disabled", "kv-group-alllogs", "kv-group-audit", "kv-nodest", "kv-none", "kv-several"],
        "sorted by name"
    );
    let verdict = |name| {
        let v = find(&c, name);
        assert!(v.checked, "{name}");
        (v.audit_logging, v.reason.as_str())
    };
    assert_eq!(verdict("kv-category"), (true, "AuditEvent → workspace law-sec (setting 'to-sentinel')"));
    assert_eq!(
        verdict("kv-group-audit"),
        (true, "AuditEvent (category group audit) → storage account starchive (setting 'archive')")
    );
    assert_eq!(
        verdict("kv-group-alllogs"),
        (true, "AuditEvent (category group allLogs) → event hub ehns-siem/kv-logs (setting 'siem')")
    );
    assert_eq!(verdict("kv-disabled"), (false, "setting 'paused' has AuditEvent disabled"));
    assert_eq!(verdict("kv-nodest"), (false, "setting 'x' enables AuditEvent but has no destination"));
    assert_eq!(verdict("kv-none"), (false, "no diagnostic settings"));
    assert_eq!(
        verdict("kv-several"),
        (true, "AuditEvent (category group audit) → partner solution dd-prod (setting 'partner')")
    );

    let v = find(&c, "kv-category");
    assert_eq!(
        v.id,
        format!("/subscriptions/{SUB_A}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-category")
    );
    assert_eq!(
        (v.subscription.as_str(), v.resource_group.as_str(), v.location.as_str()),
        (SUB_A, "rg-sec", "westeurope")
    );

    let lacking: Vec<&str> = c.lacking().map(|v| v.name.as_str()).collect();
    assert_eq!(lacking, ["kv-disabled", "kv-nodest", "kv-none"]);

    // 7 vaults in pages of 2: four list requests, then one settings request per vault; all authorized.
    let requests = emu.requests();
    let lists: Vec<_> = requests.iter().filter(|r| r.path().ends_with("/Microsoft.KeyVault/vaults")).collect();
    assert_eq!(lists.len(), 4);
    assert_eq!(requests.len(), 4 + 7);
    for r in &requests {
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert!(r.param("api-version").is_some(), "{}", r.target);
    }
}

#[tokio::test]
async fn the_token_is_asked_for_once_with_the_arm_scope() {
    let emu = ArmEmulator::start(tenant(seven_vaults(), 3));
    let credential = StaticToken::new(TOKEN);
    let client = kvtrail::source::http::client().expect("http client");
    let c = coverage::coverage(&client, &emu.url(), &credential, SCOPE, &subs(&[SUB_A])).await;
    assert_eq!(c.vaults.len(), 7);
    assert_eq!(credential.calls.load(Ordering::SeqCst), 1, "cached for the run");
    assert_eq!(*credential.scopes.lock().unwrap(), [SCOPE]);
}

#[tokio::test]
async fn an_unreadable_vault_is_unknown_not_off() {
    let vaults = vec![
        vault(SUB_A, "kv-locked", |_| Vec::new()).forbidden(),
        vault(SUB_A, "kv-open", |id| vec![setting(id, "s", Dest::Workspace("w"), &[("AuditEvent", true)], false)]),
    ];
    let emu = ArmEmulator::start(tenant(vaults, 10));
    let c = run(&emu, &[SUB_A]).await;
    let locked = find(&c, "kv-locked");
    assert!(!locked.checked && !locked.audit_logging);
    assert_eq!(locked.reason, "diagnostic settings could not be read: 403 AuthorizationFailed");
    assert_eq!(c.lacking().count(), 0, "unknown is not lacking");
    assert_eq!(c.unchecked().count(), 1);
    assert!(find(&c, "kv-open").audit_logging);
    // 403 is not retried.
    assert_eq!(emu.requests().iter().filter(|r| r.path().contains("kv-locked")).count(), 1);
    let t = text(&c);
    assert!(t.lines().any(|l| l.starts_with("kv-locked") && l.contains("unknown")), "{t}");
    assert!(t.contains("0 of 2 vaults have no audit logging; 1 could not be checked"), "{t}");
}

#[tokio::test]
async fn throttling_is_waited_out_and_transient_failures_retried() {
    let vaults = vec![
        vault(SUB_A, "kv-throttled", |_| Vec::new()),
        vault(SUB_A, "kv-flaky", |_| Vec::new()),
        vault(SUB_A, "kv-dropped", |_| Vec::new()),
    ];
    let ids: Vec<String> = vaults.iter().map(VaultDef::id).collect();
    let emu = ArmEmulator::start(tenant(vaults, 10));
    let throttled = arm_error(429, "TooManyRequests", "Number of read requests exceeded the limit.");
    emu.script(&settings_path(&ids[0]), throttled.with_header("Retry-After", "1"));
    emu.script(&settings_path(&ids[1]), arm_error(503, "ServiceUnavailable", "try again"));
    emu.script(&settings_path(&ids[1]), arm_error(500, "InternalServerError", "oops"));
    emu.script(&settings_path(&ids[2]), Response::hang_up());
    emu.script(&vaults_path(SUB_A), Response::json(502, &json!({})));

    let started = Instant::now();
    let c = run(&emu, &[SUB_A]).await;
    let elapsed = started.elapsed();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    for v in &c.vaults {
        assert!(v.checked, "{v:?}");
        assert_eq!(v.reason, "no diagnostic settings");
    }
    assert!(elapsed >= Duration::from_secs(1), "Retry-After honoured: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let count = |id: &str| emu.requests().iter().filter(|r| r.path() == settings_path(id)).count();
    assert_eq!((count(&ids[0]), count(&ids[1]), count(&ids[2])), (2, 3, 2));
}

#[tokio::test]
async fn retries_give_up_and_retry_after_is_capped() {
    let vaults = vec![vault(SUB_A, "kv-down", |_| Vec::new())];
    let id = vaults[0].id();
    let emu = ArmEmulator::start(tenant(vaults, 10));
    for _ in 0..10 {
        let throttled = arm_error(429, "TooManyRequests", "slow down").with_header("Retry-After", "3600");
        emu.script(&settings_path(&id), throttled);
    }
    let credential = StaticToken::new(TOKEN);
    let client = kvtrail::source::http::client().expect("http client");
    let url = emu.url();
    let retry = Retry { attempts: 3, backoff: Duration::from_millis(10), max_wait: Duration::from_millis(50) };
    let arm = Arm::new(&client, &url, &credential, SCOPE).with_retry(retry);
    let started = Instant::now();
    let c = coverage::check(&arm, &subs(&[SUB_A])).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let v = find(&c, "kv-down");
    assert!(!v.checked);
    assert_eq!(v.reason, "diagnostic settings could not be read: 429 TooManyRequests");
    assert_eq!(emu.requests().iter().filter(|r| r.path() == settings_path(&id)).count(), 3);
}

#[tokio::test]
async fn a_missing_subscription_is_reported_and_the_others_still_come_back() {
    let on = [("AuditEvent", true)];
    let vaults = vec![
        vault(SUB_B, "kv-zeta", |id| vec![setting(id, "s", Dest::Workspace("w"), &on, false)]),
        vault(SUB_B, "kv-alpha", |_| Vec::new()),
        vault(SUB_A, "kv-mid", |_| Vec::new()),
    ];
    let emu = ArmEmulator::start(tenant(vaults, 10));
    let missing = "33333333-3333-3333-3333-333333333333";
    let c = run_fast(&emu, &[SUB_B, missing, SUB_A, SUB_B]).await;
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert!(
        c.errors[0]
            .starts_with(&format!("subscription {missing}: vaults could not be listed: 404 SubscriptionNotFound"))
    );
    let order: Vec<(&str, &str)> = c.vaults.iter().map(|v| (v.subscription.as_str(), v.name.as_str())).collect();
    assert_eq!(order, [(SUB_A, "kv-mid"), (SUB_B, "kv-alpha"), (SUB_B, "kv-zeta")], "by subscription, then name");
    let t = text(&c);
    assert!(t.contains("2 of 3 vaults have no audit logging"), "{t}");
    assert!(t.contains("errors:\n  subscription 33333333"), "{t}");
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed() {
    let evil = http::serve(|_| Response::json(200, &json!({ "value": [] })));
    let vaults: Vec<VaultDef> = (0..5).map(|i| vault(SUB_A, &format!("kv-{i}"), |_| Vec::new())).collect();
    let mut t = tenant(vaults, 2);
    t.foreign_next.insert(SUB_A.into(), evil.url());
    let emu = ArmEmulator::start(t);
    let c = run(&emu, &[SUB_A]).await;
    assert!(evil.requests().is_empty(), "the token went to another host");
    assert_eq!(c.vaults.len(), 2, "page 1 is kept");
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    let e = &c.errors[0];
    assert!(e.contains("listing stopped after 2 vaults"), "{e}");
    assert!(e.contains(&format!("nextLink points to {}", evil.url())), "{e}");
}

#[tokio::test]
async fn json_contract_and_round_trip() {
    let vaults = vec![
        vault(SUB_A, "kv-on", |id| vec![setting(id, "s", Dest::Workspace("law"), &[("AuditEvent", true)], false)]),
        vault(SUB_A, "kv-off", |_| Vec::new()),
        vault(SUB_A, "kv-locked", |_| Vec::new()).forbidden(),
    ];
    let emu = ArmEmulator::start(tenant(vaults, 10));
    let c = run(&emu, &[SUB_A, "not a subscription!"]).await;
    let written = json_text(&c);
    let v: Value = serde_json::from_str(&written).expect("JSON");
    let keys = |o: &Value| -> Vec<String> { o.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default() };
    assert_eq!(keys(&v), ["errors", "vaults"]); // serde_json's map sorts; the text has vaults first
    assert!(written.trim_start().starts_with("{\n  \"vaults\": ["), "{written}");
    let mut expected =
        ["name", "id", "subscription", "resource_group", "location", "audit_logging", "checked", "reason"];
    expected.sort_unstable();
    for vault in v["vaults"].as_array().expect("vaults array") {
        let mut k = keys(vault);
        k.sort();
        assert_eq!(k, expected);
    }
    assert_eq!(
        v["vaults"][0],
        json!({
            "name": "kv-locked",
            "id": format!("/subscriptions/{SUB_A}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-locked"),
            "subscription": SUB_A,
            "resource_group": "rg-sec",
            "location": "westeurope",
            "audit_logging": false,
            "checked": false,
            "reason": "diagnostic settings could not be read: 403 AuthorizationFailed",
        })
    );
    assert_eq!(v["vaults"][1]["audit_logging"], json!(false));
    assert_eq!(v["vaults"][1]["checked"], json!(true));
    assert_eq!(v["vaults"][2]["audit_logging"], json!(true));
    assert_eq!(
        v["errors"],
        json!([
            "subscription not a subscription!: vaults could not be listed: \"not a subscription!\" is not a subscription ID"
        ])
    );

    let back = Coverage::from_json(&written).expect("reads back");
    assert_eq!(back, c);
    let lacking: Vec<&str> = back.lacking().map(|v| v.name.as_str()).collect();
    assert_eq!(lacking, ["kv-off"]);
    assert!(Coverage::from_json("{\"vaults\": 3}").is_err());
}

#[tokio::test]
async fn the_table_lists_blind_spots_first_and_sanitizes() {
    let vaults = vec![
        vault(SUB_A, "kv-a-covered", |id| vec![setting(id, "s", Dest::Workspace("w"), &[("AuditEvent", true)], false)]),
        vault(SUB_A, "kv-b\x1b[2J\x1b]0;pwned\x07", |_| Vec::new()),
        vault(SUB_A, "kv-c\u{202e}lacking", |id| {
            vec![setting(id, "x\x1b[31m", Dest::None, &[("AuditEvent", true)], false)]
        }),
    ];
    let emu = ArmEmulator::start(tenant(vaults, 10));
    emu.script(&vaults_path(SUB_B), arm_error(404, "SubscriptionNotFound", "gone \x1b[5m"));
    if let Ok(mut t) = emu.tenant.lock() {
        t.subscriptions.insert(SUB_B.into());
    }
    let c = run(&emu, &[SUB_A, SUB_B]).await;
    let t = text(&c);
    assert!(!t.contains('\x1b') && !t.contains('\x07') && !t.contains('\u{202e}'), "{t:?}");
    let lines: Vec<&str> = t.lines().collect();
    assert!(lines[0].starts_with("vault") && lines[0].contains("audit logging") && lines[0].contains("reason"));
    assert!(lines[1].starts_with("kv-b\\x1b[2J\\x1b]0;pwned\\x07") && lines[1].contains("NO"), "{t}");
    assert!(lines[2].starts_with("kv-c\\u{202e}lacking") && lines[2].contains("setting 'x\\x1b[31m'"), "{t}");
    assert!(lines[3].starts_with("kv-a-covered") && lines[3].contains("yes"), "{t}");
    assert!(t.contains("2 of 3 vaults have no audit logging"), "{t}");
    assert!(t.contains("404 SubscriptionNotFound: gone \\x1b[5m"), "{t}");
}

#[tokio::test]
async fn the_token_never_appears_in_any_output() {
    let vaults = vec![
        vault(SUB_A, "kv-echo", |_| Vec::new()),
        vault(SUB_A, "kv-fine", |_| Vec::new()),
        vault(SUB_A, "kv-locked", |_| Vec::new()).forbidden(),
    ];
    let echo_id = vaults[0].id();
    let mut t = tenant(vaults, 10);
    // A hostile or misconfigured server echoing the Authorization header, on a vault and on a listing.
    t.echo_auth.insert(settings_path(&echo_id).to_ascii_lowercase());
    t.echo_auth.insert(vaults_path(SUB_B).to_ascii_lowercase());
    t.subscriptions.insert(SUB_B.into());
    let emu = ArmEmulator::start(t);
    // Unreachable endpoints too: their errors are reqwest's, which must not carry headers either.
    let c = run_fast(&emu, &[SUB_A, SUB_B]).await;
    let credential = StaticToken::new(TOKEN);
    let client = kvtrail::source::http::client().expect("http client");
    let dead = reqwest::Url::parse("http://127.0.0.1:9").expect("url");
    let unreachable = coverage::coverage(&client, &dead, &credential, SCOPE, &subs(&[SUB_A])).await;
    assert_eq!(unreachable.errors.len(), 1);
    assert!(unreachable.errors[0].contains("request failed"), "{:?}", unreachable.errors);

    assert!(find(&c, "kv-echo").reason.contains("403 AuthorizationFailed"));
    assert!(c.errors.iter().any(|e| e.contains("Bearer [redacted]")), "{:?}", c.errors);
    let url = emu.url();
    let arm = Arm::new(&client, &url, &credential, SCOPE);
    let outputs = [
        json_text(&c),
        text(&c),
        format!("{c:?}"),
        json_text(&unreachable),
        text(&unreachable),
        format!("{credential:?}"),
        format!("{arm:?}"),
        c.errors.join("\n"),
    ];
    for out in outputs {
        assert!(!out.contains(TOKEN), "token leaked into: {out}");
        assert!(!out.contains(&TOKEN[40..60]), "part of the token leaked into: {out}");
    }
}

#[tokio::test]
async fn at_most_eight_settings_requests_in_flight() {
    let vaults: Vec<VaultDef> = (0..24).map(|i| vault(SUB_A, &format!("kv-{i:02}"), |_| Vec::new())).collect();
    let mut t = tenant(vaults, 100);
    t.delay = Duration::from_millis(60);
    let emu = ArmEmulator::start(t);
    let c = run(&emu, &[SUB_A]).await;
    assert_eq!(c.vaults.len(), 24);
    let max = emu.max_in_flight();
    assert!((2..=coverage::CONCURRENCY).contains(&max), "max in flight {max}");
}

#[tokio::test]
async fn a_failing_credential_is_an_error_per_subscription() {
    #[derive(Debug)]
    struct NoToken;
    #[async_trait::async_trait]
    impl TokenCredential for NoToken {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "az login has expired; run az login",
            ))
        }
    }
    let emu = ArmEmulator::start(tenant(seven_vaults(), 3));
    let client = kvtrail::source::http::client().expect("http client");
    let c = coverage::coverage(&client, &emu.url(), &NoToken, SCOPE, &subs(&[SUB_A])).await;
    assert!(c.vaults.is_empty());
    assert_eq!(c.errors.len(), 1);
    assert!(c.errors[0].contains("could not get a Resource Manager token: az login has expired"), "{:?}", c.errors);
    assert!(emu.requests().is_empty(), "nothing is sent without a token");
    assert_eq!(text(&c).lines().next(), Some("no vaults found"));
}

#[test]
fn the_coverage_future_can_be_spawned() {
    fn send<T: Send>(_: &T) {}
    let credential = StaticToken::new(TOKEN);
    let client = reqwest::Client::new();
    let url = reqwest::Url::parse("http://127.0.0.1:9").expect("url");
    let subscriptions = subs(&[SUB_A]);
    let future = coverage::coverage(&client, &url, &credential, SCOPE, &subscriptions);
    send(&future);
}

/// The real binary: `kvtrail coverage` signed in through a fake `az`, against the emulator.
#[test]
fn the_coverage_command_prints_json_and_exits_4_on_a_blind_spot() {
    use std::os::unix::fs::PermissionsExt;
    let emu = ArmEmulator::start(tenant(seven_vaults(), 3));
    let dir = tempfile::tempdir().expect("tempdir");
    let az = dir.path().join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho '{{\"accessToken\":\"{TOKEN}\",\"expires_on\":4070908800,\"tokenType\":\"Bearer\"}}'\n"
        ),
    )
    .expect("write az");
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kvtrail"))
        .env("PATH", path)
        .args(["coverage", "--subscription", SUB_A, "--json", "--auth", "cli", "--arm-endpoint", emu.url().as_str()])
        .output()
        .expect("run kvtrail");
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let vaults = report["vaults"].as_array().expect("vaults");
    assert_eq!(vaults.len(), 7);
    let none = vaults.iter().find(|v| v["name"] == "kv-none").expect("kv-none");
    assert_eq!(none["audit_logging"], json!(false));
    assert!(vaults.iter().all(|v| v["id"].is_string() && v["reason"].is_string()));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
}
