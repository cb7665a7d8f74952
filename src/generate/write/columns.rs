//! AzureDiagnostics rows: how Log Analytics flattens a raw AuditEvent into typed columns (FORMATS §2.1–§2.2), and
//! the fixed column list (the workspace schema) the tabular formats print in.
//!
//! Flattening rules: top-level fields become fixed PascalCase columns (`CallerIPAddress` with upper-case IP);
//! first-level `properties.*` lose their prefix (`requestUri_s`), the nested vault `properties.properties.*` keep it
//! (`properties_sku_Name_s`); claim names have every run of non-alphanumerics replaced by one `_`; a suffix gives the
//! type — `_s` string (arrays become JSON text), `_g` GUID, `_t` datetime, `_d` real, `_b` bool. Nulls produce no
//! column.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::Context;
use super::json::Node;
use crate::generate::record::AuditEvent;
use crate::generate::time::{self, Ticks};

/// Query-API column types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    DateTime,
    Real,
    Long,
    Bool,
    Guid,
}

impl ColumnType {
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::DateTime => "datetime",
            ColumnType::Real => "real",
            ColumnType::Long => "long",
            ColumnType::Bool => "bool",
            ColumnType::Guid => "guid",
        }
    }
}

use ColumnType::{Bool as B, DateTime as T, Guid as G, Long as L, Real as R, String as S};

/// Every column the generator can populate, in workspace order.
pub const COLUMNS: &[(&str, ColumnType)] = &[
    ("TenantId", S),
    ("TimeGenerated", T),
    ("ResourceId", S),
    ("Category", S),
    ("ResourceGroup", S),
    ("SubscriptionId", S),
    ("ResourceProvider", S),
    ("Resource", S),
    ("ResourceType", S),
    ("OperationName", S),
    ("ResultType", S),
    ("CorrelationId", S),
    ("ResultDescription", S),
    ("ResultSignature", S),
    ("OperationVersion", S),
    ("DurationMs", L),
    ("CallerIPAddress", S),
    ("requestUri_s", S),
    ("id_s", S),
    ("clientInfo_s", S),
    ("httpStatusCode_d", R),
    ("isAccessPolicyMatch_b", B),
    ("isRbacAuthorized_b", B),
    ("appliedAssignmentId_g", G),
    ("tlsVersion_s", S),
    ("addrAuthType_s", S),
    ("identity_claim_oid_g", G),
    ("identity_claim_upn_s", S),
    ("identity_claim_unique_name_s", S),
    ("identity_claim_name_s", S),
    ("identity_claim_appid_g", G),
    ("identity_claim_appidacr_s", S),
    ("identity_claim_idtyp_s", S),
    ("identity_claim_scp_s", S),
    ("identity_claim_ipaddr_s", S),
    ("identity_claim_xms_mirid_s", S),
    ("identity_claim_xms_az_rid_s", S),
    ("identity_claim_iss_s", S),
    ("identity_claim_xms_az_nwperimid_s", S),
    ("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", G),
    ("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s", S),
    ("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s", S),
    ("properties_sku_Family_s", S),
    ("properties_sku_Name_s", S),
    ("properties_tenantId_g", G),
    ("properties_networkAcls_bypass_s", S),
    ("properties_networkAcls_defaultAction_s", S),
    ("properties_networkAcls_ipRules_s", S),
    ("properties_networkAcls_virtualNetworkRules_s", S),
    ("properties_enabledForDeployment_b", B),
    ("properties_enabledForDiskEncryption_b", B),
    ("properties_enabledForTemplateDeployment_b", B),
    ("properties_enableSoftDelete_b", B),
    ("properties_softDeleteRetentionInDays_d", R),
    ("properties_enableRbacAuthorization_b", B),
    ("properties_enablePurgeProtection_b", B),
    ("addedAccessPolicy_TenantId_g", G),
    ("addedAccessPolicy_ObjectId_g", G),
    ("addedAccessPolicy_Permissions_keys_s", S),
    ("addedAccessPolicy_Permissions_secrets_s", S),
    ("addedAccessPolicy_Permissions_certificates_s", S),
    ("removedAccessPolicy_TenantId_g", G),
    ("removedAccessPolicy_ObjectId_g", G),
    ("removedAccessPolicy_Permissions_keys_s", S),
    ("removedAccessPolicy_Permissions_secrets_s", S),
    ("removedAccessPolicy_Permissions_certificates_s", S),
    ("keyProperties_type_s", S),
    ("keyProperties_size_d", R),
    ("keyProperties_operations_s", S),
    ("keyProperties_attributes_enabled_b", B),
    ("keyProperties_attributes_exp_d", R),
    ("keyProperties_attributes_hsmPlatform_s", S),
    ("secretProperties_type_s", S),
    ("secretProperties_attributes_enabled_b", B),
    ("certificateProperties_attributes_enabled_b", B),
    ("certificateProperties_subject_s", S),
    ("certificateProperties_sha1_s", S),
    ("certificateProperties_nbf_t", T),
    ("certificateProperties_exp_t", T),
    ("SourceSystem", S),
    ("Type", S),
    ("_ResourceId", S),
];

/// A typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    DateTime(Ticks),
    Real(f64),
    Long(i64),
    Bool(bool),
}

/// One AzureDiagnostics row: `COLUMNS[i]` ↦ `cells[i]`.
pub type Row = Vec<Option<Cell>>;

fn column_index() -> &'static HashMap<&'static str, usize> {
    static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    INDEX.get_or_init(|| COLUMNS.iter().enumerate().map(|(i, (name, _))| (*name, i)).collect())
}

