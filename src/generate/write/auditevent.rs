//! The raw AuditEvent record (FORMATS §1.4/§1.5) as a [`Node`] tree, in the member order Azure writes.
//! Every other audit format (AzureDiagnostics, AZKVAuditLogs, CSV, Query API) is derived from this tree.

use std::borrow::Cow;

use super::json::Node;
use crate::generate::network::ip_text;
use crate::generate::population::PrincipalKind;
use crate::generate::record::{
    AccessPolicy, AuditEvent, Authorization, Caller, Description, Detail, Token, VaultConfig,
};
use crate::generate::time;

pub const CLAIM_OBJECT_ID: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";
pub const CLAIM_UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
pub const CLAIM_NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";

/// HTTP reason phrase, as Key Vault writes it in `resultSignature`.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    }
}

/// The record for one event.
pub fn record(e: &AuditEvent) -> Node {
    let mut r = Node::obj()
        .with("time", time::iso7(e.time))
        .with("resourceId", e.vault.upper_id.clone())
        .with("operationName", e.operation.name())
        .with("operationVersion", e.operation_version)
        .with("category", "AuditEvent")
        // Key Vault writes "Success" whatever the HTTP outcome; the status code is the truth.
        .with("resultType", "Success")
        .with("resultSignature", reason_phrase(e.status));
    match &e.description {
        Description::Absent => {}
        Description::Empty => r.push("resultDescription", ""),
        Description::Text(t) => r.push("resultDescription", t.clone()),
    }
    r.push("durationMs", e.duration_ms.to_string());
    r.push("callerIpAddress", ip_text(e.caller_ip));
    r.push("correlationId", e.correlation_id.map(|g| g.to_string()).unwrap_or_default());
    r.push("identity", identity(e));
    r.push("properties", properties(e));
    r
}

/// `identity`: `{}` for unauthenticated calls, otherwise `{"claim": {…}}` in the dialect of the operation.
pub fn identity(e: &AuditEvent) -> Node {
    match &e.caller {
        Caller::Anonymous => Node::obj(),
        Caller::Token(t) => {
            let tenant = e.vault.tenant;
            let claims =
                if e.operation.is_vault_level() { long_claims(t) } else { short_claims(t, &tenant.to_string()) };
            Node::obj().with("claim", claims)
        }
    }
}

/// ARM-path vault operations carry WS-Fed style claim URIs.
fn long_claims(t: &Token) -> Node {
    let p = &t.principal;
    let mut c = Node::obj().with(CLAIM_OBJECT_ID, p.oid.to_string());
    if let Some(upn) = p.upn() {
        c.push(CLAIM_UPN, upn.to_string());
        c.push(CLAIM_NAME, upn.to_string());
    }
    c.push("appid", t.appid.clone());
    c
}

/// Data-plane operations carry the access token's short JWT claim names.
fn short_claims(t: &Token, tenant: &str) -> Node {
    let p = &t.principal;
    let iss = format!("https://sts.windows.net/{tenant}/");
    let mut c = Node::obj().with("oid", p.oid.to_string());
    match &p.kind {
        PrincipalKind::User { upn, .. } => {
            c.push("upn", upn.clone());
            c.push("unique_name", upn.clone());
            c.push("name", p.display_name.clone());
            c.push("appid", t.appid.clone());
            c.push("appidacr", t.acr);
            c.push("scp", "user_impersonation");
            c.push_opt("ipaddr", t.ipaddr.map(ip_text));
            c.push("iss", iss);
        }
        PrincipalKind::ServicePrincipal { .. } | PrincipalKind::FirstParty { .. } => {
            c.push("appid", t.appid.clone());
            c.push("appidacr", t.acr);
            c.push("idtyp", "app");
            c.push("iss", iss);
            c.push("xms_az_nwperimid", Node::Arr(vec![]));
        }
        PrincipalKind::ManagedIdentity { mirid, az_rid, .. } => {
            c.push("appid", t.appid.clone());
            c.push("appidacr", t.acr);
            c.push("idtyp", "app");
            c.push("xms_mirid", mirid.clone());
            c.push_opt("xms_az_rid", az_rid.clone());
            c.push("iss", iss);
            c.push("xms_az_nwperimid", Node::Arr(vec![]));
        }
    }
    c
}

