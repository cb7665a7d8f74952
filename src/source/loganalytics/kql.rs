//! The KQL kvtrail sends to a workspace. Every query starts from one [`Table`]'s Key Vault rows, optionally
//! narrowed to named vaults; fetches project only the columns the event model reads, through
//! `column_ifexists` — an `AzureDiagnostics` table only has the flattened columns some record once carried, and
//! projecting a missing one is a query error, not an empty value.

use std::fmt;

use crate::detect::kql::{AZKV, DIAGNOSTICS, list, lit};

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

/// The table's Key Vault rows, narrowed to `vaults` (names, case-insensitive) when any are given.
/// The table name, scope and vault column are the ones the findings' KQL uses (`detect::kql`).
pub fn rows(table: Table, vaults: &[String]) -> String {
    let (mut q, vault) = match table {
        Table::AzureDiagnostics => (format!("{}\n| where {}", DIAGNOSTICS.name, DIAGNOSTICS.scope), DIAGNOSTICS.vault),
        Table::AzkvAuditLogs => (AZKV.name.to_string(), AZKV.vault),
        // Key Vault management operations, including diagnostic settings written on a vault.
        Table::AzureActivity => (
            "AzureActivity\n| where _ResourceId has \"/providers/microsoft.keyvault/\"".to_string(),
            "tostring(split(_ResourceId, \"/\")[8])",
        ),
    };
    if !vaults.is_empty() {
        q.push_str(&format!("\n| where {vault} in~ ({})", list(vaults)));
    }
    q
}

/// The rows to fetch, with only the columns kvtrail reads (the Activity Log is small: all of it).
pub fn fetch(table: Table, vaults: &[String]) -> String {
    let columns = match table {
        Table::AzureDiagnostics => DIAGNOSTICS_COLUMNS,
        Table::AzkvAuditLogs => AUDIT_LOGS_COLUMNS,
        Table::AzureActivity => return rows(table, vaults),
    };
    let projected: Vec<String> = columns.iter().map(|c| format!("{c} = column_ifexists({}, \"\")", lit(c))).collect();
    format!("{}\n| project TimeGenerated, Type, {}", rows(table, vaults), projected.join(", "))
}

/// Rows per time bin: how the fetch is sliced so each query stays under the service's limits.
pub fn count_by_bin(table: Table, vaults: &[String], bin_seconds: i64) -> String {
    format!("{}\n| summarize count() by bin(TimeGenerated, {bin_seconds}s)", rows(table, vaults))
}

/// Whether the table exists and holds Key Vault rows in the range (a missing table is a `SemanticError`).
pub fn probe(table: Table, vaults: &[String]) -> String {
    format!("{}\n| take 1\n| count", rows(table, vaults))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_names_are_escaped_literals() {
        let q = rows(Table::AzureDiagnostics, &["kv-pay".into(), "x\"y".into()]);
        assert!(q.ends_with(r#"| where Resource in~ ("kv-pay", "x\"y")"#), "{q}");
    }

    #[test]
    fn fetches_project_through_column_ifexists() {
        let q = fetch(Table::AzureDiagnostics, &[]);
        assert!(q.starts_with("AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.KEYVAULT\""));
        assert!(q.contains("identity_claim_upn_s = column_ifexists(\"identity_claim_upn_s\", \"\")"));
        assert!(fetch(Table::AzkvAuditLogs, &[]).contains("| project TimeGenerated, Type, _ResourceId = "));
        assert_eq!(
            count_by_bin(Table::AzkvAuditLogs, &[], 3600),
            "AZKVAuditLogs\n| summarize count() by bin(TimeGenerated, 3600s)"
        );
    }
}
