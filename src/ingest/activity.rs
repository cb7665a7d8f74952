//! Activity Log events in all three shapes (FORMATS.md §4): REST EventData (`az monitor activity-log list`,
//! Microsoft-Extractor-Suite), the storage / Event Hub resource-log shape, and `AzureActivity` rows. Only the
//! Key Vault–relevant management events are kept — anything at or under a vault's ARM id, which covers vault
//! writes, deletes, purges and recoveries, access policies, role assignments at vault scope, diagnostic
//! settings on vaults and network rules — plus storage accounts and encryption scopes switched to a key in a
//! vault (customer-managed keys, the CMK-ransomware evidence of KV-29), kept under that vault. What these events
//! say about a vault's configuration is read into [`VaultSettings`]. Activity events are few, so this parser
//! trades speed for clarity and works on a `serde_json::Value`.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::dynamic;
use super::event::{Event, RecordRef, Verdict};
use super::normalize::{claims_from_json, excerpt, lower_first, permission_list, policy_change};
use super::record::Columns;
use super::settings;
use crate::event::status::code_of_reason;
use crate::event::{AccessChange, ChangeKind, Ticks, VaultSettings};

/// Members that hold JSON (or Python-repr) text in some exports and objects in others.
const DYNAMIC: [&str; 10] = [
    "claims",
    "Claims",
    "Claims_d",
    "Properties",
    "Properties_d",
    "Authorization",
    "Authorization_d",
    "HTTPRequest",
    "httpRequest",
    "properties",
];

/// Key Vault built-in role definition ids (FORMATS.md §4.4), so a grant reads as what it gives.
const KEY_VAULT_ROLES: [(&str, &str); 6] = [
    ("00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator"),
    ("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer"),
    ("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User"),
    ("14b46e9e-c2b7-41b4-b07b-48a6ebf60603", "Key Vault Crypto Officer"),
    ("12338af0-0e69-4776-bea7-57ae8d297424", "Key Vault Crypto User"),
    ("f25e0fa2-a7c8-4377-a976-54943a77a395", "Key Vault Contributor"),
];

pub fn parse_object_bytes(bytes: &[u8], at: RecordRef) -> Verdict<'static> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => from_map(map, at),
        Ok(other) => Verdict::Reject(format!("expected a JSON object, found {}", kind(&other))),
        Err(e) => Verdict::Reject(format!("invalid JSON: {e}")),
    }
}

pub fn parse_row_bytes(bytes: &[u8], columns: &Columns, at: RecordRef) -> Verdict<'static> {
    match serde_json::from_slice::<Vec<Value>>(bytes) {
        Ok(values) => from_map(columns.names.iter().cloned().zip(values).collect(), at),
        Err(e) => Verdict::Reject(format!("invalid row: {e}")),
    }
}

pub fn parse_text_row(values: &[&str], columns: &Columns, at: RecordRef) -> Verdict<'static> {
    let map = columns
        .names
        .iter()
        .map(|n| n.trim().trim_start_matches('\u{feff}').trim_end_matches(" [UTC]").to_string())
        .zip(values.iter().map(|v| Value::String(v.to_string())))
        .collect();
    from_map(map, at)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Replaces dynamic members given as text by the values they encode, at any depth where they occur.
fn expand(v: &mut Value) {
    if let Value::Object(map) = v {
        for key in DYNAMIC {
            if let Some(Value::String(text)) = map.get(key)
                && let Some(parsed) = dynamic::parse(text)
                && parsed.is_object()
            {
                map.insert(key.to_string(), parsed);
            }
        }
        for inner in ["identity", "properties", "Properties_d", "Properties"] {
            if let Some(child @ Value::Object(_)) = map.get_mut(inner) {
                expand(child);
            }
        }
        for body in ["requestbody", "requestBody", "responseBody", "responsebody"] {
            if let Some(Value::String(text)) = map.get(body)
                && let Some(parsed) = dynamic::parse(text)
            {
                map.insert(body.to_string(), parsed);
            }
        }
    }
}

struct Record {
    root: Value,
    /// `az` output: `"None"` is null.
    stringly: bool,
}

impl Record {
    /// The first of `paths` (`/`-separated) that holds a value; `{value, localizedValue}` objects give `value`.
    fn text(&self, paths: &[&str]) -> Option<String> {
        paths.iter().find_map(|p| {
            let v = self.root.pointer(&format!("/{p}"))?;
            let v = v.get("value").unwrap_or(v);
            let s = match v {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!(s.is_empty() || self.stringly && s == "None")).then_some(s)
        })
    }

