//! Activity Log events in their two file shapes (FORMATS §4.1/§4.2):
//! * `activity`: the REST "EventData" array that `az monitor activity-log list` and Microsoft-Extractor-Suite
//!   save — camelCase, `{value, localizedValue}` pairs, long-URI claims, newest event first (the REST API's order,
//!   so the events are buffered and written at the end; there are few of them).
//! * the resource-log shape of `insights-activity-logs` blobs (used by the `storage` writer): upper-case
//!   `operationName`, `resultType`/`resultSignature` as `Success`/`Succeeded.OK`, `durationMs` 0.

use std::io::{self, Write};

use super::json::{Layout, Node, write_value};
use super::{Context, Output, Sink};
use crate::generate::network::ip_text;
use crate::generate::population::PrincipalKind;
use crate::generate::record::{AuditEvent, ManagementEvent, Phase};
use crate::generate::rng::splitmix64;
use crate::generate::time::{self, DOTNET_EPOCH_OFFSET};

fn pair(value: &str, localized: &str) -> Node {
    Node::obj().with("value", value.to_string()).with("localizedValue", localized.to_string())
}

/// `(value, localized)` of `subStatus` and the `properties.statusCode` text for an HTTP status.
fn sub_status(status: Option<u16>) -> (&'static str, String) {
    match status {
        None => ("", String::new()),
        Some(200) => ("OK", "OK (HTTP Status Code: 200)".to_string()),
        Some(201) => ("Created", "Created (HTTP Status Code: 201)".to_string()),
        Some(202) => ("Accepted", "Accepted (HTTP Status Code: 202)".to_string()),
        Some(204) => ("NoContent", "No Content (HTTP Status Code: 204)".to_string()),
        Some(400) => ("BadRequest", "Bad Request (HTTP Status Code: 400)".to_string()),
        Some(403) => ("Forbidden", "Forbidden (HTTP Status Code: 403)".to_string()),
        Some(404) => ("NotFound", "Not Found (HTTP Status Code: 404)".to_string()),
        Some(409) => ("Conflict", "Conflict (HTTP Status Code: 409)".to_string()),
        Some(code) => ("InternalServerError", format!("Internal Server Error (HTTP Status Code: {code})")),
    }
}

/// Base64-looking token material (`aio`, `uti`, `puid`…) derived from the token nonce, so it is stable per token.
fn token_text(nonce: u128, salt: u64, len: usize, alphabet: &[u8]) -> String {
    let mut state = (nonce as u64) ^ ((nonce >> 64) as u64) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len).map(|_| alphabet[(splitmix64(&mut state) % alphabet.len() as u64) as usize] as char).collect()
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8] = b"0123456789ABCDEF";

/// The JWT claims ARM records, with WS-Fed claim URIs.
pub fn claims(e: &ManagementEvent, ctx: &Context) -> Node {
    let p = &e.caller;
    let tid = ctx.tenant_id.to_string();
    let iat = time::unix_seconds(e.token_issued);
    let mut c = Node::obj()
        .with("aud", "https://management.core.windows.net/")
        .with("iss", format!("https://sts.windows.net/{tid}/"))
        .with("iat", iat.to_string())
        .with("nbf", iat.to_string())
        .with("exp", (iat + 4_200).to_string());
    match &p.kind {
        PrincipalKind::User { upn, given_name, surname, .. } => {
            c.push("http://schemas.microsoft.com/claims/authnclassreference", "1");
            c.push("aio", token_text(e.token_nonce, 1, 56, B64));
            c.push("http://schemas.microsoft.com/claims/authnmethodsreferences", "pwd,mfa");
            c.push("appid", e.caller_appid.clone());
            c.push("appidacr", e.caller_acr);
            c.push("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", surname.clone());
            c.push("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", given_name.clone());
            c.push("ipaddr", ip_text(e.caller_ip));
            c.push("name", p.display_name.clone());
            c.push("http://schemas.microsoft.com/identity/claims/objectidentifier", p.oid.to_string());
            c.push("puid", token_text(e.token_nonce, 2, 16, HEX));
            c.push("http://schemas.microsoft.com/identity/claims/scope", "user_impersonation");
            c.push(
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
                token_text(e.token_nonce, 3, 43, B64),
            );
            c.push("http://schemas.microsoft.com/identity/claims/tenantid", tid.clone());
            c.push("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", upn.clone());
            c.push("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", upn.clone());
        }
        _ => {
            c.push("aio", token_text(e.token_nonce, 1, 56, B64));
            c.push("appid", e.caller_appid.clone());
            c.push("appidacr", e.caller_acr);
            c.push(
                "http://schemas.microsoft.com/identity/claims/identityprovider",
                format!("https://sts.windows.net/{tid}/"),
            );
            c.push("idtyp", "app");
            c.push("http://schemas.microsoft.com/identity/claims/objectidentifier", p.oid.to_string());
            c.push("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier", p.oid.to_string());
            c.push("http://schemas.microsoft.com/identity/claims/tenantid", tid.clone());
            if let PrincipalKind::ManagedIdentity { mirid, .. } = &p.kind {
                c.push("xms_mirid", mirid.clone());
            }
        }
    }
    c.push("uti", token_text(e.token_nonce, 4, 22, B64));
    c.push("ver", "1.0");
    c
}

