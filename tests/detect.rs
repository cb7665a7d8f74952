//! The detection catalogue (DETECTIONS.md §7) rule by rule: for every rule and form, a positive fixture (the rule
//! fires on the right actor, vault and evidence, at the right severity) and a near-miss that must stay silent
//! (just below a threshold, outside a window, in the wrong order, pre-filtered, or without its reference data).
//! Then the pre-filters, the severity escalations, suppression, rule files, KQL, incidents and exposure.

mod common;
#[path = "common/events.rs"]
mod events;

use events::*;
use kvtrail::detect::{self, Detections, Finding, RuleSet, Severity};
use kvtrail::generate::{intel as gen_intel, mmdb};
use kvtrail::intel::Intel;
use kvtrail::store::Dim;
use serde_json::json;

// ---------------------------------------------------------------------------------------------------------------
// Harness

struct Run {
    loaded: common::Loaded,
    d: Detections,
}

fn detect(case: &Case) -> Run {
    detect_with(case, &Intel::default(), &RuleSet::builtin().unwrap())
}

fn detect_intel(case: &Case, intel: &Intel) -> Run {
    detect_with(case, intel, &RuleSet::builtin().unwrap())
}

fn detect_with(case: &Case, intel: &Intel, rules: &RuleSet) -> Run {
    let files = case.files();
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let loaded = common::load_files(&named);
    assert_eq!(loaded.report.rejected(), 0, "fixture rejected: {:?}", loaded.rejections());
    let d = detect::run(&loaded.store, intel, rules);
    Run { loaded, d }
}

fn intel(files: &[(&str, Vec<u8>)]) -> Intel {
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let intel = Intel::from_embedded(&named).unwrap();
    assert!(intel.warnings.is_empty(), "{:?}", intel.warnings);
    intel
}

impl Run {
    fn key(f: &Finding) -> String {
        match &f.form {
            Some(form) => format!("{}/{form}", f.rule),
            None => f.rule.clone(),
        }
    }

    fn labels(&self, dim: Dim, ids: &[u32]) -> String {
        ids.iter().map(|&i| self.loaded.store.label(dim, i).into_owned()).collect::<Vec<_>>().join(", ")
    }

    /// Every finding, one line each, for failure messages.
    fn dump(&self) -> String {
        let mut out = String::new();
        for f in &self.d.findings {
            out.push_str(&format!(
                "\n  {} {} [{}] {} on {} ({} events): {}",
                Run::key(f),
                f.severity,
                self.labels(Dim::Identity, &f.identities),
                self.labels(Dim::CallerIp, &f.caller_ips),
                self.labels(Dim::Vault, &f.vaults),
                f.event_count,
                f.explanation
            ));
        }
        for s in &self.d.skipped {
            out.push_str(&format!("\n  skipped {}: {}", s.rule, s.reason));
        }
        out
    }

    /// The findings of a rule (`KV-17`) or of one form (`KV-01/hourly`).
    fn of(&self, key: &str) -> Vec<&Finding> {
        self.d.findings.iter().filter(|f| Run::key(f) == key).collect()
    }

    /// The one finding of `key`.
    fn one(&self, key: &str) -> &Finding {
        let found = self.of(key);
        assert_eq!(found.len(), 1, "expected one {key} finding; findings:{}", self.dump());
        found[0]
    }

    fn none(&self, key: &str) {
        assert!(self.of(key).is_empty(), "expected no {key} finding; findings:{}", self.dump());
    }

    /// Severity, actors (identity labels), vaults and evidence count.
    fn summary(&self, f: &Finding) -> (Severity, String, String, usize) {
        (f.severity, self.labels(Dim::Identity, &f.identities), self.labels(Dim::Vault, &f.vaults), f.event_count)
    }

    fn ips(&self, f: &Finding) -> String {
        self.labels(Dim::CallerIp, &f.caller_ips)
    }

    fn steps(&self, f: &Finding) -> Vec<u8> {
        f.evidence.iter().map(|e| e.step.unwrap_or(0)).collect()
    }

    fn operations(&self, f: &Finding) -> Vec<String> {
        let store = &self.loaded.store;
        f.evidence
            .iter()
            .map(|e| store.label(Dim::Operation, store.column(Dim::Operation)[e.row as usize]).into_owned())
            .collect()
    }

    fn skipped(&self, key: &str) -> Option<&str> {
        self.d.skipped.iter().find(|s| s.rule == key).map(|s| s.reason.as_str())
    }
}

fn s(text: &str) -> String {
    text.to_string()
}

/// A benign read at the very start and one two days later: stretches the timeline so that the baseline rules
/// (first 20 %, at least a day) judge what happens around day one.
fn stretch(case: &mut Case) {
    let ops = user("ops", "10.1.0.5");
    case.add(ops.at(0, "kv-ops", "SecretGet").secret("ops-token"));
    case.add(ops.at(2 * DAY, "kv-ops", "SecretGet").secret("ops-token"));
}

const MALLORY_IP: &str = "203.0.113.50";

fn mallory() -> Actor {
    user("mallory", MALLORY_IP)
}

fn mallory_upn() -> String {
    s("mallory@contoso.com")
}

// ---------------------------------------------------------------------------------------------------------------
// Reference data

/// Store ticks of `T0 + at` seconds.
fn ticks(at: i64) -> i64 {
    kvtrail::event::Ticks::parse_iso(&iso(at)).unwrap().0
}

/// Azure owns 20.0.0.0/8 (AzureCloud) in these tests.
fn service_tags() -> (&'static str, Vec<u8>) {
    let doc = json!({ "changeNumber": 1, "cloud": "Public", "values": [
        { "name": "AzureCloud", "id": "AzureCloud", "properties": { "region": "", "systemService": "",
          "addressPrefixes": ["20.0.0.0/8"] } }
    ] });
    ("ServiceTags_Public_20260101.json", doc.to_string().into_bytes())
}

/// 198.51.100.0/24 is in NL and AS64500, 203.0.113.0/24 in US and AS64501, 192.0.2.0/24 in NL and AS64502.
fn geo() -> Vec<(&'static str, Vec<u8>)> {
    let country = mmdb::country_db(&[
        ("198.51.100.0/24", "NL", "Netherlands"),
        ("203.0.113.0/24", "US", "United States"),
        ("192.0.2.0/24", "NL", "Netherlands"),
    ])
    .unwrap();
    let asn = mmdb::asn_db(&[
        ("198.51.100.0/24", 64500, "Example NL"),
        ("203.0.113.0/24", 64501, "Example US"),
        ("192.0.2.0/24", 64502, "Example Hosting"),
    ])
    .unwrap();
    vec![("GeoLite2-Country.mmdb", country), ("GeoLite2-ASN.mmdb", asn)]
}

// ---------------------------------------------------------------------------------------------------------------
// KV-01 Mass secret/key retrieval

/// `n` reads of secrets `s0 … s{distinct-1}` in turn, `every` seconds apart from `start`.
fn reads(actor: &Actor, vault: &str, start: i64, every: i64, n: usize, distinct: usize) -> Vec<Audit> {
    (0..n)
        .map(|i| actor.at(start + i as i64 * every, vault, "SecretGet").secret(&format!("s{}", i % distinct)))
        .collect()
}

#[test]
fn kv01_daily_51_reads_of_11_secrets_in_a_day() {
    // 51 reads of 11 secrets, 20 min apart (17 h): more than 50 events and 10 objects within 24 h.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", 0, 20 * MIN, 51, 11));
    let r = detect(&case);
    let f = r.one("KV-01/daily");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 51));
    assert_eq!(r.ips(f), MALLORY_IP);
    r.none("KV-01/hourly");
}

#[test]
fn kv01_daily_near_miss_50_reads() {
    // Exactly 50 reads of 11 secrets: the count must exceed 50.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", 0, 20 * MIN, 50, 11));
    detect(&case).none("KV-01/daily");
}

#[test]
fn kv01_daily_near_miss_51_reads_of_10_secrets() {
    // 51 reads but only 10 distinct objects.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", 0, 20 * MIN, 51, 10));
    detect(&case).none("KV-01/daily");
}

#[test]
fn kv01_hourly_six_distinct_secrets_within_an_hour() {
    // Six different secrets read 5 minutes apart.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", HOUR, 5 * MIN, 6, 6));
    let r = detect(&case);
    let f = r.one("KV-01/hourly");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 6));
    assert_eq!(f.objects.len(), 6);
}

#[test]
fn kv01_hourly_near_miss_five_distinct_secrets() {
    // Eight reads within the hour, but of five secrets only.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", HOUR, 5 * MIN, 8, 5));
    detect(&case).none("KV-01/hourly");
}

#[test]
fn kv01_hourly_near_miss_six_secrets_over_65_minutes() {
    // Six different secrets, 13 minutes apart: never six within one hour.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", HOUR, 13 * MIN, 6, 6));
    detect(&case).none("KV-01/hourly");
}

#[test]
fn kv01_burst_list_and_nine_reads_in_a_minute() {
    // SecretList, then 9 reads of 6 secrets, 5 s apart: 10 calls, 2 operations, 6 objects in a minute.
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretList"));
    case.add_all(reads(&m, "kv-pay", HOUR + 5, 5, 9, 6));
    let r = detect(&case);
    let f = r.one("KV-01/burst");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 10));
    assert!(f.explanation.contains("10 successful list and read calls"), "{}", f.explanation);
}

#[test]
fn kv01_burst_near_miss_a_workload_reading_its_five_secrets() {
    // SecretList and 9 reads, but of only 5 secrets: an application loading its configuration.
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretList"));
    case.add_all(reads(&m, "kv-pay", HOUR + 5, 5, 9, 5));
    detect(&case).none("KV-01/burst");
}

#[test]
fn kv01_burst_near_miss_routine_on_three_days() {
    // The same sweep on three different days is this actor's routine, not an incident.
    let m = mallory();
    let mut case = Case::default();
    for day in 0..3 {
        case.add(m.at(day * DAY + HOUR, "kv-pay", "SecretList"));
        case.add_all(reads(&m, "kv-pay", day * DAY + HOUR + 5, 5, 9, 6));
    }
    detect(&case).none("KV-01/burst");
}

#[test]
fn kv01_burst_near_miss_one_operation_only() {
    // Ten reads of 5 secrets in 50 s, but no list: a single operation kind.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", HOUR, 5, 10, 5));
    detect(&case).none("KV-01/burst");
}

#[test]
fn kv01_burst_near_miss_nine_calls() {
    // SecretList and 8 reads: one call short of 10.
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretList"));
    case.add_all(reads(&m, "kv-pay", HOUR + 5, 5, 8, 5));
    detect(&case).none("KV-01/burst");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-02 List-then-dump

fn list_then_dump(case: &mut Case, at: i64, secrets: &[&str], every: i64) {
    let m = mallory();
    case.add(m.at(at, "kv-pay", "SecretList"));
    for (i, name) in secrets.iter().enumerate() {
        case.add(m.at(at + (i as i64 + 1) * every, "kv-pay", "SecretGet").secret(name));
    }
}

#[test]
fn kv02_list_then_three_distinct_reads() {
    // Day one: SecretList, then three different secrets within 3 minutes, never read here before.
    let mut case = Case::default();
    stretch(&mut case);
    list_then_dump(&mut case, DAY, &["a", "b", "c"], MIN);
    let r = detect(&case);
    let f = r.one("KV-02");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 4));
    assert_eq!(r.steps(f), vec![1, 2, 2, 2]);
    assert!(f.explanation.contains("SecretList → SecretGet"), "{}", f.explanation);
}

#[test]
fn kv02_near_miss_two_distinct_reads() {
    // The third read repeats the first secret: only two distinct objects.
    let mut case = Case::default();
    stretch(&mut case);
    list_then_dump(&mut case, DAY, &["a", "b", "a"], MIN);
    detect(&case).none("KV-02");
}

#[test]
fn kv02_near_miss_reads_after_ten_minutes() {
    // The reads come 4, 8 and 12 minutes after the list: the third is outside the 10-minute window.
    let mut case = Case::default();
    stretch(&mut case);
    list_then_dump(&mut case, DAY, &["a", "b", "c"], 4 * MIN);
    detect(&case).none("KV-02");
}

#[test]
fn kv02_near_miss_identity_already_read_this_vault() {
    // Mallory read a secret of kv-pay in the morning: the afternoon dump is not her first.
    let mut case = Case::default();
    stretch(&mut case);
    case.add(mallory().at(DAY - 6 * HOUR, "kv-pay", "SecretGet").secret("a"));
    list_then_dump(&mut case, DAY, &["a", "b", "c"], MIN);
    detect(&case).none("KV-02");
}

