//! Audit-logging coverage: which vaults send their `AuditEvent` logs anywhere. A vault without them is a blind
//! spot — whatever happened there, no investigation can see it — so responders list those first.
//!
//! The rule (FORMATS.md §7.7): a vault is covered iff one of its diagnostic settings has an enabled `logs[]`
//! entry for category `AuditEvent` or category group `audit` / `allLogs`, *and* a destination (workspace,
//! storage account, event hub or partner solution). A vault whose settings could not be read is reported
//! with `checked: false`: unknown is not the same as off.
//!
//! The report is JSON (`{"vaults":[…],"errors":[…]}`, read back by the workbench with
//! [`Coverage::from_json`]) or a table for the terminal.

use std::collections::HashSet;
use std::io::{self, Write};

use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use unicode_width::UnicodeWidthStr;

use crate::source::arm::{Arm, ArmError, DiagnosticSetting, Vault};
use crate::text::sanitize;

/// Diagnostic-settings requests in flight at once: fast on a tenant with hundreds of vaults, gentle on ARM's
/// per-principal read throttle.
pub const CONCURRENCY: usize = 8;
/// Subscriptions listed at once.
const LIST_CONCURRENCY: usize = 4;

/// The coverage of every vault found, in a stable order (subscription, then vault name), plus what went
/// wrong on the way (a subscription that could not be listed, skipped entries).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub vaults: Vec<VaultCoverage>,
    #[serde(default)]
    pub errors: Vec<String>,
}

/// One vault's verdict. `name`, `id`, `audit_logging` and `reason` are the report's contract; the other members
/// default when absent, so a hand-written report with only those four still loads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultCoverage {
    pub name: String,
    pub id: String,
    #[serde(default)]
    pub subscription: String,
    #[serde(default)]
    pub resource_group: String,
    #[serde(default)]
    pub location: String,
    pub audit_logging: bool,
    /// False when the diagnostic settings could not be read: `audit_logging` is then unknown, not off.
    #[serde(default = "yes")]
    pub checked: bool,
    pub reason: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, thiserror::Error)]
#[error("not a kvtrail coverage report: {0}")]
pub struct ReportError(#[from] serde_json::Error);

impl VaultCoverage {
    /// Known to send no audit logs (as opposed to covered, or not checked).
    pub fn lacks_logging(&self) -> bool {
        self.checked && !self.audit_logging
    }
}

impl Coverage {
    /// Reads a report written by [`Coverage::write_json`] (`kvtrail coverage --json`).
    pub fn from_json(text: &str) -> Result<Coverage, ReportError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Vaults known to lack audit logging: checked, and no setting sends `AuditEvent` anywhere.
    pub fn lacking(&self) -> impl Iterator<Item = &VaultCoverage> {
        self.vaults.iter().filter(|v| v.lacks_logging())
    }

    /// Vaults whose diagnostic settings could not be read.
    pub fn unchecked(&self) -> impl Iterator<Item = &VaultCoverage> {
        self.vaults.iter().filter(|v| !v.checked)
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// `3 of 12 vaults have no audit logging` (and how many could not be checked).
    pub fn summary(&self) -> String {
        let (total, lacking, unknown) = (self.vaults.len(), self.lacking().count(), self.unchecked().count());
        if total == 0 {
            return "no vaults found".to_string();
        }
        let mut s = format!(
            "{lacking} of {total} {} {} no audit logging",
            if total == 1 { "vault" } else { "vaults" },
            if lacking == 1 { "has" } else { "have" }
        );
        if unknown > 0 {
            s.push_str(&format!("; {unknown} could not be checked"));
        }
        s
    }

    /// A table for the terminal — blind spots first, then the unknown, then the covered — the summary line and
    /// any errors. Every server-supplied string is sanitized.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let rank = |v: &VaultCoverage| match (v.checked, v.audit_logging) {
            (true, false) => 0,
            (false, _) => 1,
            (true, true) => 2,
        };
        let mut rows: Vec<&VaultCoverage> = self.vaults.iter().collect();
        rows.sort_by_key(|v| rank(v)); // stable: the report's order within each group
        let names: Vec<String> = rows.iter().map(|v| sanitize(&v.name).into_owned()).collect();
        let width = names.iter().map(|n| n.width()).max().unwrap_or(0).clamp(5, 48);
        if !rows.is_empty() {
            writeln!(out, "{}  {:<13}  reason", pad("vault", width), "audit logging")?;
        }
        for (v, name) in rows.iter().zip(&names) {
            let state = match (v.checked, v.audit_logging) {
                (false, _) => "unknown",
                (true, true) => "yes",
                (true, false) => "NO",
            };
            writeln!(out, "{}  {state:<13}  {}", pad(&clip(name, width), width), sanitize(&v.reason))?;
        }
        if !rows.is_empty() {
            writeln!(out)?;
        }
        writeln!(out, "{}", self.summary())?;
        if !self.errors.is_empty() {
            writeln!(out, "errors:")?;
            for e in &self.errors {
                writeln!(out, "  {}", sanitize(e))?;
            }
        }
        Ok(())
    }
}