/// `caller`: the UPN for people, the application id for apps.
fn caller(e: &ManagementEvent) -> String {
    e.caller.upn().map(str::to_string).unwrap_or_else(|| e.caller_appid.clone())
}

fn level(e: &ManagementEvent) -> &'static str {
    if e.status == "Failed" { "Error" } else { "Informational" }
}

fn properties(e: &ManagementEvent, ctx: &Context) -> Node {
    let mut p = Node::obj();
    if e.phase == Phase::End {
        p.push("statusCode", sub_status(e.http_status).0);
        p.push_opt("serviceRequestId", e.service_request_id.map(|g| g.to_string()));
    }
    p.push("eventCategory", "Administrative");
    p.push("entity", e.target_id.clone());
    p.push("message", e.operation.action());
    p.push("hierarchy", format!("{}/{}", ctx.management_group, e.vault.subscription));
    p.push_opt("requestbody", e.request_body.clone());
    p
}

/// One REST EventData object.
pub fn event_data(e: &ManagementEvent, ctx: &Context) -> Node {
    let op = e.operation;
    let (sub_value, sub_localized) = sub_status(e.http_status);
    let (event_name, event_localized) = match e.phase {
        Phase::Begin => ("BeginRequest", "Begin request"),
        Phase::End => ("EndRequest", "End request"),
    };
    let dotnet_ticks = e.time + DOTNET_EPOCH_OFFSET;
    Node::obj()
        .with("authorization", Node::obj().with("action", op.action()).with("scope", e.target_id.clone()))
        .with("caller", caller(e))
        .with("channels", "Operation")
        .with("claims", claims(e, ctx))
        .with("correlationId", e.correlation_id.to_string())
        .with("description", "")
        .with("eventDataId", e.event_data_id.to_string())
        .with("eventName", pair(event_name, event_localized))
        .with("category", pair("Administrative", "Administrative"))
        .with("eventTimestamp", time::iso7(e.time))
        .with(
            "httpRequest",
            Node::obj()
                .with("clientRequestId", e.client_request_id.to_string())
                .with("clientIpAddress", ip_text(e.caller_ip))
                .with("method", op.method()),
        )
        .with("id", format!("{}/events/{}/ticks/{dotnet_ticks}", e.target_id, e.event_data_id))
        .with("level", level(e))
        .with("operationId", e.operation_id.to_string())
        .with("operationName", pair(op.action(), op.localized()))
        .with("resourceGroupName", e.resource_group.clone())
        .with("resourceProviderName", pair(op.provider(), op.provider()))
        .with("resourceType", pair(op.resource_type(), op.resource_type()))
        .with("resourceId", e.target_id.clone())
        .with("status", pair(e.status, e.status))
        .with("subStatus", pair(sub_value, &sub_localized))
        .with("submissionTimestamp", time::iso7(e.time + e.submission_delay))
        .with("subscriptionId", e.vault.subscription.to_string())
        .with("tenantId", ctx.tenant_id.to_string())
        .with("properties", properties(e, ctx))
        .with("relatedEvents", Node::Arr(vec![]))
}

/// One record of an `insights-activity-logs` blob.
pub fn resource_log(e: &ManagementEvent, ctx: &Context) -> Node {
    let (result_type, signature) = match (e.phase, e.status) {
        (Phase::Begin, _) => ("Start", "Started.".to_string()),
        (Phase::End, "Failed") => ("Failure", format!("Failed.{}", sub_status(e.http_status).0)),
        (Phase::End, _) => ("Success", format!("Succeeded.{}", sub_status(e.http_status).0)),
    };
    Node::obj()
        .with("time", time::iso7(e.time))
        .with("resourceId", e.target_id.to_uppercase())
        .with("operationName", e.operation.action().to_uppercase())
        .with("category", "Administrative")
        .with("resultType", result_type)
        .with("resultSignature", signature)
        .with("durationMs", 0u32)
        .with("callerIpAddress", ip_text(e.caller_ip))
        .with("correlationId", e.correlation_id.to_string())
        .with(
            "identity",
            Node::obj()
                .with(
                    "authorization",
                    Node::obj().with("scope", e.target_id.clone()).with("action", e.operation.action()),
                )
                .with("claims", claims(e, ctx)),
        )
        .with("level", if e.status == "Failed" { "Error" } else { "Information" })
        .with("location", "global")
        .with("properties", properties(e, ctx))
}

/// The `activity` format.
pub struct ActivityArray {
    out: Output,
    ctx: Context,
    events: Vec<Node>,
}

impl ActivityArray {
    pub fn new(out: Output, ctx: Context) -> ActivityArray {
        ActivityArray { out, ctx, events: Vec::new() }
    }
}

impl Sink for ActivityArray {
    /// The data plane is not in the Activity Log.
    fn audit(&mut self, _event: &AuditEvent) -> io::Result<()> {
        Ok(())
    }

    fn management(&mut self, event: &ManagementEvent) -> io::Result<()> {
        self.events.push(event_data(event, &self.ctx));
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        // Newest first, pretty-printed like `az … -o json` / `ConvertTo-Json`.
        self.events.reverse();
        let array = Node::Arr(std::mem::take(&mut self.events));
        write_value(&mut self.out, &array, Layout::Pretty(2), false)?;
        self.out.write_all(b"\n")?;
        self.out.finish()
    }
}