#[test]
fn kv02_short_log_that_starts_with_the_dump_is_reported_or_skipped() {
    // The export covers the attack only: SecretList and three reads, then ten minutes of other traffic.
    let mut case = Case::default();
    list_then_dump(&mut case, 0, &["a", "b", "c"], MIN);
    case.add(user("ops", "10.1.0.5").at(15 * MIN, "kv-ops", "SecretGet").secret("ops-token"));
    let r = detect(&case);
    assert!(!r.of("KV-02").is_empty() || r.skipped("KV-02").is_some(), "silently not judged:{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-03 Access-policy self-grant then read

/// Mallory adds an access policy for herself on kv-pay at `at` (AuditEvent VaultPatch).
fn self_grant(at: i64) -> Audit {
    let m = mallory();
    m.at(at, "kv-pay", "VaultPatch").config(json!({ "enableRbacAuthorization": false })).adds_policy(&m.oid)
}

#[test]
fn kv03_self_grant_then_read_within_the_hour() {
    // VaultPatch adding her own policy, then a secret read 5 minutes later.
    let mut case = Case::default();
    case.add(self_grant(HOUR));
    case.add(mallory().at(HOUR + 5 * MIN, "kv-pay", "SecretGet").secret("db-password"));
    let r = detect(&case);
    let f = r.one("KV-03");
    assert_eq!(r.summary(f), (Severity::Critical, mallory_upn(), s("kv-pay"), 2));
    assert_eq!(r.steps(f), vec![1, 2]);
    assert!(f.explanation.contains("5 min 0 s later"), "{}", f.explanation);
}

#[test]
fn kv03_near_miss_read_after_61_minutes() {
    // The read comes 61 minutes after the grant.
    let mut case = Case::default();
    case.add(self_grant(HOUR));
    case.add(mallory().at(2 * HOUR + MIN, "kv-pay", "SecretGet").secret("db-password"));
    detect(&case).none("KV-03");
}

#[test]
fn kv03_near_miss_grant_to_someone_else() {
    // Mallory grants Bob, then reads herself: not a self-grant.
    let m = mallory();
    let bob = user("bob", "10.1.0.9");
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "VaultPatch").adds_policy(&bob.oid));
    case.add(m.at(HOUR + 5 * MIN, "kv-pay", "SecretGet").secret("db-password"));
    detect(&case).none("KV-03");
}

#[test]
fn kv03_activity_log_access_policies_write_then_read() {
    // The grant seen only in the Activity Log (vaults/accessPolicies/write with her object id), then a list.
    let m = mallory();
    let body = json!({ "properties": { "accessPolicies": [
        { "tenantId": TENANT, "objectId": m.oid, "permissions": { "secrets": ["get", "list"] } }
    ] } });
    let mut case = Case::default();
    case.act(
        m.activity(
            HOUR,
            "Microsoft.KeyVault/vaults/accessPolicies/write",
            &format!("{}/accessPolicies/add", vault_id("kv-pay")),
        )
        .body(body),
    );
    case.add(m.at(HOUR + 2 * MIN, "kv-pay", "SecretList"));
    let r = detect(&case);
    let f = r.one("KV-03");
    assert_eq!(r.summary(f), (Severity::Critical, mallory_upn(), s("kv-pay"), 2));
    assert_eq!(r.operations(f), vec!["Microsoft.KeyVault/vaults/accessPolicies/write", "SecretList"]);
}

// ---------------------------------------------------------------------------------------------------------------
// KV-04 Access policy added and removed quickly

/// Admin grants Bob on kv-pay at HOUR and revokes `revoke_after` seconds later; Bob reads at `bob_reads`.
fn grant_and_revoke(revoke_after: i64, bob_reads: Option<i64>) -> Case {
    let admin = user("admin", "10.1.0.2");
    let bob = user("bob", "10.1.0.9");
    let mut case = Case::default();
    case.add(admin.at(HOUR, "kv-pay", "VaultPatch").adds_policy(&bob.oid));
    if let Some(t) = bob_reads {
        case.add(bob.at(HOUR + t, "kv-pay", "SecretGet").secret("db-password"));
    }
    case.add(admin.at(HOUR + revoke_after, "kv-pay", "VaultPatch").removes_policy(&bob.oid));
    case
}

#[test]
fn kv04_grant_read_revoke_within_ten_minutes_is_high() {
    // Added at 0, Bob reads at 2 min, removed at 5 min: MicroBurst's add → dump → revert.
    let r = detect(&grant_and_revoke(5 * MIN, Some(2 * MIN)));
    let f = r.one("KV-04");
    assert_eq!(r.summary(f), (Severity::High, s("admin@contoso.com, bob@contoso.com"), s("kv-pay"), 3));
    assert_eq!(r.steps(f), vec![1, 2, 3]);
    assert!(f.explanation.contains("for bob@contoso.com"), "{}", f.explanation);
}

#[test]
fn kv04_grant_revoke_without_reads_is_medium() {
    // Added and removed 5 minutes apart, nothing read in between.
    let r = detect(&grant_and_revoke(5 * MIN, None));
    let f = r.one("KV-04");
    assert_eq!(r.summary(f), (Severity::Medium, s("admin@contoso.com"), s("kv-pay"), 2));
    assert_eq!(r.steps(f), vec![1, 3]);
}

#[test]
fn kv04_near_miss_revoked_after_eleven_minutes() {
    // Removed 11 minutes after it was added.
    detect(&grant_and_revoke(11 * MIN, Some(2 * MIN))).none("KV-04");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-05 Permission model downgraded, and its escalation with KV-03

/// A VaultGet showing the vault on Azure RBAC at HOUR, then Mallory's VaultPatch switching to access policies.
fn rbac_downgrade(case: &mut Case, at: i64) {
    let reader = user("reader", "10.1.0.3");
    case.add(reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "enableRbacAuthorization": true })));
    case.add(mallory().at(at, "kv-pay", "VaultPatch").config(json!({ "enableRbacAuthorization": false })));
}

#[test]
fn kv05_rbac_switched_to_access_policies() {
    // RBAC before, access policies after.
    let mut case = Case::default();
    rbac_downgrade(&mut case, 2 * HOUR);
    let r = detect(&case);
    let f = r.one("KV-05");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains("was Azure RBAC before"), "{}", f.explanation);
}

#[test]
fn kv05_near_miss_vault_already_on_access_policies() {
    // A VaultGet shows access policies already; the later VaultPatch restates it.
    let reader = user("reader", "10.1.0.3");
    let mut case = Case::default();
    case.add(reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "enableRbacAuthorization": false })));
    case.add(mallory().at(2 * HOUR, "kv-pay", "VaultPatch").config(json!({ "enableRbacAuthorization": false })));
    detect(&case).none("KV-05");
}

#[test]
fn kv05_then_kv03_within_the_hour_is_critical() {
    // Downgrade, then 10 minutes later a self-grant and a read: the downgrade was the way in.
    let mut case = Case::default();
    rbac_downgrade(&mut case, 2 * HOUR);
    case.add(mallory().at(2 * HOUR + 10 * MIN, "kv-pay", "VaultPatch").adds_policy(&mallory().oid));
    case.add(mallory().at(2 * HOUR + 12 * MIN, "kv-pay", "SecretGet").secret("db-password"));
    let r = detect(&case);
    let f = r.one("KV-05");
    assert_eq!(f.severity, Severity::Critical, "{}", r.dump());
    assert!(f.explanation.contains("(KV-03)"), "{}", f.explanation);
    r.one("KV-03");
}

#[test]
fn kv05_then_kv03_after_61_minutes_stays_high() {
    // The self-grant comes 61 minutes after the downgrade.
    let mut case = Case::default();
    rbac_downgrade(&mut case, 2 * HOUR);
    case.add(mallory().at(3 * HOUR + MIN, "kv-pay", "VaultPatch").adds_policy(&mallory().oid));
    case.add(mallory().at(3 * HOUR + 2 * MIN, "kv-pay", "SecretGet").secret("db-password"));
    let r = detect(&case);
    assert_eq!(r.one("KV-05").severity, Severity::High);
    r.one("KV-03");
}

/// An ARM vaults/write carrying `properties`, refused, then retried successfully 5 minutes later.
fn failed_then_retried(case: &mut Case, vault: &str, properties: serde_json::Value) {
    let body = json!({ "properties": properties });
    let m = mallory();
    case.act(
        m.activity(2 * HOUR, "Microsoft.KeyVault/vaults/write", &vault_id(vault)).body(body.clone()).status("Failed"),
    );
    case.act(m.activity(2 * HOUR + 5 * MIN, "Microsoft.KeyVault/vaults/write", &vault_id(vault)).body(body));
}

#[test]
fn kv05_refused_attempt_then_successful_downgrade() {
    // RBAC on; a downgrade is refused, then retried successfully.
    let reader = user("reader", "10.1.0.3");
    let mut case = Case::default();
    case.add(reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "enableRbacAuthorization": true })));
    failed_then_retried(&mut case, "kv-pay", json!({ "enableRbacAuthorization": false }));
    let r = detect(&case);
    let f = r.one("KV-05");
    assert_eq!(r.operations(f), vec!["Microsoft.KeyVault/vaults/write"]);
    assert!(f.explanation.contains("was Azure RBAC before"), "{}", f.explanation);
}

#[test]
fn kv05_arm_write_switches_rbac_off() {
    // RBAC on; an ARM vaults/write with enableRbacAuthorization false (the control for the refused retry).
    let reader = user("reader", "10.1.0.3");
    let mut case = Case::default();
    case.add(reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "enableRbacAuthorization": true })));
    let body = json!({ "properties": { "enableRbacAuthorization": false } });
    case.act(mallory().activity(2 * HOUR, "Microsoft.KeyVault/vaults/write", &vault_id("kv-pay")).body(body));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-05")), (Severity::High, mallory_upn(), s("kv-pay"), 1));
}

// ---------------------------------------------------------------------------------------------------------------
// KV-06 Portal secret-viewing session

fn portal_session(case: &mut Case, at: i64, gaps: [i64; 3]) {
    let m = mallory().with_app(PORTAL);
    let t = [at, at + gaps[0], at + gaps[0] + gaps[1], at + gaps[0] + gaps[1] + gaps[2]];
    case.add(m.at(t[0], "kv-pay", "VaultGet"));
    case.add(m.at(t[1], "kv-pay", "SecretList"));
    case.add(m.at(t[2], "kv-pay", "SecretListVersions").secret("db-password"));
    case.add(m.at(t[3], "kv-pay", "SecretGet").secret("db-password"));
}

#[test]
fn kv06_vault_list_versions_get_within_five_minutes() {
    // The portal's four steps, 30 s apart, by a user who never read this vault's secrets.
    let mut case = Case::default();
    stretch(&mut case);
    portal_session(&mut case, DAY, [30, 30, 30]);
    let r = detect(&case);
    let f = r.one("KV-06");
    assert_eq!(r.summary(f), (Severity::Medium, mallory_upn(), s("kv-pay"), 4));
    assert_eq!(r.steps(f), vec![1, 2, 3, 4]);
    assert!(f.explanation.contains("Azure Portal"), "{}", f.explanation);
}

#[test]
fn a_watched_object_raises_the_finding_one_level() {
    // The same portal session, on a secret the analyst's watchlist names: Medium becomes High.
    let mut case = Case::default();
    stretch(&mut case);
    portal_session(&mut case, DAY, [30, 30, 30]);
    let watched = intel(&[("watchlist.txt", b"# break-glass and payment secrets\nkv-pay/secrets/db-*\n".to_vec())]);
    let r = detect_intel(&case, &watched);
    let f = r.one("KV-06");
    assert_eq!(f.severity, Severity::High);
    assert!(f.explanation.contains("watchlist (kv-pay/secrets/db-*)"), "{}", f.explanation);
    let unwatched = intel(&[("watchlist.txt", b"secrets/breakglass-*\n".to_vec())]);
    assert_eq!(detect_intel(&case, &unwatched).one("KV-06").severity, Severity::Medium);
}

#[test]
fn kv06_near_miss_gap_over_two_minutes() {
    // The last step comes 2 min 10 s after the previous one (whole session still under 5 minutes).
    let mut case = Case::default();
    stretch(&mut case);
    portal_session(&mut case, DAY, [20, 20, 130]);
    detect(&case).none("KV-06");
}

#[test]
fn kv06_near_miss_wrong_order() {
    // SecretList comes before VaultGet.
    let m = mallory().with_app(PORTAL);
    let mut case = Case::default();
    stretch(&mut case);
    case.add(m.at(DAY, "kv-pay", "SecretList"));
    case.add(m.at(DAY + 30, "kv-pay", "VaultGet"));
    case.add(m.at(DAY + 60, "kv-pay", "SecretListVersions").secret("db-password"));
    case.add(m.at(DAY + 90, "kv-pay", "SecretGet").secret("db-password"));
    detect(&case).none("KV-06");
}