/// Lists every vault of the subscriptions through ARM and classifies each by its diagnostic settings.
/// Never fails as a whole: a subscription that cannot be listed is an entry in `errors`, a vault whose
/// settings cannot be read is `checked: false`.
pub async fn coverage(
    http: &reqwest::Client,
    arm: &reqwest::Url,
    credential: &dyn azure_core::credentials::TokenCredential,
    scope: &str,
    subscriptions: &[String],
) -> Coverage {
    check(&Arm::new(http, arm, credential, scope), subscriptions).await
}

/// [`coverage`] with a client configured by the caller (retry policy).
pub async fn check(client: &Arm<'_>, subscriptions: &[String]) -> Coverage {
    let mut report = Coverage::default();
    let mut seen = HashSet::new();
    // Owned strings: futures over borrowed ones are not provably `Send`, and the caller may spawn this.
    let subscriptions: Vec<String> = subscriptions
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && seen.insert(s.to_ascii_lowercase()))
        .collect();
    if subscriptions.is_empty() {
        report.errors.push("no subscription given".to_string());
        return report;
    }

    let listings: Vec<_> = stream::iter(subscriptions)
        .map(|sub| async move {
            let listing = client.list_vaults(&sub).await;
            (sub, listing)
        })
        .buffered(LIST_CONCURRENCY)
        .collect()
        .await;
    let mut vaults: Vec<(String, Vault)> = Vec::new();
    let mut ids = HashSet::new();
    for (sub, listing) in listings {
        for skipped in &listing.skipped {
            report.errors.push(format!("subscription {sub}: {skipped}"));
        }
        if let Some(e) = &listing.error {
            report.errors.push(match listing.vaults.len() {
                0 => format!("subscription {sub}: vaults could not be listed: {e}"),
                n => format!("subscription {sub}: listing stopped after {n} vaults: {e}"),
            });
        }
        for vault in listing.vaults {
            if ids.insert(vault.id.to_ascii_lowercase()) {
                vaults.push((sub.clone(), vault));
            }
        }
    }

    report.vaults = stream::iter(vaults)
        .map(|(sub, vault)| async move {
            let settings = client.diagnostic_settings(&vault.id).await;
            verdict(&sub, vault, settings)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    report.vaults.sort_by_cached_key(|v| {
        (v.subscription.to_ascii_lowercase(), v.name.to_ascii_lowercase(), v.id.to_ascii_lowercase())
    });
    report
}

fn verdict(subscription: &str, vault: Vault, settings: Result<Vec<DiagnosticSetting>, ArmError>) -> VaultCoverage {
    let (audit_logging, checked, reason) = match settings {
        Ok(settings) => {
            let (on, reason) = classify(&settings);
            (on, true, reason)
        }
        Err(e) => (false, false, format!("diagnostic settings could not be read: {}", e.summary())),
    };
    VaultCoverage {
        resource_group: id_segment(&vault.id, "resourceGroups").unwrap_or_default().to_string(),
        name: vault.name,
        id: vault.id,
        subscription: subscription.to_string(),
        location: vault.location,
        audit_logging,
        checked,
        reason,
    }
}

/// What one setting does with `AuditEvent`.
enum Sends {
    /// Enabled, to these destinations; `via` names the category or group that carries it.
    To {
        via: String,
        destinations: Vec<String>,
    },
    NoDestination,
    Disabled,
    Nothing,
}

/// The coverage rule over a vault's diagnostic settings: whether `AuditEvent` reaches a destination, and why
/// (or why not) in plain words.
pub fn classify(settings: &[DiagnosticSetting]) -> (bool, String) {
    if settings.is_empty() {
        return (false, "no diagnostic settings".to_string());
    }
    let name = |s: &DiagnosticSetting| s.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "(unnamed)".into());
    let verdicts: Vec<(String, Sends)> = settings.iter().map(|s| (name(s), sends(s))).collect();
    let mut covering = verdicts.iter().filter_map(|(name, v)| match v {
        Sends::To { via, destinations } => Some((name, via, destinations)),
        _ => None,
    });
    if let Some((name, via, destinations)) = covering.next() {
        let more = covering.count();
        let mut reason = format!("{via} → {} (setting '{name}')", destinations.join(", "));
        if more > 0 {
            reason.push_str(&format!(" and {more} more setting{}", if more == 1 { "" } else { "s" }));
        }
        return (true, reason);
    }
    let why: Vec<String> = verdicts
        .iter()
        .map(|(name, v)| match v {
            Sends::NoDestination => format!("setting '{name}' enables AuditEvent but has no destination"),
            Sends::Disabled => format!("setting '{name}' has AuditEvent disabled"),
            Sends::Nothing | Sends::To { .. } => format!("setting '{name}' sends no AuditEvent logs"),
        })
        .collect();
    (false, why.join("; "))
}