    fn value(&self, paths: &[&str]) -> Option<&Value> {
        paths.iter().find_map(|p| self.root.pointer(&format!("/{p}")).filter(|v| v.is_object() || v.is_array()))
    }
}

fn from_map(map: Map<String, Value>, at: RecordRef) -> Verdict<'static> {
    let stringly = map.contains_key("TableName");
    let mut root = Value::Object(map);
    expand(&mut root);
    let r = Record { root, stringly };

    let Some(time_text) = r.text(&["eventTimestamp", "time", "TimeGenerated"]) else {
        return Verdict::Reject("Activity Log event without a time (eventTimestamp / time / TimeGenerated)".into());
    };
    let Some(time) = Ticks::parse_any(&time_text) else {
        return Verdict::Reject(format!("time: cannot read {} as a timestamp", excerpt(&time_text)));
    };
    let Some(operation) = r.text(&["operationName", "OperationNameValue", "OperationName"]) else {
        return Verdict::Reject("Activity Log event without an operationName".into());
    };
    let resource_id = r.text(&["resourceId", "ResourceId", "_ResourceId", "resourceUri"]);
    let scope = r.text(&[
        "authorization/scope",
        "Authorization_d/scope",
        "Authorization/scope",
        "identity/authorization/scope",
    ]);
    let about_vault = |s: &Option<String>| {
        s.as_deref().is_some_and(|s| s.to_ascii_lowercase().contains("/providers/microsoft.keyvault/"))
    };
    // A storage account switched to a customer-managed key is not at a vault, but it puts the account's data in
    // that vault's hands (KV-29): it is kept, under the vault the key lives in.
    let cmk_key = if about_vault(&resource_id) || about_vault(&scope) { None } else { storage_cmk_key(&r, &operation) };
    if cmk_key.is_none() && !about_vault(&resource_id) && !about_vault(&scope) {
        return Verdict::Skip(format!("Activity Log event {} is not about a Key Vault", excerpt(&operation)));
    }

    let sub_status = r.text(&[
        "subStatus/localizedValue",
        "subStatus",
        "resultSignature",
        "ActivitySubstatusValue",
        "ActivitySubstatus",
    ]);
    let status_code = r
        .text(&["properties/statusCode", "Properties_d/statusCode", "Properties/statusCode"])
        .as_deref()
        .and_then(code_of_reason)
        .or_else(|| sub_status.as_deref().and_then(code_of_reason));
    let status_word = r.text(&["status", "resultType", "ActivityStatusValue", "ActivityStatus"]);

    let (mut claims, token_ip) =
        r.value(&["claims", "identity/claims", "Claims_d", "Claims"]).map(claims_from_json).unwrap_or_default();
    // `caller` is the UPN of a user or the object id of a service principal.
    if let Some(caller) = r.text(&["caller", "Caller"]) {
        if caller.contains('@') {
            claims.upn.get_or_insert(Cow::Owned(caller));
        } else if caller.len() == 36 && caller.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            claims.oid.get_or_insert(Cow::Owned(caller));
        }
    }
    let appid = claims.appid.clone();

    let access_changes = access_changes(&r, &operation, resource_id.as_deref().unwrap_or(""));
    let settings = match &cmk_key {
        Some(key) => Some(Box::new(VaultSettings { cmk_key: Some(key.clone()), ..VaultSettings::default() })),
        None => vault_settings(&r, &operation, resource_id.as_deref().unwrap_or("")),
    };
    Verdict::Event(Event {
        time,
        // The storage account's id names no vault: the key's URI does, and names the key as the object.
        resource_id: if cmk_key.is_some() { None } else { resource_id.clone().or(scope).map(Cow::Owned) },
        object_uri: cmk_key.map(|k| Cow::Owned(k.into())),
        operation: Cow::Owned(operation),
        http_status: status_code,
        status_word: status_word.map(Cow::Owned),
        caller_ip: r
            .text(&["httpRequest/clientIpAddress", "HTTPRequest/clientIpAddress", "callerIpAddress", "CallerIpAddress"])
            .map(Cow::Owned),
        token_ip: token_ip.map(Cow::Owned),
        request_uri: resource_id.map(Cow::Owned),
        correlation_id: r.text(&["correlationId", "CorrelationId"]).map(Cow::Owned),
        claims,
        client_app: appid,
        access_changes,
        settings,
        record: at,
        ..Event::default()
    })
}