#[test]
fn kv06_near_miss_inside_the_baseline_period() {
    // The same session in the first hour of a two-day case: nothing to be new against.
    let mut case = Case::default();
    stretch(&mut case);
    portal_session(&mut case, HOUR, [30, 30, 30]);
    detect(&case).none("KV-06");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-07 Certificate private-key export

#[test]
fn kv07_certificate_then_same_name_secret() {
    // CertificateGet web-tls, then SecretGet web-tls a minute later: the PFX download.
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "CertificateGet").cert("web-tls"));
    case.add(m.at(HOUR + MIN, "kv-pay", "SecretGet").secret("web-tls"));
    let r = detect(&case);
    let f = r.one("KV-07");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 2));
    assert_eq!(r.steps(f), vec![1, 2]);
    assert_eq!(r.operations(f), vec!["CertificateGet", "SecretGet"]);
}

#[test]
fn kv07_near_miss_other_secret_name() {
    // CertificateGet web-tls, then a different secret.
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "CertificateGet").cert("web-tls"));
    case.add(m.at(HOUR + MIN, "kv-pay", "SecretGet").secret("db-password"));
    detect(&case).none("KV-07");
}

#[test]
fn kv07_near_miss_secret_eleven_minutes_later() {
    // The same-name secret, but 11 minutes after the certificate.
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "CertificateGet").cert("web-tls"));
    case.add(m.at(HOUR + 11 * MIN, "kv-pay", "SecretGet").secret("web-tls"));
    detect(&case).none("KV-07");
}

#[test]
fn kv07_two_interleaved_exports_are_both_found() {
    // Two certificates read, then both same-name secrets, within three minutes.
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "CertificateGet").cert("a"));
    case.add(m.at(HOUR + MIN, "kv-pay", "CertificateGet").cert("b"));
    case.add(m.at(HOUR + 2 * MIN, "kv-pay", "SecretGet").secret("a"));
    case.add(m.at(HOUR + 3 * MIN, "kv-pay", "SecretGet").secret("b"));
    let r = detect(&case);
    let objects: Vec<String> = r.of("KV-07").iter().map(|f| r.labels(Dim::Object, &f.objects)).collect();
    assert!(objects.iter().any(|o| o.contains("certificates/b")), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-08 Cross-vault enumeration with denials

const VAULTS: [&str; 5] = ["kv-a", "kv-b", "kv-c", "kv-d", "kv-e"];

/// `n` denied `operation`s by `actors` in turn, over the first `vaults` of [`VAULTS`], `every` seconds apart.
fn denials(actors: &[Actor], n: usize, vaults: usize, every: i64, code: u16) -> Vec<Audit> {
    (0..n)
        .map(|i| actors[i % actors.len()].at(HOUR + i as i64 * every, VAULTS[i % vaults], "SecretList").status(code))
        .collect()
}

fn scanners() -> Vec<Actor> {
    (0..5).map(|i| user(&format!("scanner{i}"), "198.51.100.66")).collect()
}

#[test]
fn kv08_address_hourly_ten_denials_on_three_vaults() {
    // Five identities behind one address, 10 refusals over 3 vaults in 30 minutes.
    let mut case = Case::default();
    case.add_all(denials(&scanners(), 10, 3, 3 * MIN, 403));
    let r = detect(&case);
    let f = r.one("KV-08/address-hourly");
    assert_eq!((f.severity, r.ips(f), f.vaults.len(), f.event_count), (Severity::Medium, s("198.51.100.66"), 3, 10));
    r.none("KV-08/identity-hourly");
}

#[test]
fn kv08_address_hourly_near_miss_two_vaults() {
    // Ten refusals, but on two vaults.
    let mut case = Case::default();
    case.add_all(denials(&scanners(), 10, 2, 3 * MIN, 403));
    detect(&case).none("KV-08/address-hourly");
}

#[test]
fn kv08_identity_hourly_ten_denials_from_two_addresses() {
    // One identity refused 10 times over 3 vaults, alternating between two addresses (5 each): 401s count too.
    let m = mallory();
    let actors = [m.clone(), m.using_ip("198.51.100.67")];
    let mut case = Case::default();
    case.add_all(denials(&actors, 10, 3, 3 * MIN, 401));
    let r = detect(&case);
    let f = r.one("KV-08/identity-hourly");
    assert_eq!(
        (f.severity, r.labels(Dim::Identity, &f.identities), f.vaults.len(), f.event_count),
        (Severity::Medium, mallory_upn(), 3, 10)
    );
    assert_eq!(f.caller_ips.len(), 2);
    r.none("KV-08/address-hourly");
}

#[test]
fn kv08_identity_hourly_near_miss_nine_denials() {
    // Nine refusals over 3 vaults.
    let mut case = Case::default();
    case.add_all(denials(&[mallory()], 9, 3, 3 * MIN, 403));
    detect(&case).none("KV-08/identity-hourly");
}

#[test]
fn kv08_address_daily_five_vaults_in_a_day() {
    // Ten refusals over 5 vaults, 2 hours apart.
    let mut case = Case::default();
    case.add_all(denials(&[mallory()], 10, 5, 2 * HOUR, 403));
    let r = detect(&case);
    let f = r.one("KV-08/address-daily");
    assert_eq!((f.severity, r.ips(f), f.vaults.len(), f.event_count), (Severity::Medium, s(MALLORY_IP), 5, 10));
    r.none("KV-08/address-hourly");
}

#[test]
fn kv08_address_daily_near_miss_four_vaults() {
    // Refusals on 4 vaults only.
    let mut case = Case::default();
    case.add_all(denials(&[mallory()], 8, 4, 2 * HOUR, 403));
    detect(&case).none("KV-08/address-daily");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-09 Denied → granted flip

fn refused_then_read(refusals: usize, read_after: i64, grant: bool) -> Case {
    let m = mallory();
    let mut case = Case::default();
    for i in 0..refusals {
        case.add(m.at(HOUR + i as i64 * MIN, "kv-pay", "SecretGet").secret("db-password").status(403));
    }
    if grant {
        let admin = user("admin", "10.1.0.2");
        case.add(admin.at(HOUR + 5 * MIN, "kv-pay", "VaultPatch").adds_policy(&m.oid));
    }
    case.add(m.at(HOUR + read_after, "kv-pay", "SecretGet").secret("db-password"));
    case
}

#[test]
fn kv09_three_refusals_then_a_read() {
    // Refused three times, then read 10 minutes later with nothing in between to explain it.
    let r = detect(&refused_then_read(3, 10 * MIN, false));
    let f = r.one("KV-09");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 4));
    assert_eq!(r.steps(f), vec![1, 1, 1, 3]);
    assert!(f.explanation.contains("no access-policy or role change"), "{}", f.explanation);
}

#[test]
fn kv09_refusals_grant_read_dates_the_permission() {
    // Refused three times, an admin grants her, she reads: the grant is step 2.
    let r = detect(&refused_then_read(3, 10 * MIN, true));
    let f = r.one("KV-09");
    assert_eq!(r.steps(f), vec![1, 1, 1, 2, 3]);
    assert!(f.explanation.contains("an access change on the vault came in between"), "{}", f.explanation);
}

#[test]
fn kv09_near_miss_two_refusals() {
    // Only two refusals before the read.
    detect(&refused_then_read(2, 10 * MIN, false)).none("KV-09");
}

#[test]
fn kv09_near_miss_read_after_an_hour() {
    // The read comes 61 minutes after the first refusal.
    detect(&refused_then_read(3, 61 * MIN, false)).none("KV-09");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-10 Firewall-blocked valid identity

#[test]
fn kv10_firewall_denial_from_a_public_address_is_high() {
    // A valid token stopped by the firewall, from an address outside every known range.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretGet").secret("db-password").firewalled());
    let r = detect_intel(&case, &intel(&[service_tags()]));
    let f = r.one("KV-10");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 1));
    assert_eq!(r.ips(f), MALLORY_IP);
}