fn sends(setting: &DiagnosticSetting) -> Sends {
    let p = &setting.properties;
    let carries = |l: &&crate::source::arm::LogSetting| {
        l.category.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("AuditEvent"))
            || l.category_group
                .as_deref()
                .is_some_and(|g| g.eq_ignore_ascii_case("audit") || g.eq_ignore_ascii_case("allLogs"))
    };
    let audit: Vec<_> = p.logs.iter().filter(carries).collect();
    let Some(enabled) = audit.iter().find(|l| l.enabled) else {
        return if audit.is_empty() { Sends::Nothing } else { Sends::Disabled };
    };
    let via = match (&enabled.category, &enabled.category_group) {
        (Some(c), _) if c.eq_ignore_ascii_case("AuditEvent") => "AuditEvent".to_string(),
        (_, Some(group)) => format!("AuditEvent (category group {group})"),
        _ => "AuditEvent".to_string(),
    };
    let set = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let mut destinations = Vec::new();
    if let Some(ws) = set(&p.workspace_id) {
        destinations.push(format!("workspace {}", last_segment(&ws)));
    }
    if let Some(sa) = set(&p.storage_account_id) {
        destinations.push(format!("storage account {}", last_segment(&sa)));
    }
    if let Some(rule) = set(&p.event_hub_authorization_rule_id) {
        let namespace = id_segment(&rule, "namespaces").unwrap_or(&rule).to_string();
        destinations.push(match set(&p.event_hub_name) {
            Some(hub) => format!("event hub {namespace}/{hub}"),
            None => format!("event hub namespace {namespace}"),
        });
    }
    if let Some(partner) = set(&p.marketplace_partner_id) {
        destinations.push(format!("partner solution {}", last_segment(&partner)));
    }
    if destinations.is_empty() { Sends::NoDestination } else { Sends::To { via, destinations } }
}

/// The segment after `key` in an ARM ID (`resourceGroups` → the group), matched case-insensitively since
/// ARM IDs come in any case.
fn id_segment<'a>(id: &'a str, key: &str) -> Option<&'a str> {
    let mut segments = id.split('/');
    segments.by_ref().find(|s| s.eq_ignore_ascii_case(key))?;
    segments.next().filter(|s| !s.is_empty())
}

fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