/// A flattened column name that is not in [`COLUMNS`]: a generator bug, reported instead of silently dropped.
#[derive(Debug, thiserror::Error)]
#[error("column {0} is not in the AzureDiagnostics column list")]
pub struct UnknownColumn(pub String);

struct RowBuilder {
    cells: Row,
}

impl RowBuilder {
    fn set(&mut self, name: &str, cell: Cell) -> Result<(), UnknownColumn> {
        let i = *column_index().get(name).ok_or_else(|| UnknownColumn(name.to_string()))?;
        self.cells[i] = Some(cell);
        Ok(())
    }

    fn text(&mut self, name: &str, value: impl Into<String>) -> Result<(), UnknownColumn> {
        self.set(name, Cell::Text(value.into()))
    }
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Claim and property names → column fragments: each run of non-alphanumerics becomes one `_`.
pub fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending = false;
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            if pending && !out.is_empty() {
                out.push('_');
            }
            pending = false;
            out.push(ch);
        } else {
            pending = true;
        }
    }
    out
}

fn flatten(builder: &mut RowBuilder, prefix: &str, node: &Node) -> Result<(), UnknownColumn> {
    match node {
        Node::Null => Ok(()),
        Node::Obj(members) => {
            for (k, v) in members {
                flatten(builder, &format!("{prefix}_{}", sanitize(k)), v)?;
            }
            Ok(())
        }
        Node::Arr(_) => builder.text(&format!("{prefix}_s"), node.to_json_text()),
        Node::Bool(b) => builder.set(&format!("{prefix}_b"), Cell::Bool(*b)),
        Node::Int(i) => builder.set(&format!("{prefix}_d"), Cell::Real(*i as f64)),
        Node::Real(f) => builder.set(&format!("{prefix}_d"), Cell::Real(*f)),
        Node::Str(s) => {
            if is_guid(s) {
                builder.text(&format!("{prefix}_g"), s.to_string())
            } else if let Some(t) = time::parse_iso(s) {
                builder.set(&format!("{prefix}_t"), Cell::DateTime(t))
            } else {
                builder.text(&format!("{prefix}_s"), s.to_string())
            }
        }
    }
}

fn text_of<'a>(record: &'a Node, key: &str) -> Option<&'a str> {
    record.get(key).and_then(Node::as_str)
}

/// The AzureDiagnostics row of one event.
pub fn row(e: &AuditEvent, ctx: &Context) -> Result<Row, UnknownColumn> {
    let record = super::auditevent::record(e);
    let mut b = RowBuilder { cells: vec![None; COLUMNS.len()] };
    let v = &e.vault;
    b.text("TenantId", ctx.workspace_id.to_string())?;
    b.set("TimeGenerated", Cell::DateTime(e.time))?;
    b.text("ResourceId", v.upper_id.clone())?;
    b.text("Category", "AuditEvent")?;
    b.text("ResourceGroup", v.resource_group.to_uppercase())?;
    b.text("SubscriptionId", v.subscription.to_string())?;
    b.text("ResourceProvider", "MICROSOFT.KEYVAULT")?;
    b.text("Resource", v.name.to_uppercase())?;
    b.text("ResourceType", "VAULTS")?;
    for (key, column) in [
        ("operationName", "OperationName"),
        ("resultType", "ResultType"),
        ("correlationId", "CorrelationId"),
        ("resultDescription", "ResultDescription"),
        ("resultSignature", "ResultSignature"),
        ("operationVersion", "OperationVersion"),
        ("callerIpAddress", "CallerIPAddress"),
    ] {
        if let Some(value) = text_of(&record, key) {
            b.text(column, value.to_string())?;
        }
    }
    if let Some(d) = text_of(&record, "durationMs").and_then(|d| d.parse::<i64>().ok()) {
        b.set("DurationMs", Cell::Long(d))?;
    }
    if let Some(Node::Obj(props)) = record.get("properties") {
        for (k, value) in props {
            if k == "properties" {
                flatten(&mut b, "properties", value)?;
            } else {
                flatten(&mut b, &sanitize(k), value)?;
            }
        }
    }
    if let Some(Node::Obj(claims)) = record.get("identity").and_then(|i| i.get("claim")) {
        for (k, value) in claims {
            flatten(&mut b, &format!("identity_claim_{}", sanitize(k)), value)?;
        }
    }
    b.text("SourceSystem", "Azure")?;
    b.text("Type", "AzureDiagnostics")?;
    b.text("_ResourceId", v.lower_id.clone())?;
    Ok(b.cells)
}

/// A cell as the Query API / JSON export would carry it.
pub fn cell_node(cell: &Cell) -> Node {
    match cell {
        Cell::Text(s) => Node::from(s.clone()),
        Cell::DateTime(t) => Node::from(time::iso7(*t)),
        Cell::Real(f) => Node::Real(*f),
        Cell::Long(i) => Node::Int(*i),
        Cell::Bool(b) => Node::Bool(*b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_names_flatten_like_log_analytics() {
        assert_eq!(
            sanitize("http://schemas.microsoft.com/identity/claims/objectidentifier"),
            "http_schemas_microsoft_com_identity_claims_objectidentifier"
        );
        assert_eq!(sanitize("xms_mirid"), "xms_mirid");
        assert_eq!(
            sanitize("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"),
            "http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn"
        );
        assert!(is_guid("509e4652-da8d-478d-a730-e9d4a1996ca4"));
        assert!(!is_guid("TLS1_2"));
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len(), "duplicate column");
    }
}
