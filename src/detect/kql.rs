//! The KQL that shows a finding again in Log Analytics, for both tables Key Vault audit events land in
//! (`AzureDiagnostics` and the resource-specific `AZKVAuditLogs`), so the analyst can hand the finding to
//! whoever holds the workspace. Control-plane evidence (Activity Log) is unioned in from `AzureActivity`.
//! Every value from the logs is escaped into a string literal: vault and object names are attacker-chosen.

use crate::event::Ticks;
use crate::event::time::TICKS_PER_SECOND;
use crate::store::Dim;

use super::ctx::Ctx;
use super::finding::{Finding, Kql};
use super::spec::{Field, GroupBy, ThresholdSpec};

/// A KQL string literal.
pub fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn list(items: &[String]) -> String {
    items.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
}

/// Column names of one table (also what the Log Analytics source queries: `source::loganalytics::kql`).
pub struct Table {
    pub name: &'static str,
    pub vault: &'static str,
    pub status: &'static str,
    pub ip: &'static str,
    pub object: &'static str,
    pub uri: &'static str,
    pub agent: &'static str,
    pub caller: &'static str,
    pub upn: &'static str,
    pub app: &'static str,
    pub scope: &'static str,
}

pub const DIAGNOSTICS: Table = Table {
    name: "AzureDiagnostics",
    vault: "Resource",
    status: "httpStatusCode_d",
    ip: "CallerIPAddress",
    object: "id_s",
    uri: "requestUri_s",
    agent: "clientInfo_s",
    caller: "coalesce(identity_claim_oid_g, identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g)",
    upn: "coalesce(identity_claim_upn_s, identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s)",
    app: "identity_claim_appid_g",
    scope: "ResourceProvider == \"MICROSOFT.KEYVAULT\" and Category == \"AuditEvent\"",
};

pub const AZKV: Table = Table {
    name: "AZKVAuditLogs",
    vault: "tostring(split(_ResourceId, \"/\")[-1])",
    status: "HttpStatusCode",
    ip: "CallerIpAddress",
    object: "Id",
    uri: "RequestUri",
    agent: "ClientInfo",
    caller: "tostring(coalesce(Identity.claim.oid, Identity.claim[\"http://schemas.microsoft.com/identity/claims/objectidentifier\"]))",
    upn: "tostring(coalesce(Identity.claim.upn, Identity.claim[\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\"]))",
    app: "tostring(Identity.claim.appid)",
    scope: "",
};

fn datetime(t: i64) -> String {
    format!("datetime({})", Ticks(t).to_iso())
}

/// Who the finding is about, as KQL conditions on `CallerObjectId` / `Upn` / `AppId` / `CallerIp`.
fn actor_filter(ctx: &Ctx, f: &Finding) -> Option<String> {
    let d = &ctx.store.dicts;
    if f.identities.len() == 1 || (f.identities.len() > 1 && f.caller_ips.len() != 1) {
        let mut oids = Vec::new();
        let mut upns = Vec::new();
        let mut apps = Vec::new();
        for &i in &f.identities {
            let id = d.identities.get(i);
            if let Some(o) = &id.oid {
                oids.push(o.to_string());
            } else if let Some(u) = id.upn.as_ref().or(id.unique_name.as_ref()) {
                upns.push(u.to_string());
            } else if let Some(a) = &id.appid {
                apps.push(a.to_string());
            }
        }
        let mut parts = Vec::new();
        if !oids.is_empty() {
            parts.push(format!("CallerObjectId in~ ({})", list(&oids)));
        }
        if !upns.is_empty() {
            parts.push(format!("Upn in~ ({})", list(&upns)));
        }
        if !apps.is_empty() {
            parts.push(format!("AppId in~ ({})", list(&apps)));
        }
        return (!parts.is_empty()).then(|| parts.join(" or "));
    }
    let ips: Vec<String> = f.caller_ips.iter().map(|&i| ctx.label(Dim::CallerIp, i)).collect();
    (!ips.is_empty()).then(|| format!("CallerIp in ({})", list(&ips)))
}