fn clip(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::arm::{DiagnosticProperties, LogSetting};

    fn setting(name: &str, logs: &[(&str, &str, bool)], workspace: Option<&str>) -> DiagnosticSetting {
        DiagnosticSetting {
            id: None,
            name: Some(name.into()),
            properties: DiagnosticProperties {
                workspace_id: workspace.map(Into::into),
                logs: logs
                    .iter()
                    .map(|(cat, group, enabled)| LogSetting {
                        category: (!cat.is_empty()).then(|| cat.to_string()),
                        category_group: (!group.is_empty()).then(|| group.to_string()),
                        enabled: *enabled,
                    })
                    .collect(),
                ..Default::default()
            },
        }
    }

    const LAW: &str = "/subscriptions/s/resourceGroups/sec/providers/Microsoft.OperationalInsights/workspaces/law-sec";

    #[test]
    fn the_rule_and_its_reasons() {
        assert_eq!(classify(&[]), (false, "no diagnostic settings".into()));
        assert_eq!(
            classify(&[setting("to-sentinel", &[("auditevent", "", true)], Some(LAW))]),
            (true, "AuditEvent → workspace law-sec (setting 'to-sentinel')".into())
        );
        assert_eq!(
            classify(&[setting("g", &[("", "AllLogs", true)], Some(LAW))]).1,
            "AuditEvent (category group AllLogs) → workspace law-sec (setting 'g')"
        );
        assert!(!classify(&[setting("m", &[("", "audit", false)], Some(LAW))]).0);
        assert_eq!(
            classify(&[setting("x", &[("AuditEvent", "", true)], Some("  "))]).1,
            "setting 'x' enables AuditEvent but has no destination"
        );
        assert_eq!(
            classify(&[
                setting("metrics-only", &[], Some(LAW)),
                setting("off", &[("AuditEvent", "", false)], Some(LAW)),
                setting("policy", &[("AzurePolicyEvaluationDetails", "", true)], Some(LAW)),
            ])
            .1,
            "setting 'metrics-only' sends no AuditEvent logs; setting 'off' has AuditEvent disabled; \
             setting 'policy' sends no AuditEvent logs"
        );
        let two =
            [setting("a", &[("AuditEvent", "", true)], Some(LAW)), setting("b", &[("", "audit", true)], Some(LAW))];
        assert_eq!(classify(&two).1, "AuditEvent → workspace law-sec (setting 'a') and 1 more setting");
    }

    #[test]
    fn destinations_are_named() {
        let mut s = setting("hub", &[("AuditEvent", "", true)], None);
        s.properties.event_hub_authorization_rule_id = Some(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.EventHub/namespaces/ehns/authorizationrules/Root"
                .into(),
        );
        s.properties.event_hub_name = Some("kv-logs".into());
        s.properties.storage_account_id =
            Some("/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/starchive".into());
        assert_eq!(classify(&[s]).1, "AuditEvent → storage account starchive, event hub ehns/kv-logs (setting 'hub')");
        assert_eq!(id_segment("/subscriptions/s/RESOURCEGROUPS/Rg-1/providers/x", "resourceGroups"), Some("Rg-1"));
        assert_eq!(id_segment("/subscriptions/s", "resourceGroups"), None);
    }

    #[test]
    fn summary_grammar() {
        let v = |checked, on| VaultCoverage { checked, audit_logging: on, ..Default::default() };
        let c = Coverage { vaults: vec![v(true, false)], errors: vec![] };
        assert_eq!(c.summary(), "1 of 1 vault has no audit logging");
        let c = Coverage { vaults: vec![v(true, false), v(false, false), v(true, true)], errors: vec![] };
        assert_eq!(c.summary(), "1 of 3 vaults has no audit logging; 1 could not be checked");
        assert_eq!(Coverage::default().summary(), "no vaults found");
        assert_eq!(clip("abcdef", 4), "abc…");
    }

    #[test]
    fn minimal_report_loads() {
        let c =
            Coverage::from_json(r#"{"vaults":[{"name":"kv","id":"/x","audit_logging":false,"reason":"r"}]}"#).unwrap();
        assert_eq!(c.lacking().count(), 1);
        assert!(Coverage::from_json("{}").is_err());
        assert!(Coverage::from_json("[1]").is_err());
    }
}
