//! The KQL kvtrail sends to a workspace. Every query starts from one [`Table`]'s Key Vault rows, optionally
//! narrowed to named vaults; fetches project only the columns the event model reads, through
//! `column_ifexists` — an `AzureDiagnostics` table only has the flattened columns some record once carried, and
//! projecting a missing one is a query error, not an empty value.

use std::fmt;

use crate::detect::kql::{AZKV, DIAGNOSTICS, list, lit};
use crate::store::Dim;
use crate::store::remote::{REMOTE_DIMS, RemoteClause};

/// Where a workspace keeps Key Vault audit rows (FORMATS.md §2, §3), or the Activity Log (§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    AzureDiagnostics,
    AzkvAuditLogs,
    AzureActivity,
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Table::AzureDiagnostics => "AzureDiagnostics",
            Table::AzkvAuditLogs => "AZKVAuditLogs",
            Table::AzureActivity => "AzureActivity",
        })
    }
}

/// Columns of `AzureDiagnostics` the event model reads (`ingest::fields::top`).
const DIAGNOSTICS_COLUMNS: &[&str] = &[
    "ResourceId",
    "Resource",
    "ResourceProvider",
    "Category",
    "OperationName",
    "ResultSignature",
    "ResultDescription",
    "DurationMs",
    "CallerIPAddress",
    "CorrelationId",
    "requestUri_s",
    "clientInfo_s",
    "id_s",
    "httpStatusCode_d",
    "isAccessPolicyMatch_b",
    "isRbacAuthorized_b",
    "tlsVersion_s",
    "addrAuthType_s",
    "identity_claim_oid_g",
    "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
    "identity_claim_upn_s",
    "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s",
    "identity_claim_unique_name_s",
    "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s",
    "identity_claim_appid_g",
    "identity_claim_idtyp_s",
    "identity_claim_xms_mirid_s",
    "identity_claim_ipaddr_s",
    "addedAccessPolicy_ObjectId_g",
    "addedAccessPolicy_Permissions_keys_s",
    "addedAccessPolicy_Permissions_secrets_s",
    "addedAccessPolicy_Permissions_certificates_s",
    "removedAccessPolicy_ObjectId_g",
    "removedAccessPolicy_Permissions_keys_s",
    "removedAccessPolicy_Permissions_secrets_s",
    "removedAccessPolicy_Permissions_certificates_s",
    "properties_enableRbacAuthorization_b",
    "properties_enablePurgeProtection_b",
    "properties_enableSoftDelete_b",
    "properties_softDeleteRetentionInDays_d",
    "properties_networkAcls_defaultAction_s",
    "properties_networkAcls_bypass_s",
    "properties_networkAcls_ipRules_s",
    "properties_publicNetworkAccess_s",
    "addedIpRule_Value_s",
];

/// Columns of `AZKVAuditLogs` the event model reads (a fixed schema, FORMATS.md §3).
const AUDIT_LOGS_COLUMNS: &[&str] = &[
    "_ResourceId",
    "OperationName",
    "ResultSignature",
    "ResultDescription",
    "DurationMs",
    "CallerIpAddress",
    "CorrelationId",
    "Identity",
    "Properties",
    "RequestUri",
    "Id",
    "ClientInfo",
    "HttpStatusCode",
    "IsAccessPolicyMatch",
    "IsRbacAuthorized",
    "Tlsversion",
    "AddressAuthorizationType",
    "EnableRbacAuthorization",
    "EnablePurgeProtection",
    "EnableSoftDelete",
    "SoftDeleteRetentionInDays",
    "NetworkAcls",
    "VaultProperties",
];

/// Which rows a query is about: a table's Key Vault rows, the named vaults, and a drill-down the workspace
/// does itself (server-side pivots: [`RemoteClause`]s, values of a pivot's dimension, OR-ed within one
/// dimension and AND-ed across them, as the workbench's own filters are).
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    pub table: Table,
    pub vaults: &'a [String],
    pub scope: &'a [RemoteClause],
}

