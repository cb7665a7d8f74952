//! `azkv`: rows of the resource-specific `AZKVAuditLogs` table as a JSON array (FORMATS §3). Column names are
//! PascalCase with the table's own quirks (`CallerIpAddress`, `Tlsversion`), `Identity` keeps the raw identity
//! object, and nested objects stay objects (dynamic columns). Absent values are omitted.
//!
//! The table has no column for access-policy changes; they are kept in the `Properties` bag
//! (`{"addedAccessPolicy": …}`) — an assumption, no real AZKVAuditLogs row with a policy change has been seen.

use std::io::{self};

use super::json::{Layout, Node, write_value};
use super::{Context, Output, Sink, auditevent};
use crate::generate::record::AuditEvent;

pub struct AzkvRows {
    out: Output,
    ctx: Context,
    count: u64,
}

impl AzkvRows {
    pub fn new(out: Output, ctx: Context) -> AzkvRows {
        AzkvRows { out, ctx, count: 0 }
    }
}

/// Builds the AZKVAuditLogs row of one event.
pub fn row(e: &AuditEvent, ctx: &Context) -> Node {
    let record = auditevent::record(e);
    let empty = Node::obj();
    let props = record.get("properties").unwrap_or(&empty);
    let top = |k: &str| record.get(k).cloned();
    let prop = |k: &str| props.get(k).cloned();
    let mut r = Node::obj()
        .with("TenantId", ctx.workspace_id.to_string())
        .with("TimeGenerated", crate::generate::time::iso7(e.time));
    r.push_opt("OperationName", top("operationName"));
    r.push_opt("OperationVersion", top("operationVersion"));
    r.push_opt("ResultType", top("resultType"));
    r.push_opt("ResultSignature", top("resultSignature"));
    r.push_opt("ResultDescription", top("resultDescription"));
    r.push("DurationMs", e.duration_ms);
    r.push_opt("CallerIpAddress", top("callerIpAddress"));
    r.push_opt("CorrelationId", top("correlationId"));
    r.push_opt("Identity", top("identity"));
    r.push_opt("RequestUri", prop("requestUri"));
    r.push_opt("Id", prop("id"));
    r.push_opt("ClientInfo", prop("clientInfo"));
    r.push("HttpStatusCode", e.status);
    r.push_opt("IsAccessPolicyMatch", prop("isAccessPolicyMatch"));
    r.push_opt("IsRbacAuthorized", prop("isRbacAuthorized"));
    r.push_opt("AppliedAssignmentId", prop("appliedAssignmentId"));
    r.push_opt("AddressAuthorizationType", prop("addrAuthType"));
    r.push_opt("Tlsversion", prop("tlsVersion"));
    r.push_opt("KeyProperties", prop("keyProperties"));
    r.push_opt("SecretProperties", prop("secretProperties"));
    r.push_opt("CertificateProperties", prop("certificateProperties"));
    if let Some(vault) = props.get("properties") {
        r.push_opt("Sku", vault.get("sku").cloned());
        if let Some(acl) = vault.get("networkAcls").filter(|n| **n != Node::Null) {
            r.push("NetworkAcls", acl.clone());
        }
        for (raw, column) in [
            ("enabledForDeployment", "EnabledForDeployment"),
            ("enabledForDiskEncryption", "EnabledForDiskEncryption"),
            ("enabledForTemplateDeployment", "EnabledForTemplateDeployment"),
            ("enableSoftDelete", "EnableSoftDelete"),
            ("softDeleteRetentionInDays", "SoftDeleteRetentionInDays"),
            ("enableRbacAuthorization", "EnableRbacAuthorization"),
            ("enablePurgeProtection", "EnablePurgeProtection"),
        ] {
            if let Some(v) = vault.get(raw).filter(|n| **n != Node::Null) {
                r.push(column, v.clone());
            }
        }
    }
    let mut bag = Node::obj();
    bag.push_opt("addedAccessPolicy", prop("addedAccessPolicy"));
    bag.push_opt("removedAccessPolicy", prop("removedAccessPolicy"));
    if bag != Node::obj() {
        r.push("Properties", bag);
    }
    r.push("SourceSystem", "Azure");
    r.push("Type", "AZKVAuditLogs");
    r.push("_ResourceId", e.vault.lower_id.clone());
    r.push("_SubscriptionId", e.vault.subscription.to_string());
    r
}

impl Sink for AzkvRows {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        self.out.array_item(self.count)?;
        write_value(&mut self.out, &row(event, &self.ctx), Layout::Compact, false)?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.close_array(self.count)?;
        self.out.finish()
    }
}
