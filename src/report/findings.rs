//! `kvtrail report`: the findings as the documented JSON contract (README "Report JSON") or as Markdown for an
//! incident ticket. Identities are written as the UPN when known, else the object id, else the app id — stable
//! values another tool can join on, not display names. Markdown goes to terminals and is sanitized.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::detect::{Detections, Finding, Severity};
use crate::event::Ticks;
use crate::store::load::LoadReport;
use crate::store::{Dim, Store};
use crate::text::sanitize;

#[derive(Serialize)]
pub struct Report {
    pub inputs: Vec<Input>,
    pub events: usize,
    pub findings: Vec<FindingOut>,
    pub skipped_rules: Vec<SkippedOut>,
    pub exposed_objects: Vec<ExposedOut>,
    /// Findings silenced by the allow-list, with the entry's reason (not counted for `--fail-on`).
    pub suppressed: Vec<SuppressedOut>,
    /// Findings chained into incidents (DETECTIONS.md §8): indices into `findings`.
    pub incidents: Vec<IncidentOut>,
    /// Rows dropped by the catalogue's pre-filters before any rule ran.
    pub prefiltered: crate::detect::Prefiltered,
    /// Stretches of a Log Analytics range that could not be fetched: the report does not cover them.
    pub gaps: Vec<crate::source::loganalytics::fetch::Gap>,
}

#[derive(Serialize)]
pub struct Input {
    pub source: String,
    pub accepted: u64,
    pub rejected: u64,
    pub duplicates: u64,
}

#[derive(Serialize)]
pub struct FindingOut {
    pub rule: String,
    /// Which form of the rule fired (KV-01 `daily` / `hourly` / `burst`, …), when it has several.
    pub form: Option<String>,
    pub title: String,
    pub severity: Severity,
    pub mitre: Vec<String>,
    pub identities: Vec<String>,
    pub caller_ips: Vec<String>,
    pub vaults: Vec<String>,
    pub objects: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub event_count: usize,
    pub evidence: Vec<EvidenceOut>,
    pub explanation: String,
    pub kql: KqlOut,
    pub incident: Option<usize>,
}

#[derive(Serialize)]
pub struct EvidenceOut {
    pub time: String,
    pub operation: String,
    pub status: String,
    /// `input:line` of the original record.
    pub source: String,
    pub step: Option<u8>,
}

#[derive(Serialize)]
pub struct KqlOut {
    #[serde(rename = "AzureDiagnostics")]
    pub azure_diagnostics: String,
    #[serde(rename = "AZKVAuditLogs")]
    pub azkv_audit_logs: String,
}