/// A KQL timespan literal (`90s`, `10m`, `1h`, `14d`).
pub fn timespan(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn summarize(t: &ThresholdSpec, table: &Table) -> String {
    let column = |f: Field| match f {
        Field::Object => table.object.to_string(),
        Field::Vault => "Vault".into(),
        Field::Operation => "OperationName".into(),
        Field::CallerIp => "CallerIp".into(),
        Field::Identity => "CallerObjectId".into(),
    };
    let by = match t.by {
        GroupBy::Identity => "CallerObjectId",
        GroupBy::CallerIp => "CallerIp",
        GroupBy::IdentityVault => "CallerObjectId, Vault",
        GroupBy::CallerIpVault => "CallerIp, Vault",
        GroupBy::Vault => "Vault",
    };
    let mut conditions = Vec::new();
    for (limit, op) in [(t.count_gt, ">"), (t.count_ge, ">=")] {
        if let Some(n) = limit {
            conditions.push(format!("Events {op} {n}"));
        }
    }
    let mut distinct = String::new();
    for (i, (f, n)) in t.distinct.iter().enumerate() {
        distinct.push_str(&format!(", Distinct{i} = dcount({})", column(*f)));
        conditions.push(format!("Distinct{i} >= {n}"));
    }
    let window = timespan(super::spec::seconds(&t.window).unwrap_or(3600));
    format!(
        "| summarize Events = count(){distinct}, First = min(TimeGenerated), Last = max(TimeGenerated) by {by}, bin(TimeGenerated, {window})\n| where {}",
        if conditions.is_empty() { "true".to_string() } else { conditions.join(" and ") }
    )
}

fn data_plane(ctx: &Ctx, f: &Finding, table: &Table, ops: &[String], vaults: &[String]) -> String {
    let mut q = vec![table.name.to_string()];
    if !table.scope.is_empty() {
        q.push(format!("| where {}", table.scope));
    }
    q.push(format!("| where TimeGenerated between ({} .. {})", datetime(f.first), datetime(f.last + TICKS_PER_SECOND)));
    q.push(format!(
        "| extend Vault = {}, CallerObjectId = {}, Upn = {}, AppId = {}, CallerIp = {}",
        table.vault, table.caller, table.upn, table.app, table.ip
    ));
    if !vaults.is_empty() {
        q.push(format!("| where Vault in~ ({})", list(vaults)));
    }
    if !ops.is_empty() {
        q.push(format!("| where OperationName in~ ({})", list(ops)));
    }
    if let Some(actor) = actor_filter(ctx, f) {
        q.push(format!("| where {actor}"));
    }
    match &f.threshold {
        Some(t) => q.push(summarize(t, table)),
        None => {
            q.push(format!(
                "| project TimeGenerated, Vault, OperationName, Status = {}, CallerIp, CallerObjectId, Upn, AppId, Object = {}, RequestUri = {}, ClientInfo = {}",
                table.status, table.object, table.uri, table.agent
            ));
            q.push("| order by TimeGenerated asc".into());
        }
    }
    q.join("\n")
}

fn activity(f: &Finding, ops: &[String], vaults: &[String]) -> String {
    let mut q = vec!["AzureActivity".to_string()];
    q.push(format!("| where TimeGenerated between ({} .. {})", datetime(f.first), datetime(f.last + TICKS_PER_SECOND)));
    q.push(format!("| where OperationNameValue in~ ({})", list(ops)));
    if !vaults.is_empty() {
        let has: Vec<String> = vaults.iter().map(|v| format!("/vaults/{v}")).collect();
        q.push(format!("| where _ResourceId has_any ({})", list(&has)));
    }
    q.push(
        "| project TimeGenerated, OperationNameValue, ActivityStatusValue, Caller, CallerIpAddress, _ResourceId".into(),
    );
    q.push("| order by TimeGenerated asc".into());
    q.join("\n")
}

/// Both queries for a finding.
pub fn for_finding(ctx: &Ctx, f: &Finding) -> Kql {
    let mut data_ops = Vec::new();
    let mut mgmt_ops = Vec::new();
    for e in &f.evidence {
        let name = ctx.op_name(e.row as usize).to_string();
        let bucket = if name.contains('/') { &mut mgmt_ops } else { &mut data_ops };
        if !bucket.contains(&name) {
            bucket.push(name);
        }
    }
    let vaults: Vec<String> = f.vaults.iter().map(|&v| ctx.label(Dim::Vault, v)).collect();
    let build = |table: &Table| match (data_ops.is_empty(), mgmt_ops.is_empty()) {
        (true, false) => activity(f, &mgmt_ops, &vaults),
        (false, false) => format!(
            "union\n({}),\n({})",
            data_plane(ctx, f, table, &data_ops, &vaults),
            activity(f, &mgmt_ops, &vaults)
        ),
        _ => data_plane(ctx, f, table, &data_ops, &vaults),
    };
    Kql { azure_diagnostics: build(&DIAGNOSTICS), azkv_audit_logs: build(&AZKV) }
}

#[cfg(test)]
mod tests {
    use super::lit;

    #[test]
    fn literals_escape_what_logs_can_carry() {
        assert_eq!(lit("kv-prod"), "\"kv-prod\"");
        assert_eq!(lit("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(lit("x\ny\u{1b}"), "\"x\\ny\\u001b\"");
    }
}