/// Where each Activity Log shape keeps the ARM request and response bodies.
const REQUEST_BODY: [&str; 5] = [
    "properties/requestbody",
    "properties/requestBody",
    "Properties_d/requestbody",
    "Properties_d/requestBody",
    "Properties/requestbody",
];
const RESPONSE_BODY: [&str; 5] = [
    "properties/responseBody",
    "properties/responsebody",
    "Properties_d/responseBody",
    "Properties_d/responsebody",
    "Properties/responseBody",
];

impl Record {
    /// The request body, else the response body (which echoes the resource as written).
    fn body(&self) -> Option<&Value> {
        self.value(&REQUEST_BODY).or_else(|| self.value(&RESPONSE_BODY))
    }
}

/// What a vault write, a private endpoint connection delete or a diagnostic setting change at a vault says about
/// the vault's configuration.
fn vault_settings(r: &Record, operation: &str, resource_id: &str) -> Option<Box<VaultSettings>> {
    let op = operation.to_ascii_lowercase();
    let under_vault = resource_id.to_ascii_lowercase().contains("/providers/microsoft.keyvault/vaults/");
    let mut s = VaultSettings::default();
    if op == "microsoft.keyvault/vaults/write" {
        if let Some(body) = r.body() {
            settings::read_vault_properties(settings::member(body, "properties").unwrap_or(body), &mut s);
        }
    } else if !under_vault {
        return None;
    } else if op.ends_with("/privateendpointconnections/delete") {
        s.removed_private_endpoint = true;
    } else if op.ends_with("microsoft.insights/diagnosticsettings/delete") {
        s.diagnostic_audit = Some(false);
    } else if op.ends_with("microsoft.insights/diagnosticsettings/write") {
        // Without a body (the EndRequest half of the pair) the event cannot tell.
        s.diagnostic_audit = r.body().and_then(settings::diagnostic_audit);
    }
    (!s.is_empty()).then(|| Box::new(s))
}

/// The Key Vault key a storage account or encryption scope write switches its encryption to, if it does.
fn storage_cmk_key(r: &Record, operation: &str) -> Option<Box<str>> {
    let op = operation.to_ascii_lowercase();
    if op != "microsoft.storage/storageaccounts/write"
        && op != "microsoft.storage/storageaccounts/encryptionscopes/write"
    {
        return None;
    }
    [r.value(&REQUEST_BODY), r.value(&RESPONSE_BODY)].into_iter().flatten().find_map(settings::cmk_key)
}

fn access_changes(r: &Record, operation: &str, resource_id: &str) -> Vec<AccessChange> {
    let op = operation.to_ascii_lowercase();
    let request = r.value(&REQUEST_BODY).cloned();
    let response = r.value(&RESPONSE_BODY).cloned();
    let mut out = Vec::new();
    if op.ends_with("accesspolicies/write") {
        let kind =
            if resource_id.to_ascii_lowercase().ends_with("/remove") { ChangeKind::Removed } else { ChangeKind::Added };
        if let Some(Value::Array(policies)) = request.as_ref().and_then(|b| b.pointer("/properties/accessPolicies")) {
            out.extend(policies.iter().filter_map(|p| policy_change(kind, p)));
        }
    } else if op.starts_with("microsoft.authorization/roleassignments/") {
        let kind = if op.ends_with("/delete") { ChangeKind::Removed } else { ChangeKind::Added };
        for b in [&request, &response].into_iter().flatten() {
            let props = b.get("Properties").or_else(|| b.get("properties")).unwrap_or(b);
            let get = |n: &str| {
                props.get(n).or_else(|| props.get(n.to_ascii_lowercase())).or_else(|| props.get(lower_first(n)))
            };
            if let Some(principal) = get("PrincipalId").and_then(Value::as_str) {
                let role = get("RoleDefinitionId").map(permission_list).unwrap_or_default();
                let role_id = role.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
                let role = KEY_VAULT_ROLES
                    .iter()
                    .find(|(id, _)| *id == role_id)
                    .map_or(role.clone(), |(_, name)| name.to_string());
                out.push(AccessChange {
                    kind,
                    principal: principal.to_ascii_lowercase().into(),
                    permissions: format!("role: {role}").into(),
                });
                break;
            }
        }
    }
    out
}