impl<'a> Rows<'a> {
    pub fn new(table: Table, vaults: &'a [String]) -> Rows<'a> {
        Rows { table, vaults, scope: &[] }
    }

    pub fn scoped(self, scope: &'a [RemoteClause]) -> Rows<'a> {
        Rows { scope, ..self }
    }

    /// The table's Key Vault rows, narrowed to `vaults` (names, case-insensitive) when any are given, and to the
    /// drill-down. The table name, scope and vault column are the ones the findings' KQL uses (`detect::kql`).
    pub fn text(&self) -> String {
        let (mut q, vault) = match self.table {
            Table::AzureDiagnostics => {
                (format!("{}\n| where {}", DIAGNOSTICS.name, DIAGNOSTICS.scope), DIAGNOSTICS.vault)
            }
            Table::AzkvAuditLogs => (AZKV.name.to_string(), AZKV.vault),
            // Key Vault management operations, including diagnostic settings written on a vault.
            Table::AzureActivity => (
                "AzureActivity\n| where _ResourceId has \"/providers/microsoft.keyvault/\"".to_string(),
                "tostring(split(_ResourceId, \"/\")[8])",
            ),
        };
        if !self.vaults.is_empty() {
            q.push_str(&format!("\n| where {vault} in~ ({})", list(self.vaults)));
        }
        q.push_str(&self.scope_text());
        q
    }

    /// The drill-down as `where` lines: a dimension's chosen values `in~`, each excluded one `!~`.
    fn scope_text(&self) -> String {
        let mut out = String::new();
        for dim in REMOTE_DIMS {
            let Some(expr) = dimension(self.table, dim) else { continue };
            let chosen: Vec<String> =
                self.scope.iter().filter(|c| c.dim == dim && !c.exclude).map(|c| c.value.clone()).collect();
            if !chosen.is_empty() {
                out.push_str(&format!("\n| where {expr} in~ ({})", list(&chosen)));
            }
            for c in self.scope.iter().filter(|c| c.dim == dim && c.exclude) {
                out.push_str(&format!("\n| where {expr} !~ {}", lit(&c.value)));
            }
        }
        out
    }

    /// The columns the event model needs, for every row in the range.
    pub fn fetch(&self) -> String {
        let columns = match self.table {
            Table::AzureDiagnostics => DIAGNOSTICS_COLUMNS,
            Table::AzkvAuditLogs => AUDIT_LOGS_COLUMNS,
            Table::AzureActivity => return self.text(),
        };
        let projected: Vec<String> =
            columns.iter().map(|c| format!("{c} = column_ifexists({}, \"\")", lit(c))).collect();
        format!("{}\n| project TimeGenerated, Type, {}", self.text(), projected.join(", "))
    }

    /// Rows per time bin: how the fetch is sliced so each query stays under the service's limits.
    pub fn count_by_bin(&self, bin_seconds: i64) -> String {
        format!("{}\n| summarize count() by bin(TimeGenerated, {bin_seconds}s)", self.text())
    }

    /// Whether the table exists and holds Key Vault rows in the range (a missing table is a `SemanticError`).
    pub fn probe(&self) -> String {
        format!("{}\n| take 1\n| count", self.text())
    }

    pub fn count(&self) -> String {
        format!("{}\n| count", self.text())
    }

    /// The `top` values of a pivot's dimension with their total and failed counts (`None` for the Activity
    /// Log, which has no such columns).
    pub fn facet(&self, dim: Dim, top: usize) -> Option<String> {
        let expr = dimension(self.table, dim)?;
        let failed = failed(self.table)?;
        Some(format!(
            "{}\n| summarize total = count(), failed = countif({failed}) by value = {expr}\n| top {top} by total",
            self.text()
        ))
    }
}

/// A pivot's value as the workspace computes it: the same value the event model shows, as far as KQL can say
/// it (a vault's name lower-cased; an identity's UPN, else its object id, else its application id).
pub fn dimension(table: Table, dim: Dim) -> Option<String> {
    let t = match table {
        Table::AzureDiagnostics => &DIAGNOSTICS,
        Table::AzkvAuditLogs => &AZKV,
        Table::AzureActivity => return None,
    };
    Some(match dim {
        Dim::CallerIp => t.ip.to_string(),
        Dim::Identity => {
            // coalesce() wants one type: the GUID columns as strings.
            let text = |e: &str| if e.starts_with("tostring(") { e.to_string() } else { format!("tostring({e})") };
            format!("coalesce({}, {}, {})", text(t.upn), text(t.caller), text(t.app))
        }
        Dim::Vault => format!("tolower({})", t.vault),
        Dim::Operation => "OperationName".to_string(),
        _ => return None,
    })
}

/// A failed call: an HTTP status of 400 or more.
fn failed(table: Table) -> Option<String> {
    match table {
        Table::AzureDiagnostics => Some(format!("toint({}) >= 400", DIAGNOSTICS.status)),
        Table::AzkvAuditLogs => Some(format!("toint({}) >= 400", AZKV.status)),
        Table::AzureActivity => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_names_are_escaped_literals() {
        let q = Rows::new(Table::AzureDiagnostics, &["kv-pay".into(), "x\"y".into()]).text();
        assert!(q.ends_with(r#"| where Resource in~ ("kv-pay", "x\"y")"#), "{q}");
    }

    #[test]
    fn fetches_project_through_column_ifexists() {
        let q = Rows::new(Table::AzureDiagnostics, &[]).fetch();
        assert!(q.starts_with("AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.KEYVAULT\""));
        assert!(q.contains("identity_claim_upn_s = column_ifexists(\"identity_claim_upn_s\", \"\")"));
        assert!(Rows::new(Table::AzkvAuditLogs, &[]).fetch().contains("| project TimeGenerated, Type, _ResourceId = "));
        assert_eq!(
            Rows::new(Table::AzkvAuditLogs, &[]).count_by_bin(3600),
            "AZKVAuditLogs\n| summarize count() by bin(TimeGenerated, 3600s)"
        );
    }

    #[test]
    fn a_drill_down_is_or_within_a_dimension_and_and_across() {
        let scope = [
            RemoteClause { dim: Dim::Vault, value: "kv-a".into(), exclude: false },
            RemoteClause { dim: Dim::Vault, value: "kv-b".into(), exclude: false },
            RemoteClause { dim: Dim::CallerIp, value: "10.0.0.1".into(), exclude: true },
        ];
        let q = Rows::new(Table::AzureDiagnostics, &[]).scoped(&scope).count();
        assert!(
            q.contains(
                "\n| where CallerIPAddress !~ \"10.0.0.1\"\n| where tolower(Resource) in~ (\"kv-a\", \"kv-b\")\n| count"
            ),
            "{q}"
        );
        let q = Rows::new(Table::AzkvAuditLogs, &[]).scoped(&scope).facet(Dim::Identity, 500).unwrap();
        assert!(q.ends_with("countif(toint(HttpStatusCode) >= 400) by value = coalesce(tostring(coalesce(Identity.claim.upn, Identity.claim[\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\"])), tostring(coalesce(Identity.claim.oid, Identity.claim[\"http://schemas.microsoft.com/identity/claims/objectidentifier\"])), tostring(Identity.claim.appid))\n| top 500 by total"), "{q}");
        let q = Rows::new(Table::AzureDiagnostics, &[]).facet(Dim::Identity, 5).unwrap();
        assert!(q.contains("coalesce(tostring(coalesce(identity_claim_upn_s, "), "{q}");
        assert!(Rows::new(Table::AzureActivity, &[]).facet(Dim::Vault, 5).is_none());
    }
}