#[test]
fn kv10_firewall_denial_from_azure_is_medium() {
    // The same denial from an Azure address.
    let mut case = Case::default();
    case.add(mallory().using_ip("20.1.2.3").at(HOUR, "kv-pay", "SecretGet").secret("db-password").firewalled());
    let r = detect_intel(&case, &intel(&[service_tags()]));
    assert_eq!(r.summary(r.one("KV-10")), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv10_near_miss_address_used_successfully_before() {
    // She read from this address an hour earlier: a firewall denial from it is routine.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretGet").secret("db-password"));
    case.add(mallory().at(2 * HOUR, "kv-pay", "SecretGet").secret("db-password").firewalled());
    detect(&case).none("KV-10");
}

#[test]
fn kv10_near_miss_access_policy_denial() {
    // A 403 without the firewall's text: a permission problem, not the network.
    let mut case = Case::default();
    case.add(
        mallory()
            .at(HOUR, "kv-pay", "SecretGet")
            .secret("db-password")
            .status(403)
            .description("Operation get is not allowed on this vault"),
    );
    detect(&case).none("KV-10");
}

#[test]
fn kv10_near_miss_firewall_denial_from_a_private_address() {
    // A VNet address without a service endpoint is refused by the firewall: not a stolen token.
    let mut case = Case::default();
    case.add(mallory().using_ip("10.1.2.3").at(HOUR, "kv-pay", "SecretGet").secret("db-password").firewalled());
    detect_intel(&case, &intel(&[service_tags()])).none("KV-10");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-11 Workload identity used from outside Azure

#[test]
fn kv11_managed_identity_from_outside_azure() {
    // A managed identity reads three secrets from an address that is not Azure.
    let mi = managed("mi-payments", "198.51.100.23");
    let mut case = Case::default();
    case.add_all((0..3).map(|i| mi.at(HOUR + i * MIN, "kv-pay", "SecretGet").secret(&format!("s{i}"))));
    let r = detect_intel(&case, &intel(&[service_tags()]));
    let f = r.one("KV-11");
    assert_eq!(r.summary(f), (Severity::High, s("mi-payments"), s("kv-pay"), 3));
    assert!(f.explanation.contains("managed identity"), "{}", f.explanation);
}

#[test]
fn kv11_near_miss_managed_identity_from_azure() {
    // The same reads from an AzureCloud address.
    let mi = managed("mi-payments", "20.1.2.3");
    let mut case = Case::default();
    case.add(mi.at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    detect_intel(&case, &intel(&[service_tags()])).none("KV-11");
}

#[test]
fn kv11_near_miss_user_from_outside_azure() {
    // A person outside Azure is normal.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    detect_intel(&case, &intel(&[service_tags()])).none("KV-11");
}

#[test]
fn kv11_without_service_tags_is_skipped() {
    // No service-tags file: the rule says why it did not run.
    let mut case = Case::default();
    case.add(managed("mi-payments", "198.51.100.23").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    r.none("KV-11");
    assert!(r.skipped("KV-11").is_some_and(|why| why.contains("service tags")), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-12 Token issued to one IP, used from another

#[test]
fn kv12_token_from_another_network_with_asn_data_is_high() {
    // Token issued to 198.51.100.10 (AS64500), used from 203.0.113.20 (AS64501).
    let m = mallory().using_ip("203.0.113.20").token_from("198.51.100.10");
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    case.add(m.at(HOUR + MIN, "kv-pay", "SecretGet").secret("s1"));
    let r = detect_intel(&case, &intel(&geo()));
    let f = r.one("KV-12");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 2));
    assert!(f.explanation.contains("AS64500 vs AS64501"), "{}", f.explanation);
}

#[test]
fn kv12_without_geo_data_compares_prefixes_and_is_medium() {
    // No ASN / GeoIP data: different /16 prefixes still count, at Medium.
    let m = mallory().using_ip("203.0.113.20").token_from("198.51.100.10");
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-12")), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv12_near_miss_same_slash_24() {
    // Token issued to .10, used from .77 of the same /24.
    let m = mallory().using_ip("198.51.100.77").token_from("198.51.100.10");
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    detect_intel(&case, &intel(&geo())).none("KV-12");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-13 One identity from several countries

#[test]
fn kv13_two_countries_within_an_hour() {
    // NL, then US 20 minutes later.
    let mut case = Case::default();
    case.add(mallory().using_ip("198.51.100.10").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    case.add(mallory().using_ip("203.0.113.20").at(HOUR + 20 * MIN, "kv-pay", "SecretGet").secret("s1"));
    let r = detect_intel(&case, &intel(&geo()));
    let f = r.one("KV-13");
    assert_eq!(r.summary(f), (Severity::Medium, mallory_upn(), s("kv-pay"), 2));
    assert!(f.explanation.contains("NL, US"), "{}", f.explanation);
}

#[test]
fn kv13_near_miss_countries_61_minutes_apart() {
    // NL, then US 61 minutes later.
    let mut case = Case::default();
    case.add(mallory().using_ip("198.51.100.10").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    case.add(mallory().using_ip("203.0.113.20").at(2 * HOUR + MIN, "kv-pay", "SecretGet").secret("s1"));
    detect_intel(&case, &intel(&geo())).none("KV-13");
}

#[test]
fn kv13_without_geo_data_is_skipped() {
    // No GeoIP or ASN database.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    assert!(r.skipped("KV-13").is_some_and(|why| why.contains("GeoLite2")), "{}", r.dump());
}

#[test]
fn kv13_impossible_speed_between_cities() {
    // Amsterdam, then Sydney two hours later.
    let city = mmdb::city_db(&[
        ("198.51.100.0/24", "NL", "Amsterdam", 52.37, 4.90),
        ("203.0.113.0/24", "AU", "Sydney", -33.87, 151.21),
    ])
    .unwrap();
    let mut case = Case::default();
    case.add(mallory().using_ip("198.51.100.10").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    case.add(mallory().using_ip("203.0.113.20").at(3 * HOUR, "kv-pay", "SecretGet").secret("s1"));
    let r = detect_intel(&case, &intel(&[("GeoLite2-City.mmdb", city)]));
    assert_eq!(r.one("KV-13").event_count, 2, "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-14 Access from Tor exit node

const TOR_EXIT: &str = "185.220.101.5";

fn tor_bulk() -> Intel {
    intel(&[("tor-exit-nodes.txt", format!("{TOR_EXIT}\n").into_bytes())])
}

#[test]
fn kv14_successful_read_from_tor_is_high() {
    // A read and a refusal from a Tor exit.
    let m = mallory().using_ip(TOR_EXIT);
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    case.add(m.at(HOUR + MIN, "kv-pay", "SecretGet").secret("s1").status(403));
    let r = detect_intel(&case, &tor_bulk());
    let f = r.one("KV-14");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 2));
    assert!(f.explanation.contains("(1 succeeded, 1 refused)"), "{}", f.explanation);
}

#[test]
fn kv14_only_denied_from_tor_is_medium() {
    // Every call from the Tor exit was refused.
    let m = mallory().using_ip(TOR_EXIT);
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretGet").secret("s0").status(403));
    let r = detect_intel(&case, &tor_bulk());
    assert_eq!(r.summary(r.one("KV-14")), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv14_near_miss_address_was_an_exit_days_earlier() {
    // exit-addresses saw the relay exiting three days before the read: outside the ±24 h window.
    let m = mallory().using_ip(TOR_EXIT);
    let mut case = Case::default();
    case.add(m.at(4 * DAY, "kv-pay", "SecretGet").secret("s0"));
    let list = gen_intel::exit_addresses(
        ticks(DAY + HOUR),
        &[gen_intel::ExitNode {
            fingerprint: gen_intel::fingerprint(1),
            published: ticks(DAY - HOUR),
            last_status: ticks(DAY),
            addresses: vec![(TOR_EXIT.parse().unwrap(), ticks(DAY))],
        }],
    );
    let r = detect_intel(&case, &intel(&[("exit-addresses.txt", list.into_bytes())]));
    r.none("KV-14");
    assert!(r.skipped("KV-14").is_none());
}

#[test]
fn kv14_without_tor_list_is_skipped() {
    // No Tor list.
    let mut case = Case::default();
    case.add(mallory().using_ip(TOR_EXIT).at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    r.none("KV-14");
    assert!(r.skipped("KV-14").is_some_and(|why| why.contains("Tor exit list")), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-15 Access from VPN / VPS / hosting network

fn vps() -> (&'static str, Vec<u8>) {
    ("vps-networks.csv", b"network,provider\n192.0.2.0/24,Example VPS\n".to_vec())
}

#[test]
fn kv15_read_from_a_vps_range() {
    // A read from an address in the VPS list.
    let mut case = Case::default();
    case.add(mallory().using_ip("192.0.2.44").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect_intel(&case, &intel(&[vps()]));
    let f = r.one("KV-15");
    assert_eq!(r.summary(f), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains("a VPS provider range"), "{}", f.explanation);
}

#[test]
fn kv15_read_from_a_hosting_asn() {
    // No VPS list, but the address's ASN is on the hosting list.
    let mut files = geo();
    files.push(("hosting-asns.txt", b"AS64502\n".to_vec()));
    let mut case = Case::default();
    case.add(mallory().using_ip("192.0.2.44").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect_intel(&case, &intel(&files));
    let f = r.one("KV-15");
    assert!(f.explanation.contains("AS64502 Example Hosting"), "{}", f.explanation);
}

#[test]
fn kv15_near_miss_refused_from_a_vps_range() {
    // The call from the VPS range was refused: only successful access counts.
    let mut case = Case::default();
    case.add(mallory().using_ip("192.0.2.44").at(HOUR, "kv-pay", "SecretGet").secret("s0").status(403));
    detect_intel(&case, &intel(&[vps()])).none("KV-15");
}

#[test]
fn kv15_near_miss_address_outside_the_list() {
    // A read from an address the list does not name.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    detect_intel(&case, &intel(&[vps()])).none("KV-15");
}

#[test]
fn kv15_without_reference_data_is_skipped() {
    // Neither a VPS list nor hosting ASNs.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    assert!(r.skipped("KV-15").is_some_and(|why| why.contains("vps-networks.csv")), "{}", r.dump());
}

#[test]
fn kv15_near_miss_identity_always_on_that_vps() {
    // Mallory reads from the VPS range in the baseline and every day after.
    let m = mallory().using_ip("192.0.2.44");
    let mut case = Case::default();
    case.add_all((0..3).map(|d| m.at(d * DAY + HOUR, "kv-pay", "SecretGet").secret("s0")));
    let r = detect_intel(&case, &intel(&[vps()]));
    assert!(r.of("KV-15").iter().all(|f| f.first < ticks(DAY)), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-16 Threat-intel IP

fn threat_list() -> Intel {
    let text = gen_intel::threat_list(&[gen_intel::ThreatEntry {
        network: "203.0.113.0/24",
        valid_from: Some(ticks(0)),
        valid_until: Some(ticks(2 * DAY)),
        description: "botnet C2",
    }]);
    intel(&[("threat-intel.csv", text.into_bytes())])
}

#[test]
fn kv16_successful_call_from_listed_address_is_high() {
    // A read from an address on the threat list, while the indicator is valid.
    let mut case = Case::default();
    case.add(mallory().at(DAY, "kv-pay", "SecretGet").secret("s0"));
    let r = detect_intel(&case, &threat_list());
    let f = r.one("KV-16");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 1));
    assert_eq!(r.ips(f), MALLORY_IP);
    assert!(f.explanation.contains("botnet C2"), "{}", f.explanation);
}

#[test]
fn kv16_only_denied_is_low() {
    // Every call from the listed address was refused.
    let mut case = Case::default();
    case.add(mallory().at(DAY, "kv-pay", "SecretGet").secret("s0").status(403));
    let r = detect_intel(&case, &threat_list());
    assert_eq!(r.one("KV-16").severity, Severity::Low);
}

#[test]
fn kv16_near_miss_indicator_expired() {
    // The read comes a day after the indicator expired.
    let mut case = Case::default();
    case.add(mallory().at(3 * DAY, "kv-pay", "SecretGet").secret("s0"));
    detect_intel(&case, &threat_list()).none("KV-16");
}

#[test]
fn kv16_without_threat_list_is_skipped() {
    // No threat-intel list.
    let mut case = Case::default();
    case.add(mallory().at(DAY, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    assert!(r.skipped("KV-16").is_some_and(|why| why.contains("threat-intel")), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-17 New principal for vault

#[test]
fn kv17_new_identity_reads_a_secret_after_the_baseline() {
    // Day one: a newcomer reads a secret of kv-pay, which only ops used during the baseline.
    let mut case = Case::default();
    stretch(&mut case);
    case.add(user("ops", "10.1.0.5").at(HOUR, "kv-pay", "SecretGet").secret("db-password"));
    case.add(mallory().at(DAY, "kv-pay", "SecretGet").secret("db-password"));
    let r = detect(&case);
    let f = r.one("KV-17");
    // Novelty alone is Low; it becomes Medium only inside an incident with other findings.
    assert_eq!(r.summary(f), (Severity::Low, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains("read secrets or certificates"), "{}", f.explanation);
}

#[test]
fn kv17_new_identity_only_listing_is_low() {
    // The newcomer only lists.
    let mut case = Case::default();
    stretch(&mut case);
    case.add(mallory().at(DAY, "kv-pay", "SecretList"));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-17")), (Severity::Low, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv17_near_miss_identity_known_from_the_baseline() {
    // Mallory already read kv-pay in the first hour (inside the first 20 % of the case).
    let mut case = Case::default();
    stretch(&mut case);
    case.add(mallory().at(HOUR, "kv-pay", "SecretGet").secret("db-password"));
    case.add(mallory().at(DAY, "kv-pay", "SecretGet").secret("db-password"));
    detect(&case).none("KV-17");
}

#[test]
fn kv17_case_shorter_than_a_day_is_skipped() {
    // Twelve hours of logs: no baseline to compare with.
    let mut case = Case::default();
    case.add(user("ops", "10.1.0.5").at(0, "kv-pay", "SecretGet").secret("db-password"));
    case.add(mallory().at(12 * HOUR, "kv-pay", "SecretGet").secret("db-password"));
    let r = detect(&case);
    r.none("KV-17");
    assert!(r.skipped("KV-17").is_some_and(|why| why.contains("less than a day")), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-18 Unusual client application

#[test]
fn kv18_teams_token_reads_a_secret() {
    // A read with a Microsoft Teams token (a FOCI app).
    let mut case = Case::default();
    case.add(mallory().with_app(TEAMS).at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    let f = r.one("KV-18");
    assert_eq!(r.summary(f), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains(TEAMS), "{}", f.explanation);
}

#[test]
fn kv18_near_miss_azure_cli_token() {
    // The same read with the Azure CLI.
    let mut case = Case::default();
    case.add(mallory().with_app(AZURE_CLI).at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    detect(&case).none("KV-18");
}

#[test]
fn kv18_near_miss_teams_token_refused() {
    // The Teams token was refused: nothing was read.
    let mut case = Case::default();
    case.add(mallory().with_app(TEAMS).at(HOUR, "kv-pay", "SecretGet").secret("s0").status(403));
    detect(&case).none("KV-18");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-19 Scripted / offensive client

#[test]
fn kv19_python_requests_user_agent() {
    // A read with python-requests.
    let m = mallory().with_agent("python-requests/2.31.0");
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    let f = r.one("KV-19");
    assert_eq!(r.summary(f), (Severity::Low, mallory_upn(), s("kv-pay"), 1));
    assert_eq!(r.ips(f), MALLORY_IP);
}

#[test]
fn kv19_near_miss_python_sdk_user_agent() {
    // The Azure SDK for Python mentions Python, but is not a scripting client.
    let m = mallory().with_agent("azsdk-python-keyvault-secrets/4.8.0 Python/3.11.8 (Linux-6.5)");
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    detect(&case).none("KV-19");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-20 Volume anomaly

/// `per_hour` reads an hour by a workload for 30 hours, then `burst` reads in hour 30.
fn steady_then_burst(per_hour: i64, burst: i64) -> Case {
    let w = app("svc-web", "10.2.0.4");
    let mut case = Case::default();
    for h in 0..30 {
        case.add_all(
            (0..per_hour).map(|i| w.at(h * HOUR + i * (HOUR / per_hour), "kv-web", "SecretGet").secret("conn")),
        );
    }
    case.add_all((0..burst).map(|i| w.at(30 * HOUR + i * 30, "kv-web", "SecretGet").secret("conn")));
    case
}

#[test]
fn kv20_hour_far_above_the_usual_rate() {
    // 10 reads an hour for 30 hours, then 100 in one hour: both the vault and the identity are anomalous.
    let r = detect(&steady_then_burst(10, 100));
    let found = r.of("KV-20");
    assert_eq!(found.len(), 2, "{}", r.dump());
    let w = app("svc-web", "10.2.0.4");
    for f in found {
        assert_eq!(r.summary(f), (Severity::Medium, w.label(), s("kv-web"), 100));
    }
    let per: Vec<bool> = ["vault", "identity"]
        .iter()
        .map(|p| r.of("KV-20").iter().any(|f| f.explanation.contains(&format!("for this {p}"))))
        .collect();
    assert_eq!(per, vec![true, true], "{}", r.dump());
}

#[test]
fn kv20_near_miss_baseline_mean_of_five() {
    // 5 reads an hour: a baseline mean of 5 is not above 5.
    detect(&steady_then_burst(5, 100)).none("KV-20");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-21 Identity fans out across many vaults

/// Mallory reads one secret in each of the first `n` of [`VAULTS`] on `day`.
fn vault_tour(case: &mut Case, day: i64, n: usize) {
    for (i, v) in VAULTS.iter().take(n).enumerate() {
        case.add(mallory().at(day * DAY + HOUR + i as i64 * MIN, v, "SecretGet").secret("s0"));
    }
}

#[test]
fn kv21_three_vaults_on_a_first_day() {
    // Three vaults on the only day she is seen.
    let mut case = Case::default();
    vault_tour(&mut case, 0, 3);
    let r = detect(&case);
    let f = r.one("KV-21");
    assert_eq!(
        (f.severity, r.labels(Dim::Identity, &f.identities), f.vaults.len(), f.event_count),
        (Severity::Medium, mallory_upn(), 3, 3)
    );
    assert!(f.explanation.contains("no earlier day"), "{}", f.explanation);
}

#[test]
fn kv21_near_miss_two_vaults_on_a_first_day() {
    // Two vaults.
    let mut case = Case::default();
    vault_tour(&mut case, 0, 2);
    detect(&case).none("KV-21");
}

#[test]
fn kv21_five_vaults_after_a_day_of_one() {
    // One vault on day 0, five on day 1: five and five times the usual.
    let mut case = Case::default();
    vault_tour(&mut case, 0, 1);
    vault_tour(&mut case, 1, 5);
    let r = detect(&case);
    let f = r.one("KV-21");
    assert_eq!((f.vaults.len(), f.event_count), (5, 5));
    assert!(f.explanation.contains("1.0 a day before"), "{}", f.explanation);
}

#[test]
fn kv21_near_miss_five_vaults_after_a_day_of_two() {
    // Two vaults on day 0, five on day 1: less than three times the usual.
    let mut case = Case::default();
    vault_tour(&mut case, 0, 2);
    vault_tour(&mut case, 1, 5);
    detect(&case).none("KV-21");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-22 Bulk deletion

fn deletions(n: usize, every: i64) -> Case {
    let mut case = Case::default();
    case.add_all(
        (0..n).map(|i| mallory().at(HOUR + i as i64 * every, "kv-pay", "SecretDelete").secret(&format!("s{i}"))),
    );
    case
}

#[test]
fn kv22_bulk_six_deletions_within_an_hour() {
    // Six secrets deleted 5 minutes apart.
    let r = detect(&deletions(6, 5 * MIN));
    let f = r.one("KV-22/bulk");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 6));
}

#[test]
fn kv22_bulk_near_miss_five_deletions() {
    // Five deletions: the count must exceed 5.
    detect(&deletions(5, 5 * MIN)).none("KV-22/bulk");
}

#[test]
fn kv22_bulk_near_miss_six_deletions_over_two_hours() {
    // Six deletions, 20 minutes apart: never six within an hour.
    detect(&deletions(6, 20 * MIN)).none("KV-22/bulk");
}

#[test]
fn kv22_vault_deleted_in_the_resource_log() {
    // VaultDelete succeeded.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "VaultDelete"));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-22/vault")), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv22_vault_deleted_in_the_activity_log() {
    // Microsoft.KeyVault/vaults/delete, Succeeded.
    let mut case = Case::default();
    case.act(mallory().activity(HOUR, "Microsoft.KeyVault/vaults/delete", &vault_id("kv-pay")));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-22/vault")), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv22_vault_near_miss_delete_refused() {
    // VaultDelete refused, and an Activity Log delete that failed.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "VaultDelete").status(403));
    case.act(mallory().activity(HOUR + MIN, "Microsoft.KeyVault/vaults/delete", &vault_id("kv-pay")).status("Failed"));
    detect(&case).none("KV-22/vault");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-23 Purge

#[test]
fn kv23_secret_purged() {
    // SecretPurge succeeded.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretPurge").secret("db-password"));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-23")), (Severity::Critical, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv23_failed_purge_attempt_counts() {
    // KeyPurge refused by purge protection (409) still fires.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "KeyPurge").key("cmk").status(409));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-23")), (Severity::Critical, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv23_deleted_vault_purged_in_the_activity_log() {
    // Microsoft.KeyVault/locations/deletedVaults/purge/action on a deleted vault.
    let id =
        format!("/subscriptions/{SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-old");
    let mut case = Case::default();
    case.act(mallory().activity(HOUR, "Microsoft.KeyVault/locations/deletedVaults/purge/action", &id));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-23")), (Severity::Critical, mallory_upn(), s("kv-old"), 1));
}

#[test]
fn kv23_near_miss_delete_and_read_deleted() {
    // A delete and a read of the deleted secret: no purge.
    let mut case = Case::default();
    case.add(mallory().at(HOUR, "kv-pay", "SecretDelete").secret("db-password"));
    case.add(mallory().at(HOUR + MIN, "kv-pay", "SecretGetDeleted").secret("db-password"));
    detect(&case).none("KV-23");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-24 Backup by an unexpected caller

/// svc-backup backs up in the baseline and at the end; the case spans two days.
fn backup_job(case: &mut Case) {
    let job = app("svc-backup", "10.2.0.9");
    case.add(job.at(HOUR, "kv-pay", "SecretBackup").secret("db-password"));
    case.add(job.at(2 * DAY, "kv-pay", "SecretBackup").secret("db-password"));
}

fn backups(who: &Actor, n: usize) -> Vec<Audit> {
    (0..n).map(|i| who.at(DAY + i as i64 * MIN, "kv-pay", "SecretBackup").secret(&format!("s{i}"))).collect()
}

#[test]
fn kv24_five_backups_by_a_stranger_is_high() {
    // Mallory backs up five secrets within five minutes.
    let mut case = Case::default();
    backup_job(&mut case);
    case.add_all(backups(&mallory(), 5));
    let r = detect(&case);
    let f = r.one("KV-24");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 5));
    assert!(f.explanation.contains("backed up 5 objects"), "{}", f.explanation);
}

#[test]
fn kv24_one_backup_by_a_stranger_is_medium() {
    // Mallory backs up one secret.
    let mut case = Case::default();
    backup_job(&mut case);
    case.add_all(backups(&mallory(), 1));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-24")), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv24_backup_then_restore_into_another_vault_is_critical() {
    // Mallory backs up s0 in kv-pay and restores it into kv-evil two hours later.
    let mut case = Case::default();
    backup_job(&mut case);
    case.add_all(backups(&mallory(), 1));
    case.add(mallory().at(DAY + 2 * HOUR, "kv-evil", "SecretRestore").secret("s0"));
    let r = detect(&case);
    let f = r.one("KV-24");
    assert_eq!(r.summary(f), (Severity::Critical, mallory_upn(), s("kv-pay, kv-evil"), 2));
    assert_eq!(r.steps(f), vec![1, 2]);
}

#[test]
fn kv24_near_miss_restore_into_the_same_vault() {
    // The restore goes back into kv-pay: not elsewhere.
    let mut case = Case::default();
    backup_job(&mut case);
    case.add_all(backups(&mallory(), 1));
    case.add(mallory().at(DAY + 2 * HOUR, "kv-pay", "SecretRestore").secret("s0"));
    assert_eq!(detect(&case).one("KV-24").severity, Severity::Medium);
}

#[test]
fn kv24_near_miss_the_backup_job_itself() {
    // The job that backed up during the baseline backs up five secrets.
    let mut case = Case::default();
    backup_job(&mut case);
    case.add_all(backups(&app("svc-backup", "10.2.0.9"), 5));
    detect(&case).none("KV-24");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-25 Soft-delete recovery

fn deleted_then_recovered(deleter: &Actor, recoverer: &Actor, code: u16) -> Case {
    let mut case = Case::default();
    case.add(deleter.at(HOUR, "kv-pay", "SecretDelete").secret("db-password"));
    case.add(recoverer.at(2 * HOUR, "kv-pay", "SecretRecover").secret("db-password").status(code));
    case
}

#[test]
fn kv25_recovered_by_someone_else_is_high() {
    // Alice deletes a secret; Mallory recovers it.
    let r = detect(&deleted_then_recovered(&user("alice", "10.1.0.7"), &mallory(), 200));
    let f = r.one("KV-25");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains("someone other than who deleted it"), "{}", f.explanation);
}

#[test]
fn kv25_recovered_by_the_deleter_is_medium() {
    // Alice deletes and recovers her own secret.
    let alice = user("alice", "10.1.0.7");
    let r = detect(&deleted_then_recovered(&alice, &alice, 200));
    assert_eq!(r.summary(r.one("KV-25")), (Severity::Medium, s("alice@contoso.com"), s("kv-pay"), 1));
}

#[test]
fn kv25_near_miss_recovery_refused() {
    // Mallory's recovery was refused.
    detect(&deleted_then_recovered(&user("alice", "10.1.0.7"), &mallory(), 403)).none("KV-25");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-26 Key Vault logging disabled or gapped

#[test]
fn kv26_diagnostic_setting_deleted() {
    // The vault's diagnostic setting is deleted.
    let mut case = Case::default();
    case.act(mallory().activity(HOUR, "Microsoft.Insights/diagnosticSettings/delete", &diagnostic_id("kv-pay")));
    let r = detect(&case);
    let f = r.one("KV-26");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains("deleted a diagnostic setting"), "{}", f.explanation);
}

#[test]
fn kv26_diagnostic_setting_rewritten_without_audit_event() {
    // The setting is rewritten with AuditEvent disabled.
    let body = json!({ "properties": { "logs": [{ "category": "AuditEvent", "enabled": false }] } });
    let mut case = Case::default();
    case.act(
        mallory().activity(HOUR, "Microsoft.Insights/diagnosticSettings/write", &diagnostic_id("kv-pay")).body(body),
    );
    let r = detect(&case);
    assert!(r.one("KV-26").explanation.contains("no longer collects AuditEvent"), "{}", r.dump());
}

#[test]
fn kv26_near_miss_diagnostic_setting_keeps_audit_logs() {
    // The setting is rewritten with the audit category group enabled, and a delete that failed.
    let body = json!({ "properties": { "logs": [{ "categoryGroup": "audit", "enabled": true }] } });
    let mut case = Case::default();
    case.act(
        mallory().activity(HOUR, "Microsoft.Insights/diagnosticSettings/write", &diagnostic_id("kv-pay")).body(body),
    );
    case.act(
        mallory()
            .activity(2 * HOUR, "Microsoft.Insights/diagnosticSettings/delete", &diagnostic_id("kv-pay"))
            .status("Failed"),
    );
    detect(&case).none("KV-26");
}

/// kv-web emits a read every 30 minutes for 6 hours, then nothing until hour 14; `admin` may act at hour 9.
fn silence(control_plane_in_between: bool) -> Case {
    let w = app("svc-web", "10.2.0.4");
    let mut case = Case::default();
    case.add_all((0..=12).map(|i| w.at(i * 30 * MIN, "kv-web", "SecretGet").secret("conn")));
    if control_plane_in_between {
        case.act(mallory().activity(9 * HOUR, "Microsoft.KeyVault/vaults/write", &vault_id("kv-web")));
    }
    case.add(w.at(14 * HOUR, "kv-web", "SecretGet").secret("conn"));
    case
}

#[test]
fn kv26_busy_vault_silent_while_the_control_plane_acts() {
    // Eight hours without data-plane events while a vault write happens: a gap, at Medium.
    let r = detect(&silence(true));
    let f = r.one("KV-26");
    assert_eq!((f.severity, r.labels(Dim::Vault, &f.vaults)), (Severity::Medium, s("kv-web")));
    assert!(f.explanation.contains("went silent on the data plane for 8 h 0 min"), "{}", f.explanation);
}

#[test]
fn kv26_near_miss_quiet_vault_without_control_plane_activity() {
    // The same silence, but nothing happened on the control plane.
    detect(&silence(false)).none("KV-26");
}

#[test]
fn kv26_begin_and_end_records_of_one_deletion_are_one_finding() {
    // The Activity Log's Started and Succeeded records of one deletion.
    let mut case = Case::default();
    let m = mallory();
    case.act(
        m.activity(HOUR, "Microsoft.Insights/diagnosticSettings/delete", &diagnostic_id("kv-pay")).status("Started"),
    );
    case.act(m.activity(HOUR + 5, "Microsoft.Insights/diagnosticSettings/delete", &diagnostic_id("kv-pay")));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-26")), (Severity::High, mallory_upn(), s("kv-pay"), 2));
}

// ---------------------------------------------------------------------------------------------------------------
// KV-27 Network exposure widened

fn firewall_state(case: &mut Case, default_action: &str) {
    let reader = user("reader", "10.1.0.3");
    case.add(
        reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "networkAcls": { "defaultAction": default_action } })),
    );
}

#[test]
fn kv27_default_action_deny_to_allow() {
    // The firewall was Deny; a VaultPatch sets Allow.
    let mut case = Case::default();
    firewall_state(&mut case, "Deny");
    case.add(
        mallory().at(2 * HOUR, "kv-pay", "VaultPatch").config(json!({ "networkAcls": { "defaultAction": "Allow" } })),
    );
    let r = detect(&case);
    let f = r.one("KV-27");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains("networkAcls.defaultAction Deny → Allow"), "{}", f.explanation);
}

#[test]
fn kv27_near_miss_restating_an_open_vault() {
    // The vault was already Allow; the VaultPatch restates it and adds no rule.
    let mut case = Case::default();
    firewall_state(&mut case, "Allow");
    case.add(
        mallory().at(2 * HOUR, "kv-pay", "VaultPatch").config(json!({ "networkAcls": { "defaultAction": "Allow" } })),
    );
    detect(&case).none("KV-27");
}

/// Mallory allows her own address at 2 h and reads from it `read_after` seconds later.
fn allow_own_address(read_after: i64) -> Case {
    let mut case = Case::default();
    firewall_state(&mut case, "Deny");
    let patch = json!({ "networkAcls": { "defaultAction": "Deny", "ipRules": [{ "value": "203.0.113.50/32" }] } });
    case.add(mallory().at(2 * HOUR, "kv-pay", "VaultPatch").config(patch).adds_ip_rule("203.0.113.50/32"));
    case.add(mallory().at(2 * HOUR + read_after, "kv-pay", "SecretGet").secret("db-password"));
    case
}

/// The analyst's known ranges: what makes an added rule "not a known range".
fn corporate_egress() -> Intel {
    intel(&[("egress.txt", b"192.0.2.0/24\n".to_vec())])
}

#[test]
fn kv27_new_ip_rule_then_read_from_it_is_critical() {
    // A /32 allow rule for an address outside the known ranges, and a read from it 10 minutes later.
    let r = detect_intel(&allow_own_address(10 * MIN), &corporate_egress());
    let f = r.one("KV-27");
    assert_eq!(r.summary(f), (Severity::Critical, mallory_upn(), s("kv-pay"), 2));
    assert_eq!(r.steps(f), vec![1, 2]);
    assert!(f.explanation.contains("allowed 203.0.113.50/32 (not a known range)"), "{}", f.explanation);
}

#[test]
fn kv27_new_ip_rule_read_after_61_minutes_stays_high() {
    // The read from the new address comes 61 minutes later.
    let r = detect_intel(&allow_own_address(61 * MIN), &corporate_egress());
    assert_eq!(r.summary(r.one("KV-27")), (Severity::High, mallory_upn(), s("kv-pay"), 1));
}

#[test]
fn kv27_near_miss_rule_inside_known_egress() {
    // The added address is in the analyst's egress ranges.
    let egress = intel(&[("egress.txt", b"203.0.113.0/24\n".to_vec())]);
    let mut case = Case::default();
    firewall_state(&mut case, "Deny");
    case.add(
        mallory()
            .at(2 * HOUR, "kv-pay", "VaultPatch")
            .config(json!({ "networkAcls": { "defaultAction": "Deny" } }))
            .adds_ip_rule("203.0.113.50/32"),
    );
    detect_intel(&case, &egress).none("KV-27");
}

#[test]
fn kv27_private_endpoint_deleted() {
    // A private endpoint connection of the vault is deleted (Activity Log).
    let mut case = Case::default();
    let id = format!("{}/privateEndpointConnections/pe-kv-pay.1234", vault_id("kv-pay"));
    case.act(mallory().activity(HOUR, "Microsoft.KeyVault/vaults/privateEndpointConnections/delete", &id));
    let r = detect(&case);
    assert!(r.one("KV-27").explanation.contains("private endpoint connection deleted"), "{}", r.dump());
}

#[test]
fn kv27_public_network_access_enabled() {
    // publicNetworkAccess was Disabled; an ARM write enables it.
    let reader = user("reader", "10.1.0.3");
    let mut case = Case::default();
    case.add(reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "publicNetworkAccess": "Disabled" })));
    let body = json!({ "properties": { "publicNetworkAccess": "Enabled" } });
    case.act(mallory().activity(2 * HOUR, "Microsoft.KeyVault/vaults/write", &vault_id("kv-pay")).body(body));
    let r = detect(&case);
    assert!(r.one("KV-27").explanation.contains("publicNetworkAccess Disabled → Enabled"), "{}", r.dump());
}

#[test]
fn kv27_arm_write_allowing_everyone() {
    // The firewall allowed one /24; an ARM PUT keeps Deny but adds 0.0.0.0/0 to ipRules.
    let reader = user("reader", "10.1.0.3");
    let acls = |rules: &[&str]| {
        let rules: Vec<_> = rules.iter().map(|r| json!({ "value": r })).collect();
        json!({ "defaultAction": "Deny", "ipRules": rules })
    };
    let mut case = Case::default();
    case.add(reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "networkAcls": acls(&["198.51.100.0/24"]) })));
    let body = json!({ "properties": { "networkAcls": acls(&["198.51.100.0/24", "0.0.0.0/0"]) } });
    case.act(mallory().activity(2 * HOUR, "Microsoft.KeyVault/vaults/write", &vault_id("kv-pay")).body(body));
    let r = detect(&case);
    assert!(r.one("KV-27").explanation.contains("0.0.0.0/0"), "{}", r.dump());
}

#[test]
fn kv27_refused_attempt_then_successful_opening() {
    // Firewall Deny; opening it is refused, then retried successfully.
    let mut case = Case::default();
    firewall_state(&mut case, "Deny");
    failed_then_retried(&mut case, "kv-pay", json!({ "networkAcls": { "defaultAction": "Allow" } }));
    let r = detect(&case);
    assert!(r.one("KV-27").explanation.contains("Deny → Allow"), "{}", r.dump());
}

#[test]
fn kv27_arm_write_opens_the_firewall() {
    // Firewall Deny; an ARM vaults/write sets Allow (the control for the refused retry).
    let mut case = Case::default();
    firewall_state(&mut case, "Deny");
    let body = json!({ "properties": { "networkAcls": { "defaultAction": "Allow" } } });
    case.act(mallory().activity(2 * HOUR, "Microsoft.KeyVault/vaults/write", &vault_id("kv-pay")).body(body));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-27")), (Severity::High, mallory_upn(), s("kv-pay"), 1));
}

// ---------------------------------------------------------------------------------------------------------------
// KV-28 Protection weakened

fn retention(case: &mut Case, before: u32, after: u32) {
    let reader = user("reader", "10.1.0.3");
    case.add(reader.at(HOUR, "kv-pay", "VaultGet").config(json!({ "softDeleteRetentionInDays": before })));
    case.add(mallory().at(2 * HOUR, "kv-pay", "VaultPatch").config(json!({ "softDeleteRetentionInDays": after })));
}

#[test]
fn kv28_soft_delete_retention_cut_to_seven_days() {
    // 90 days before, 7 after.
    let mut case = Case::default();
    retention(&mut case, 90, 7);
    let r = detect(&case);
    let f = r.one("KV-28");
    assert_eq!(r.summary(f), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
    assert!(f.explanation.contains("softDeleteRetentionInDays=7"), "{}", f.explanation);
}

#[test]
fn kv28_near_miss_retention_already_seven_days() {
    // It was 7 days already.
    let mut case = Case::default();
    retention(&mut case, 7, 7);
    detect(&case).none("KV-28");
}

#[test]
fn kv28_purge_protection_off_on_a_cmk_vault() {
    // A vault that unwraps keys for storage had purge protection; a write turns it off.
    let storage = managed("mi-storage", "20.1.2.3");
    let reader = user("reader", "10.1.0.3");
    let mut case = Case::default();
    case.add(storage.at(HOUR, "kv-cmk", "KeyUnwrap").key("cmk"));
    case.add(reader.at(HOUR + MIN, "kv-cmk", "VaultGet").config(json!({ "enablePurgeProtection": true })));
    case.add(mallory().at(2 * HOUR, "kv-cmk", "VaultPatch").config(json!({ "enablePurgeProtection": false })));
    let r = detect(&case);
    assert!(r.one("KV-28").explanation.contains("enablePurgeProtection=false"), "{}", r.dump());
}

#[test]
fn kv28_arm_write_with_seven_days_retention() {
    // An ARM request body setting 7 days counts without a known earlier state.
    let mut case = Case::default();
    let body = json!({ "properties": { "softDeleteRetentionInDays": 7 } });
    case.act(mallory().activity(HOUR, "Microsoft.KeyVault/vaults/write", &vault_id("kv-pay")).body(body));
    let r = detect(&case);
    assert_eq!(r.summary(r.one("KV-28")), (Severity::Medium, mallory_upn(), s("kv-pay"), 1));
}

#[test]
#[ignore = "bug: KV-28 treats enablePurgeProtection null/absent as unknown; the catalogue flags null or false on a vault used for customer-managed keys (a CMK vault created without purge protection)"]
fn kv28_cmk_vault_created_without_purge_protection() {
    // A vault that unwraps keys for storage is (re)created by an ARM PUT that does not enable purge protection.
    let storage = managed("mi-storage", "20.1.2.3");
    let mut case = Case::default();
    case.add(storage.at(HOUR, "kv-cmk", "KeyUnwrap").key("cmk"));
    let body = json!({ "properties": { "enablePurgeProtection": null, "enableSoftDelete": true, "softDeleteRetentionInDays": 90 } });
    case.act(mallory().activity(2 * HOUR, "Microsoft.KeyVault/vaults/write", &vault_id("kv-cmk")).body(body));
    let r = detect(&case);
    assert!(r.one("KV-28").explanation.contains("enablePurgeProtection"), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// KV-29 Customer-managed-key ransomware chain

/// KeyCreate in kv-x, a storage account switched to that key 10 minutes later, then `destroy` at `destroy_at`.
fn cmk_chain(destroy: Option<(&str, i64)>) -> Case {
    let m = mallory();
    let body = json!({ "properties": { "encryption": { "keySource": "Microsoft.Keyvault",
        "keyvaultproperties": { "keyvaulturi": "https://kv-x.vault.azure.net", "keyname": "ransom-key", "keyversion": "" } } } });
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-x", "KeyCreate").key("ransom-key"));
    case.act(
        m.activity(HOUR + 10 * MIN, "Microsoft.Storage/storageAccounts/write", &storage_id("stpayroll")).body(body),
    );
    if let Some((op, at)) = destroy {
        case.add(m.at(at, "kv-x", op).key("ransom-key"));
    }
    case
}

#[test]
fn kv29_key_created_storage_switched_key_deleted() {
    // KeyCreate → storage account on that key → KeyDelete 20 minutes later.
    let r = detect(&cmk_chain(Some(("KeyDelete", HOUR + 30 * MIN))));
    let f = r.one("KV-29");
    assert_eq!(r.summary(f), (Severity::Critical, mallory_upn(), s("kv-x"), 3));
    assert_eq!(r.steps(f), vec![1, 2, 3]);
    assert_eq!(r.operations(f), vec!["KeyCreate", "Microsoft.Storage/storageAccounts/write", "KeyDelete"]);
    assert!(f.explanation.contains("https://kv-x.vault.azure.net/keys/ransom-key"), "{}", f.explanation);
}

#[test]
fn kv29_near_miss_key_never_destroyed() {
    // The storage account is switched to the key, and nothing is deleted.
    detect(&cmk_chain(None)).none("KV-29");
}

#[test]
fn kv29_near_miss_key_deleted_after_a_day() {
    // The key is deleted 25 hours after the switch.
    detect(&cmk_chain(Some(("KeyDelete", 26 * HOUR + 10 * MIN)))).none("KV-29");
}

// ---------------------------------------------------------------------------------------------------------------
// KV-30 Crypto-oracle / signing abuse

/// svc-signer signs with key `jwt` in the baseline and at the end; `who` signs on day one.
fn signing(who: &Actor, op: &str) -> Case {
    let signer = app("svc-signer", "10.2.0.7");
    let mut case = Case::default();
    case.add(signer.at(0, "kv-sign", "KeySign").key("jwt"));
    case.add(who.at(DAY, "kv-sign", op).key("jwt"));
    case.add(signer.at(2 * DAY, "kv-sign", "KeySign").key("jwt"));
    case
}

#[test]
fn kv30_person_signs_with_a_workload_key_is_high() {
    // A user signs with the key only the signing service used.
    let r = detect(&signing(&mallory(), "KeySign"));
    let f = r.one("KV-30");
    assert_eq!(r.summary(f), (Severity::High, mallory_upn(), s("kv-sign"), 1));
    assert!(f.explanation.contains("a person"), "{}", f.explanation);
}

#[test]
fn kv30_new_service_principal_decrypts_is_low() {
    // Another service principal decrypts with the key: usually a job that runs rarely, so Low.
    let other = app("svc-other", "10.2.0.8");
    let r = detect(&signing(&other, "KeyDecrypt"));
    assert_eq!(r.summary(r.one("KV-30")), (Severity::Low, other.label(), s("kv-sign"), 1));
}

#[test]
fn kv30_near_miss_the_usual_signer() {
    // Only the signing service, which used the key in the baseline.
    let r = detect(&signing(&app("svc-signer", "10.2.0.7"), "KeySign"));
    r.none("KV-30");
}

#[test]
fn kv30_near_miss_verify_is_not_a_crypto_oracle_operation() {
    // A user verifies a signature: KeyVerify needs no private key.
    detect(&signing(&mallory(), "KeyVerify")).none("KV-30");
}

#[test]
fn kv30_case_shorter_than_a_day_is_skipped() {
    // Six hours of logs.
    let mut case = Case::default();
    case.add(mallory().at(0, "kv-sign", "KeySign").key("jwt"));
    case.add(mallory().at(6 * HOUR, "kv-sign", "KeySign").key("jwt"));
    let r = detect(&case);
    assert!(r.skipped("KV-30").is_some_and(|why| why.contains("less than a day")), "{}", r.dump());
}

// ---------------------------------------------------------------------------------------------------------------
// Pre-filters (DETECTIONS.md §7.2)

#[test]
fn prefilter_authentication_401_challenges_are_not_denials() {
    // Each of 9 refusals over 3 vaults follows an SDK challenge (Authentication 401): still 9, not 18.
    let m = mallory();
    let mut case = Case::default();
    for (i, e) in denials(std::slice::from_ref(&m), 9, 3, 3 * MIN, 403).into_iter().enumerate() {
        case.add(m.at(HOUR + i as i64 * 3 * MIN - 1, VAULTS[i % 3], "Authentication").status(401));
        case.add(e);
    }
    let r = detect(&case);
    assert_eq!(r.d.prefiltered.auth_challenges, 9);
    r.none("KV-08/identity-hourly");
    r.none("KV-08/address-hourly");
}

#[test]
fn prefilter_authentication_401_from_a_script_is_not_a_call() {
    // An SDK challenge sent with a python-requests agent is dropped before KV-19 looks; the real call is not.
    let m = mallory().with_agent("python-requests/2.31.0");
    let mut case = Case::default();
    case.add(m.at(HOUR, "kv-pay", "Authentication").status(401));
    assert!(detect(&case).of("KV-19").is_empty());
    case.add(m.at(HOUR + 1, "kv-pay", "SecretGet").secret("s0"));
    assert_eq!(detect(&case).one("KV-19").event_count, 1);
}

#[test]
fn prefilter_terraform_404_gets_are_not_counted() {
    // A rule counting 404 reads sees curl's 404 but not terraform's (routine during `terraform plan`).
    let rule = r#"
[[rule]]
id = "X-404"
title = "Missing secrets probed"
severity = "low"
explain = "{actor} probed {objects}"
[rule.threshold]
where = { operation = ["SecretGet"], status = [404] }
by = "identity"
window = "1h"
count_ge = 1
"#;
    let rules = RuleSet::with_files(&[(s("probe.toml"), s(rule))]).unwrap();
    let tf = user("pipeline", "10.3.0.1").with_agent("HashiCorp Terraform/1.9.5 (+https://www.terraform.io)");
    let curl = user("prober", "198.51.100.9").with_agent("curl/8.5.0");
    let mut case = Case::default();
    case.add(tf.at(HOUR, "kv-pay", "SecretGet").secret("missing").status(404));
    case.add(curl.at(HOUR + MIN, "kv-pay", "SecretGet").secret("missing").status(404));
    let r = detect_with(&case, &Intel::default(), &rules);
    assert_eq!(r.d.prefiltered.iac_not_found, 1);
    assert_eq!(r.summary(r.one("X-404")), (Severity::Low, s("prober@contoso.com"), s("kv-pay"), 1));
}

#[test]
fn prefilter_policy_scan_is_ignored() {
    // The Azure Policy scanner refused 10 times over 3 vaults: not enumeration.
    let scanner = app("policy", "20.4.5.6").with_agent("PolicyScan-GF");
    let mut case = Case::default();
    case.add_all(denials(&[scanner], 10, 3, 3 * MIN, 403));
    let r = detect(&case);
    assert_eq!(r.d.prefiltered.policy_scans, 10);
    r.none("KV-08/address-hourly");
    r.none("KV-08/identity-hourly");
}

#[test]
fn prefilter_resource_graph_and_policy_insights_vault_gets_are_ignored() {
    // Azure Resource Graph and Policy Insights VaultGets refused on 3 vaults from one address: not enumeration.
    let arg = app("arg", "20.4.5.7").with_app(RESOURCE_GRAPH);
    let insights = app("insights", "20.4.5.7").with_app(POLICY_INSIGHTS);
    let mut case = Case::default();
    case.add_all((0..10).map(|i| {
        let who = if i % 2 == 0 { &arg } else { &insights };
        who.at(HOUR + i * MIN, VAULTS[i as usize % 3], "VaultGet").status(403)
    }));
    let r = detect(&case);
    assert_eq!(r.d.prefiltered.indexer_vault_gets, 10);
    assert_eq!(r.d.prefiltered.total(), 10);
    r.none("KV-08/address-hourly");
}

#[test]
fn prefilter_near_miss_other_apps_vault_gets_count() {
    // The same refused VaultGets by an ordinary app are enumeration.
    let other = app("other", "20.4.5.7");
    let mut case = Case::default();
    case.add_all((0..10).map(|i| other.at(HOUR + i * MIN, VAULTS[i as usize % 3], "VaultGet").status(403)));
    let r = detect(&case);
    assert_eq!(r.d.prefiltered.total(), 0);
    assert_eq!(r.one("KV-08/address-hourly").event_count, 10);
}

// ---------------------------------------------------------------------------------------------------------------
// Suppression by the allow-list

fn new_reader_case() -> Case {
    let mut case = Case::default();
    stretch(&mut case);
    case.add(mallory().at(DAY, "kv-pay", "SecretGet").secret("db-password"));
    case
}

#[test]
fn allow_list_moves_the_finding_to_suppressed_with_its_reason() {
    // Mallory's first read of kv-pay is explained: on-call rotation.
    let allow =
        "[[allow]]\nidentity = \"Mallory@contoso.com\"\nrule = \"KV-17\"\nreason = \"on-call rotation (CHG-7)\"\n";
    let r = detect_intel(&new_reader_case(), &intel(&[("allow.toml", allow.as_bytes().to_vec())]));
    r.none("KV-17");
    assert_eq!(r.d.suppressed.len(), 1, "{:?}", r.d.suppressed.iter().map(|s| &s.finding.rule).collect::<Vec<_>>());
    let s = &r.d.suppressed[0];
    assert_eq!((s.finding.rule.as_str(), s.reason.as_str()), ("KV-17", "on-call rotation (CHG-7) (allow.toml:1)"));
}

#[test]
fn allow_list_near_miss_entry_for_another_rule() {
    // The entry names KV-19 only: the KV-17 finding stays.
    let allow = "[[allow]]\nidentity = \"mallory@contoso.com\"\nrule = \"KV-19\"\nreason = \"pentest\"\n";
    let r = detect_intel(&new_reader_case(), &intel(&[("allow.toml", allow.as_bytes().to_vec())]));
    r.one("KV-17");
    assert!(r.d.suppressed.is_empty());
}

// ---------------------------------------------------------------------------------------------------------------
// Rule files

const HOURLY_THREE: &str = r#"# three distinct secrets an hour is already too many here
[[rule]]
id = "KV-01"
form = "hourly"
title = "Mass retrieval (strict)"
severity = "critical"
explain = "{actor} read {distinct} secrets"
[rule.threshold]
where = { operation = ["SecretGet"], outcome = "ok" }
by = "identity"
window = "1h"
distinct = { object = 3 }
"#;

#[test]
fn rule_file_replaces_a_builtin_threshold() {
    // Three distinct secrets in an hour: silent with the catalogue, Critical with the analyst's KV-01/hourly.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", HOUR, 5 * MIN, 3, 3));
    detect(&case).none("KV-01/hourly");
    let rules = RuleSet::with_files(&[(s("mine.toml"), s(HOURLY_THREE))]).unwrap();
    assert_eq!(rules.rules.iter().filter(|r| r.key() == "KV-01/hourly").count(), 1, "replaced, not added");
    let r = detect_with(&case, &Intel::default(), &rules);
    let f = r.one("KV-01/hourly");
    assert_eq!(r.summary(f), (Severity::Critical, mallory_upn(), s("kv-pay"), 3));
    assert_eq!(f.title, "Mass retrieval (strict)");
    r.none("KV-01/daily");
}

#[test]
fn rule_file_disabled_rule_is_skipped() {
    // `enabled = false` switches KV-19 off, with where it was switched off.
    let text = HOURLY_THREE
        .replace("id = \"KV-01\"\nform = \"hourly\"", "id = \"KV-19\"")
        .replace("[rule.threshold]", "enabled = false\n[rule.threshold]");
    let rules = RuleSet::with_files(&[(s("mine.toml"), text)]).unwrap();
    let mut case = Case::default();
    case.add(mallory().with_agent("curl/8.5.0").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect_with(&case, &Intel::default(), &rules);
    r.none("KV-19");
    assert_eq!(r.skipped("KV-19"), Some("disabled (mine.toml:2)"), "{}", r.dump());
}

/// The error a rule file gives: (file, line, message).
fn rule_error(text: &str) -> (String, usize, String) {
    let e = RuleSet::with_files(&[(s("mine.toml"), s(text))]).expect_err("the file must be refused");
    (e.file, e.line, e.message)
}

/// A valid KV-99 entry with `body` as its [rule.threshold] (or whole body when it starts with `[`).
fn rule_text(body: &str) -> String {
    let body = if body.starts_with('[') { body.to_string() } else { format!("[rule.threshold]\n{body}") };
    format!("[[rule]]\nid = \"KV-99\"\ntitle = \"t\"\nseverity = \"low\"\nexplain = \"x\"\n{body}")
}

const THRESHOLD: &str = "where = { operation = [\"SecretGet\"] }\nby = \"identity\"\nwindow = \"1h\"\ncount_ge = 1\n";

#[test]
fn rule_file_valid_entry_adds_a_rule() {
    // The entry used by the error tests is valid as written.
    let rules = RuleSet::with_files(&[(s("mine.toml"), rule_text(THRESHOLD))]).unwrap();
    assert!(rules.ids().contains(&"KV-99"));
}

#[test]
fn rule_file_error_unknown_field() {
    // `colour` is not a field of a rule.
    let (file, line, message) = rule_error(&rule_text(&format!("{THRESHOLD}colour = \"red\"\n")));
    assert_eq!((file.as_str(), line), ("mine.toml", 11), "{message}");
    assert!(message.contains("colour"), "{message}");
}

#[test]
fn rule_file_error_unknown_check() {
    // A builtin check that does not exist.
    let (file, line, message) = rule_error(&rule_text("[rule.builtin]\ncheck = \"crystal_ball\"\n"));
    assert_eq!((file.as_str(), line), ("mine.toml", 1), "{message}");
    assert!(message.contains("unknown check \"crystal_ball\""), "{message}");
}

#[test]
fn rule_file_error_unknown_operation() {
    // A misspelt operation name.
    let (file, line, message) = rule_error(&rule_text(&THRESHOLD.replace("SecretGet", "SecretGett")));
    assert_eq!((file.as_str(), line), ("mine.toml", 1), "{message}");
    assert!(message.contains("unknown operation \"SecretGett\""), "{message}");
}

#[test]
fn rule_file_error_bad_duration() {
    // A window of "an hour".
    let (file, line, message) = rule_error(&rule_text(&THRESHOLD.replace("\"1h\"", "\"an hour\"")));
    assert_eq!((file.as_str(), line), ("mine.toml", 1), "{message}");
    assert!(message.contains("threshold.window") && message.contains("an hour"), "{message}");
}

#[test]
fn rule_file_error_threshold_without_limits() {
    // Neither count_gt, count_ge nor distinct.
    let (file, line, message) = rule_error(&rule_text(&THRESHOLD.replace("count_ge = 1\n", "")));
    assert_eq!((file.as_str(), line), ("mine.toml", 1), "{message}");
    assert!(message.contains("needs count_gt, count_ge or distinct"), "{message}");
}

#[test]
fn rule_file_error_duplicate_id_and_form() {
    // The same KV-99 twice in one file: the second is the error, naming the first.
    let text = format!("{}\n{}", rule_text(THRESHOLD), rule_text(THRESHOLD));
    let (file, line, message) = rule_error(&text);
    assert_eq!((file.as_str(), line), ("mine.toml", 12), "{message}");
    assert!(message.contains("KV-99 is defined twice in this file (first at line 1)"), "{message}");
}

#[test]
fn rule_file_error_same_name_as_a_later_step() {
    // Step 1 refers to step 2.
    let body = "[rule.sequence]\nby = \"identity\"\nwithin = \"10m\"\nsteps = [\n  { operation = [\"CertificateGet\"], same_name_as = 2 },\n  { operation = [\"SecretGet\"] },\n]\n";
    let (file, line, message) = rule_error(&rule_text(body));
    assert_eq!((file.as_str(), line), ("mine.toml", 1), "{message}");
    assert!(message.contains("same_name_as = 2 must name an earlier step"), "{message}");
}

#[test]
fn rule_file_error_line_of_the_second_entry() {
    // An unknown check in the second entry of a file is reported at that entry, not the first.
    let text = format!(
        "{}\n{}",
        rule_text(THRESHOLD),
        rule_text("[rule.builtin]\ncheck = \"crystal_ball\"\n").replace("KV-99", "KV-98")
    );
    let (_, line, message) = rule_error(&text);
    assert_eq!(line, 12, "{message}");
    assert!(message.starts_with("KV-98:"), "{message}");
}

// ---------------------------------------------------------------------------------------------------------------
// KQL

/// KV-07 on `vault`: CertificateGet then SecretGet of the same name.
fn cert_export(vault: &str) -> Case {
    let m = mallory();
    let mut case = Case::default();
    case.add(m.at(HOUR, vault, "CertificateGet").cert("web-tls"));
    case.add(m.at(HOUR + MIN, vault, "SecretGet").secret("web-tls"));
    case
}

#[test]
fn kql_names_vault_operations_and_actor_in_both_tables() {
    // The KV-07 finding's queries select the vault, both operations and Mallory's object id.
    let r = detect(&cert_export("kv-pay"));
    let f = r.one("KV-07");
    let oid = mallory().oid;
    for (table, q) in [("AzureDiagnostics", &f.kql.azure_diagnostics), ("AZKVAuditLogs", &f.kql.azkv_audit_logs)] {
        assert!(q.starts_with(table), "{q}");
        assert!(q.contains(r#"| where Vault in~ ("kv-pay")"#), "{q}");
        assert!(q.contains(r#"| where OperationName in~ ("CertificateGet", "SecretGet")"#), "{q}");
        assert!(q.contains(&format!(r#"| where CallerObjectId in~ ("{oid}")"#)), "{q}");
        assert!(q.contains("datetime(2026-10-04T01:00:00.0000000Z)"), "{q}");
    }
}

#[test]
fn kql_threshold_finding_summarizes_like_the_rule() {
    // KV-08 by address: the query filters on the address and summarizes per address and hour.
    let mut case = Case::default();
    case.add_all(denials(&scanners(), 10, 3, 3 * MIN, 403));
    let r = detect(&case);
    let q = &r.one("KV-08/address-hourly").kql.azkv_audit_logs;
    assert!(q.contains(r#"| where CallerIp in ("198.51.100.66")"#), "{q}");
    assert!(q.contains(r#"| where Vault in~ ("kv-a", "kv-b", "kv-c")"#), "{q}");
    assert!(q.contains("by CallerIp, bin(TimeGenerated, 1h)\n| where Events >= 10 and Distinct0 >= 3"), "{q}");
}

#[test]
fn kql_activity_log_evidence_queries_azure_activity() {
    // A diagnostic-setting deletion is only in the Activity Log: the query is on AzureActivity.
    let mut case = Case::default();
    case.act(mallory().activity(HOUR, "Microsoft.Insights/diagnosticSettings/delete", &diagnostic_id("kv-pay")));
    let r = detect(&case);
    let q = &r.one("KV-26").kql.azure_diagnostics;
    assert!(q.starts_with("AzureActivity"), "{q}");
    assert!(q.contains(r#"OperationNameValue in~ ("Microsoft.Insights/diagnosticSettings/delete")"#), "{q}");
    assert!(q.contains(r#"_ResourceId has_any ("/vaults/kv-pay")"#), "{q}");
}

#[test]
fn kql_escapes_a_hostile_vault_name() {
    // A vault name carrying a quote and a newline stays inside one string literal.
    let hostile = "kv\"x\n| take 1";
    let r = detect(&cert_export(hostile));
    let f = r.one("KV-07");
    assert_eq!(r.labels(Dim::Vault, &f.vaults), hostile);
    for q in [&f.kql.azure_diagnostics, &f.kql.azkv_audit_logs] {
        assert!(q.contains(r#"| where Vault in~ ("kv\"x\n| take 1")"#), "{q}");
        assert!(!q.contains(hostile), "raw name in the query:\n{q}");
        assert!(q.lines().all(|l| l != "| take 1"), "{q}");
    }
}

#[test]
fn kql_threshold_window_is_a_kql_timespan() {
    // An analyst's rule with window = "10 min": the query must still bin by a valid timespan.
    let rule = HOURLY_THREE.replace("window = \"1h\"", "window = \"10 min\"");
    let rules = RuleSet::with_files(&[(s("mine.toml"), rule)]).unwrap();
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", HOUR, MIN, 3, 3));
    let r = detect_with(&case, &Intel::default(), &rules);
    let q = &r.one("KV-01/hourly").kql.azure_diagnostics;
    let span = q.split("bin(TimeGenerated, ").nth(1).and_then(|t| t.split(')').next()).unwrap_or("");
    let unit = span.trim_start_matches(|c: char| c.is_ascii_digit());
    assert!(!span.is_empty() && ["s", "m", "h", "d"].contains(&unit), "bin by {span:?} in:\n{q}");
}

// ---------------------------------------------------------------------------------------------------------------
// Incidents

/// KV-07 at 1 h, then Mallory deletes six secrets of the same vault starting `later` seconds after.
fn export_then_cleanup(later: i64) -> Case {
    let mut case = cert_export("kv-pay");
    case.add_all(
        (0..6).map(|i| mallory().at(HOUR + later + i * MIN, "kv-pay", "SecretDelete").secret(&format!("s{i}"))),
    );
    case
}

#[test]
fn incident_links_two_findings_of_one_identity_and_vault() {
    // Certificate export, then bulk deletion 30 minutes later: one story.
    let r = detect(&export_then_cleanup(30 * MIN));
    assert_eq!(r.d.incidents.len(), 1, "{}", r.dump());
    let i = &r.d.incidents[0];
    assert_eq!(i.story, "KV-07 → KV-22");
    assert_eq!(i.severity, Severity::High);
    let members: Vec<String> = i.findings.iter().map(|&k| Run::key(&r.d.findings[k])).collect();
    assert_eq!(members, vec!["KV-07", "KV-22/bulk"]);
    assert!(i.findings.iter().all(|&k| r.d.findings[k].incident == Some(0)));
}

#[test]
fn incident_near_miss_three_hours_apart() {
    // The deletions start three hours after the export.
    let r = detect(&export_then_cleanup(3 * HOUR));
    r.one("KV-07");
    r.one("KV-22/bulk");
    assert!(r.d.incidents.is_empty(), "{:?}", r.d.incidents);
    assert!(r.d.findings.iter().all(|f| f.incident.is_none()));
}

#[test]
fn incident_near_miss_other_vault() {
    // The deletions are in another vault.
    let mut case = cert_export("kv-pay");
    case.add_all(
        (0..6).map(|i| mallory().at(HOUR + 30 * MIN + i * MIN, "kv-hr", "SecretDelete").secret(&format!("s{i}"))),
    );
    assert!(detect(&case).d.incidents.is_empty());
}

// ---------------------------------------------------------------------------------------------------------------
// Exposure: what to rotate

#[test]
fn exposure_lists_reads_after_the_finding_and_the_exported_certificate() {
    // An old read, then the certificate export and one more secret: the certificate, its secret and the last
    // secret are to rotate; the read before the finding is not.
    let m = mallory();
    let mut case = cert_export("kv-pay");
    case.add(m.at(HOUR - 30 * MIN, "kv-pay", "SecretGet").secret("old-secret"));
    case.add(m.at(HOUR + 2 * MIN, "kv-pay", "SecretGet").secret("db-password"));
    let r = detect(&case);
    r.one("KV-07");
    let listed: Vec<(String, bool)> =
        r.d.exposed.iter().map(|e| (r.labels(Dim::Object, &[e.object]), e.via_secret)).collect();
    assert_eq!(
        listed,
        vec![
            (s("kv-pay/certificates/web-tls"), true),
            (s("kv-pay/secrets/db-password"), false),
            (s("kv-pay/secrets/web-tls"), false),
        ]
    );
    assert!(r.d.exposed.iter().all(|e| r.labels(Dim::Identity, &e.read_by) == mallory_upn()));
}

#[test]
fn exposure_near_miss_low_findings_expose_nothing() {
    // Only a Low finding (a scripted client): nothing is listed to rotate.
    let mut case = Case::default();
    case.add(mallory().with_agent("curl/8.5.0").at(HOUR, "kv-pay", "SecretGet").secret("s0"));
    let r = detect(&case);
    assert_eq!(r.one("KV-19").severity, Severity::Low);
    assert!(r.d.exposed.is_empty(), "{:?}", r.d.exposed);
}

// ---------------------------------------------------------------------------------------------------------------
// The catalogue

#[test]
fn catalogue_has_every_rule_and_form_these_tests_cover() {
    // KV-01 … KV-30, with the forms of KV-01, KV-08 and KV-22, all enabled.
    let rules = RuleSet::builtin().unwrap();
    let ids: Vec<String> = (1..=30).map(|n| format!("KV-{n:02}")).collect();
    let mut have = rules.ids();
    have.sort_unstable();
    assert_eq!(have, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let forms: Vec<String> = rules.rules.iter().filter(|r| r.form.is_some()).map(|r| r.key()).collect();
    let expected = [
        "KV-01/daily",
        "KV-01/hourly",
        "KV-01/burst",
        "KV-08/address-hourly",
        "KV-08/identity-hourly",
        "KV-08/address-daily",
        "KV-22/bulk",
        "KV-22/vault",
    ];
    assert_eq!(forms, expected);
    assert!(rules.rules.iter().all(|r| r.enabled));
}

#[test]
fn rules_whose_data_the_logs_cannot_carry_are_listed_as_not_run() {
    // Data-plane reads only: no Activity Log, no vault configuration record.
    let mut case = Case::default();
    case.add_all(reads(&mallory(), "kv-pay", HOUR, MIN, 3, 3));
    let r = detect(&case);
    for rule in ["KV-26", "KV-29"] {
        let why = r.skipped(rule).unwrap_or_else(|| panic!("{rule} not listed as skipped:{}", r.dump()));
        assert!(why.contains("Activity Log"), "{rule}: {why}");
    }
    for rule in ["KV-05", "KV-27", "KV-28"] {
        let why = r.skipped(rule).unwrap_or_else(|| panic!("{rule} not listed as skipped:{}", r.dump()));
        assert!(why.contains("vault configuration"), "{rule}: {why}");
    }
}

#[test]
fn a_parameter_of_the_wrong_kind_is_an_error_not_a_default() {
    let file = "[[rule]]\nid = \"KV-14\"\ntitle = \"t\"\nseverity = \"high\"\nexplain = \"x\"\n\
                [rule.builtin]\ncheck = \"tor_exit\"\nparams = { gap = \"soon\" }\n";
    let e = RuleSet::with_files(&[("mine.toml".into(), file.into())]).unwrap_err();
    assert!(e.to_string().starts_with("mine.toml:1:") && e.to_string().contains("must be a duration"), "{e}");
    let file = file.replace("gap = \"soon\"", "gap = 90");
    let e = RuleSet::with_files(&[("mine.toml".into(), file)]).unwrap_err();
    assert!(e.to_string().contains("\"gap\" must be a duration"), "{e}");
}