fn properties(e: &AuditEvent) -> Node {
    let mut p = Node::obj().with("clientInfo", e.client_info).with("requestUri", e.request_uri.clone());
    p.push_opt("id", e.object_uri.clone());
    p.push("httpStatusCode", e.status);
    match e.authorization {
        Authorization::None => {}
        Authorization::AccessPolicy { matched } => p.push("isAccessPolicyMatch", matched),
        Authorization::Rbac { authorized, assignment } => {
            p.push("isRbacAuthorized", authorized);
            p.push_opt("appliedAssignmentId", assignment.map(|g| g.to_string()));
        }
    }
    p.push("tlsVersion", e.tls);
    p.push_opt("addrAuthType", e.addr_auth);
    match &e.detail {
        Detail::None => {}
        Detail::Vault(config) => p.push("properties", vault_config(config, e)),
        Detail::AccessPolicyChange(change) => {
            p.push("properties", vault_config(&change.config, e));
            p.push_opt("addedAccessPolicy", change.added.as_ref().map(access_policy));
            p.push_opt("removedAccessPolicy", change.removed.as_ref().map(access_policy));
        }
        Detail::Key { key_type, size, operations, exp } => {
            let mut attributes = Node::obj().with("enabled", true).with("exp", *exp);
            if key_type.ends_with("HSM") {
                attributes.push("hsmPlatform", "2");
            }
            p.push(
                "keyProperties",
                Node::obj()
                    .with("type", *key_type)
                    .with("size", *size)
                    .with("operations", Node::string_array(operations))
                    .with("attributes", attributes),
            );
        }
        Detail::Secret { content_type } => p.push(
            "secretProperties",
            Node::obj().with("type", *content_type).with("attributes", Node::obj().with("enabled", true)),
        ),
        Detail::Certificate { subject, thumbprint, nbf, exp } => p.push(
            "certificateProperties",
            Node::obj()
                .with("attributes", Node::obj().with("enabled", true))
                .with("subject", subject.clone())
                .with("sha1", thumbprint.clone())
                .with("nbf", time::iso_seconds(*nbf))
                .with("exp", time::iso_seconds(*exp)),
        ),
    }
    p
}

/// `properties.properties` of Vault* records (note the capitalised `sku` members, as Key Vault writes them).
fn vault_config(c: &VaultConfig, e: &AuditEvent) -> Node {
    let network = match &c.network {
        None => Node::Null,
        Some((action, rules)) => Node::obj()
            .with("bypass", "AzureServices")
            .with("defaultAction", *action)
            .with("ipRules", Node::Arr(rules.iter().map(|r| Node::obj().with("value", r.clone())).collect()))
            .with("virtualNetworkRules", Node::Arr(vec![])),
    };
    Node::obj()
        .with(
            "sku",
            Node::obj()
                .with("Family", "A")
                .with("Name", if c.premium { "Premium" } else { "Standard" })
                .with("Capacity", Node::Null),
        )
        .with("tenantId", e.vault.tenant.to_string())
        .with("networkAcls", network)
        .with("enabledForDeployment", c.enabled_for_deployment)
        .with("enabledForDiskEncryption", false)
        .with("enabledForTemplateDeployment", c.enabled_for_template_deployment)
        .with("enableSoftDelete", true)
        .with("softDeleteRetentionInDays", c.soft_delete_days)
        .with("enableRbacAuthorization", c.rbac)
        .with("enablePurgeProtection", if c.purge_protection { Node::Bool(true) } else { Node::Null })
}

fn access_policy(a: &AccessPolicy) -> Node {
    let list = |items: &[&'static str]| Node::Arr(items.iter().map(|s| Node::Str(Cow::Borrowed(*s))).collect());
    Node::obj().with("TenantId", a.tenant.to_string()).with("ObjectId", a.object_id.to_string()).with(
        "Permissions",
        Node::obj()
            .with("keys", list(&a.keys))
            .with("secrets", list(&a.secrets))
            .with("certificates", list(&a.certificates)),
    )
}