#[derive(Serialize)]
pub struct SkippedOut {
    pub rule: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct ExposedOut {
    pub vault: String,
    pub object: String,
    pub read_by: Vec<String>,
    pub first_read: String,
    pub last_read: String,
}

#[derive(Serialize)]
pub struct SuppressedOut {
    pub rule: String,
    pub identities: Vec<String>,
    pub reason: String,
}

#[derive(Serialize)]
pub struct IncidentOut {
    pub severity: Severity,
    pub story: String,
    pub first_seen: String,
    pub last_seen: String,
    pub findings: Vec<usize>,
}

/// The stable identity string: UPN, else object id, else app id.
pub fn identity_key(store: &Store, id: u32) -> String {
    if id == 0 {
        return "anonymous".into();
    }
    let i = store.dicts.identities.get(id);
    [&i.upn, &i.unique_name, &i.oid, &i.appid]
        .into_iter()
        .flatten()
        .next()
        .map_or_else(|| "anonymous".into(), |s| s.to_string())
}

/// `secrets/name` (the object's collection and name, as Key Vault URIs write them).
pub fn object_key(store: &Store, id: u32) -> String {
    store.dicts.objects.get(id).path()
}

fn time(t: i64) -> String {
    Ticks(t).to_iso()
}

impl Report {
    pub fn build(store: &Store, load: &LoadReport, d: &Detections, min: Severity) -> io::Result<Report> {
        // Findings are ordered most severe first, so those shown are a prefix: their indices do not change.
        let shown: Vec<&Finding> = d.findings.iter().take_while(|f| f.severity >= min).collect();
        // Lines of every evidence record, computed in one pass per source.
        let rows: Vec<usize> = shown.iter().flat_map(|f| f.evidence.iter().map(|e| e.row as usize)).collect();
        let lines: HashMap<usize, u64> = rows.iter().copied().zip(store.lines_of(&rows)?).collect();
        // Incidents with a finding shown, renumbered in order.
        let kept: Vec<usize> =
            (0..d.incidents.len()).filter(|&k| d.incidents[k].findings.iter().any(|&i| i < shown.len())).collect();
        let renumbered = |k: usize| kept.iter().position(|&x| x == k);
        let findings = shown
            .iter()
            .map(|f| FindingOut {
                rule: f.rule.clone(),
                form: f.form.clone(),
                title: f.title.clone(),
                severity: f.severity,
                mitre: f.mitre.clone(),
                identities: f.identities.iter().map(|&i| identity_key(store, i)).collect(),
                caller_ips: f.caller_ips.iter().map(|&i| store.label(Dim::CallerIp, i).into_owned()).collect(),
                vaults: f.vaults.iter().map(|&v| store.label(Dim::Vault, v).into_owned()).collect(),
                objects: f.objects.iter().map(|&o| object_key(store, o)).collect(),
                first_seen: time(f.first),
                last_seen: time(f.last),
                event_count: f.event_count,
                evidence: f
                    .evidence
                    .iter()
                    .map(|e| {
                        let row = e.row as usize;
                        let (src, _) = store.provenance(row);
                        let name = store.sources.get(src as usize).map_or("?", |s| s.source.name.as_str());
                        EvidenceOut {
                            time: store.time(row).to_iso(),
                            operation: store.label(Dim::Operation, store.column(Dim::Operation)[row]).into_owned(),
                            status: store.label(Dim::Status, store.column(Dim::Status)[row]).into_owned(),
                            source: format!("{name}:{}", lines.get(&row).copied().unwrap_or(0)),
                            step: e.step,
                        }
                    })
                    .collect(),
                explanation: f.explanation.clone(),
                kql: KqlOut {
                    azure_diagnostics: f.kql.azure_diagnostics.clone(),
                    azkv_audit_logs: f.kql.azkv_audit_logs.clone(),
                },
                incident: f.incident.and_then(renumbered),
            })
            .collect();
        let incidents = kept
            .iter()
            .map(|&k| &d.incidents[k])
            .map(|i| IncidentOut {
                severity: i.severity,
                story: i.story.clone(),
                first_seen: time(i.first),
                last_seen: time(i.last),
                findings: i.findings.iter().copied().filter(|&f| f < shown.len()).collect(),
            })
            .collect();
        Ok(Report {
            inputs: load
                .inputs
                .iter()
                .map(|i| Input {
                    source: i.source.clone(),
                    accepted: i.accepted,
                    rejected: i.rejected,
                    duplicates: i.duplicates,
                })
                .collect(),
            events: store.len(),
            findings,
            skipped_rules: d
                .skipped
                .iter()
                .map(|s| SkippedOut { rule: s.rule.clone(), reason: s.reason.clone() })
                .collect(),
            exposed_objects: d
                .exposed
                .iter()
                .map(|e| ExposedOut {
                    vault: store.label(Dim::Vault, e.vault).into_owned(),
                    object: object_key(store, e.object),
                    read_by: e.read_by.iter().map(|&i| identity_key(store, i)).collect(),
                    first_read: time(e.first_read),
                    last_read: time(e.last_read),
                })
                .collect(),
            suppressed: d
                .suppressed
                .iter()
                .map(|s| SuppressedOut {
                    rule: s.finding.rule.clone(),
                    identities: s.finding.identities.iter().map(|&i| identity_key(store, i)).collect(),
                    reason: s.reason.clone(),
                })
                .collect(),
            incidents,
            prefiltered: d.prefiltered.clone(),
            gaps: Vec::new(),
        })
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// Markdown for a ticket: summary, incidents, findings with evidence and KQL, objects to rotate.
    pub fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = |t: &str| sanitize(t).replace('|', "\\|");
        writeln!(out, "# kvtrail report\n")?;
        let accepted: u64 = self.inputs.iter().map(|i| i.accepted).sum();
        let rejected: u64 = self.inputs.iter().map(|i| i.rejected).sum();
        writeln!(
            out,
            "{} events from {} inputs ({accepted} accepted, {rejected} rejected). {} findings, {} incidents, {} objects to rotate.\n",
            self.events,
            self.inputs.len(),
            self.findings.len(),
            self.incidents.len(),
            self.exposed_objects.len()
        )?;
        if !self.gaps.is_empty() {
            writeln!(
                out,
                "## Gaps: time this report does not cover

| from | to | reason |
|---|---|---|"
            )?;
            for g in &self.gaps {
                writeln!(out, "| {} | {} | {} |", g.from, g.to, s(&g.reason))?;
            }
            writeln!(out)?;
        }
        if !self.exposed_objects.is_empty() {
            writeln!(out, "## Objects to rotate\n\n| vault | object | read by | first read |\n|---|---|---|---|")?;
            for e in &self.exposed_objects {
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    s(&e.vault),
                    s(&e.object),
                    s(&e.read_by.join(", ")),
                    e.first_read
                )?;
            }
            writeln!(out)?;
        }
        if !self.incidents.is_empty() {
            writeln!(out, "## Incidents\n")?;
            for (n, i) in self.incidents.iter().enumerate() {
                let list: Vec<String> = i.findings.iter().map(|f| format!("#{}", f + 1)).collect();
                writeln!(
                    out,
                    "{}. **{}** {} ({} – {}): findings {}",
                    n + 1,
                    i.severity,
                    s(&i.story),
                    i.first_seen,
                    i.last_seen,
                    list.join(", ")
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## Findings\n")?;
        for (n, f) in self.findings.iter().enumerate() {
            let form = f.form.as_deref().map(|x| format!(" ({x})")).unwrap_or_default();
            writeln!(out, "### #{} {}{form} — {} [{}]\n", n + 1, f.rule, s(&f.title), f.severity)?;
            writeln!(out, "{}\n", s(&f.explanation))?;
            writeln!(out, "* Identities: {}", s(&f.identities.join(", ")))?;
            writeln!(out, "* Caller IPs: {}", s(&f.caller_ips.join(", ")))?;
            writeln!(out, "* Vaults: {}", s(&f.vaults.join(", ")))?;
            if !f.objects.is_empty() {
                writeln!(out, "* Objects: {}", s(&f.objects.join(", ")))?;
            }
            writeln!(out, "* When: {} – {} ({} events)", f.first_seen, f.last_seen, f.event_count)?;
            writeln!(out, "* MITRE ATT&CK: {}\n", f.mitre.join(", "))?;
            writeln!(out, "| # | time | operation | status | source |\n|---|---|---|---|---|")?;
            for e in f.evidence.iter().take(20) {
                let step = e.step.map(|x| x.to_string()).unwrap_or_default();
                writeln!(out, "| {step} | {} | {} | {} | {} |", e.time, s(&e.operation), s(&e.status), s(&e.source))?;
            }
            if f.evidence.len() > 20 {
                writeln!(out, "\n… and {} more events.", f.event_count - 20)?;
            }
            writeln!(out, "\n```kql\n{}\n```\n", s(&f.kql.azure_diagnostics))?;
        }
        if !self.skipped_rules.is_empty() {
            writeln!(out, "## Rules not run\n")?;
            for r in &self.skipped_rules {
                writeln!(out, "* {}: {}", s(&r.rule), s(&r.reason))?;
            }
            writeln!(out)?;
        }
        if !self.suppressed.is_empty() {
            writeln!(out, "## Suppressed by the allow-list\n")?;
            for r in &self.suppressed {
                writeln!(out, "* {} ({}): {}", s(&r.rule), s(&r.identities.join(", ")), s(&r.reason))?;
            }
        }
        Ok(())
    }
}
