//! An Azure Resource Manager emulator for the two reads of FORMATS.md §7.7, on the tiny server of
//! `tests/common/http.rs`. It answers in ARM's wire shapes — `Vaults_ListBySubscription` pages with
//! `nextLink` (`$skiptoken`), `DiagnosticSettings_List` as `{"value":[…]}`, errors as
//! `{"error":{"code","message"}}` — and is as strict as ARM about what it is sent: a bearer token, and the
//! api-version each operation supports. Paths match case-insensitively, as ARM's do.
//!
//! Tests script failures on top: answers queued per path (429 with `Retry-After`, 503, hang-ups), 403s,
//! missing subscriptions, a `nextLink` to another origin, a server that echoes the Authorization header.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::http::{self, Request, Response, Server};

pub const VAULTS_API: &str = "2024-11-01";
pub const SETTINGS_API: &str = "2021-05-01-preview";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// A vault and what ARM says about its diagnostic settings.
#[derive(Clone, Debug)]
pub struct VaultDef {
    pub subscription: String,
    pub resource_group: String,
    /// The `name` as listed; the ID uses it stripped to `[A-Za-z0-9-]` (so a hostile name still has a valid ID).
    pub name: String,
    pub location: String,
    /// The `value` array of its diagnostic settings.
    pub settings: Vec<Value>,
    /// Answer its diagnostic settings with 403 `AuthorizationFailed`.
    pub forbidden: bool,
}

impl VaultDef {
    pub fn new(subscription: &str, name: &str, settings: Vec<Value>) -> VaultDef {
        VaultDef {
            subscription: subscription.into(),
            resource_group: "rg-sec".into(),
            name: name.into(),
            location: "westeurope".into(),
            settings,
            forbidden: false,
        }
    }

    pub fn forbidden(mut self) -> VaultDef {
        self.forbidden = true;
        self
    }

    pub fn id(&self) -> String {
        let slug: String = self.name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{slug}",
            self.subscription, self.resource_group
        )
    }

    /// A `Vaults_ListBySubscription` item (KV-ARM example `listVaultBySubscription.json`).
    fn listing(&self) -> Value {
        let slug = self.id().rsplit('/').next().unwrap_or_default().to_string();
        json!({
            "id": self.id(),
            "name": self.name,
            "type": "Microsoft.KeyVault/vaults",
            "location": self.location,
            "tags": {},
            "systemData": {
                "createdBy": "alice@contoso.com", "createdByType": "User", "createdAt": "2024-03-01T10:00:00Z",
                "lastModifiedBy": "alice@contoso.com", "lastModifiedByType": "User",
                "lastModifiedAt": "2024-03-01T10:00:00Z"
            },
            "properties": {
                "sku": { "family": "A", "name": "standard" },
                "tenantId": TENANT,
                "accessPolicies": [],
                "enabledForDeployment": false,
                "enabledForDiskEncryption": false,
                "enabledForTemplateDeployment": false,
                "enableSoftDelete": true,
                "softDeleteRetentionInDays": 90,
                "enableRbacAuthorization": true,
                "enablePurgeProtection": null,
                "networkAcls": null,
                "publicNetworkAccess": "Enabled",
                "vaultUri": format!("https://{slug}.vault.azure.net/"),
                "provisioningState": "Succeeded"
            }
        })
    }
}

/// Where a setting sends its logs.
#[derive(Clone, Copy, Debug)]
pub enum Dest<'a> {
    Workspace(&'a str),
    Storage(&'a str),
    EventHub { namespace: &'a str, hub: &'a str },
    Partner(&'a str),
    None,
}

/// A log entry: `("AuditEvent", true)` is a category, `("group:allLogs", true)` a category group.
pub type Log<'a> = (&'a str, bool);

/// A diagnostic setting in `DiagnosticSettings_List`'s shape; `vault` is the vault's ID.
pub fn setting(vault: &str, name: &str, dest: Dest, logs: &[Log], metrics: bool) -> Value {
    let sub = vault.split('/').nth(2).unwrap_or("00000000-0000-0000-0000-000000000000");
    let rid = |provider: &str, kind: &str, n: &str| {
        format!("/subscriptions/{sub}/resourceGroups/rg-logging/providers/{provider}/{kind}/{n}")
    };
    let mut props = json!({
        "storageAccountId": null,
        "serviceBusRuleId": null,
        "eventHubAuthorizationRuleId": null,
        "eventHubName": null,
        "workspaceId": null,
        "marketplacePartnerId": null,
        "logAnalyticsDestinationType": null,
    });
    match dest {
        Dest::Workspace(w) => props["workspaceId"] = json!(rid("Microsoft.OperationalInsights", "workspaces", w)),
        Dest::Storage(s) => props["storageAccountId"] = json!(rid("Microsoft.Storage", "storageAccounts", s)),
        Dest::EventHub { namespace, hub } => {
            props["eventHubAuthorizationRuleId"] = json!(format!(
                "{}/authorizationrules/RootManageSharedAccessKey",
                rid("Microsoft.EventHub", "namespaces", namespace)
            ));
            props["eventHubName"] = json!(hub);
        }
        Dest::Partner(p) => props["marketplacePartnerId"] = json!(rid("Microsoft.Datadog", "monitors", p)),
        Dest::None => {}
    }
    let retention = json!({ "enabled": false, "days": 0 });
    props["logs"] = logs
        .iter()
        .map(|(what, enabled)| match what.strip_prefix("group:") {
            Some(group) => {
                json!({ "category": null, "categoryGroup": group, "enabled": enabled, "retentionPolicy": retention })
            }
            None => {
                json!({ "category": what, "categoryGroup": null, "enabled": enabled, "retentionPolicy": retention })
            }
        })
        .collect();
    props["metrics"] =
        json!([{ "timeGrain": null, "category": "AllMetrics", "enabled": metrics, "retentionPolicy": retention }]);
    json!({
        "id": format!("{vault}/providers/microsoft.insights/diagnosticSettings/{name}"),
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "location": null,
        "properties": props,
    })
}

/// The tenant the emulator serves and the failures it is told to produce.
#[derive(Default)]
pub struct Tenant {
    pub token: String,
    pub page_size: usize,
    pub vaults: Vec<VaultDef>,
    /// Subscriptions that exist, even without vaults; any other answers 404 `SubscriptionNotFound`.
    pub subscriptions: HashSet<String>,
    /// Per subscription: page 1's `nextLink` points at this origin instead of the emulator.
    pub foreign_next: HashMap<String, String>,
    /// Answers served before the normal one, per lower-cased path.
    pub scripted: HashMap<String, VecDeque<Response>>,
    /// Lower-cased paths answered with a 403 whose message echoes the Authorization header.
    pub echo_auth: HashSet<String>,
    /// Each diagnostic-settings answer waits this long (to observe concurrency).
    pub delay: Duration,
}

pub struct ArmEmulator {
    pub server: Server,
    pub tenant: Arc<Mutex<Tenant>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl ArmEmulator {
    pub fn start(tenant: Tenant) -> ArmEmulator {
        let tenant = Arc::new(Mutex::new(tenant));
        let (in_flight, max_in_flight) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (t, f, m) = (Arc::clone(&tenant), Arc::clone(&in_flight), Arc::clone(&max_in_flight));
        let base = Arc::new(Mutex::new(String::new()));
        let b = Arc::clone(&base);
        let server = http::serve(move |req| {
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            let base = b.lock().map(|b| b.clone()).unwrap_or_default();
            let response = handle(&t, &base, req);
            f.fetch_sub(1, Ordering::SeqCst);
            response
        });
        if let Ok(mut b) = base.lock() {
            *b = server.url();
        }
        ArmEmulator { server, tenant, in_flight, max_in_flight }
    }

    pub fn url(&self) -> reqwest::Url {
        reqwest::Url::parse(&self.server.url()).expect("emulator URL")
    }

    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// The most requests answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// Queues `response` ahead of the normal answer for `path` (matched case-insensitively).
    pub fn script(&self, path: &str, response: Response) {
        if let Ok(mut t) = self.tenant.lock() {
            t.scripted.entry(path.to_ascii_lowercase()).or_default().push_back(response);
        }
    }
}

pub fn vaults_path(subscription: &str) -> String {
    format!("/subscriptions/{subscription}/providers/Microsoft.KeyVault/vaults")
}

pub fn settings_path(vault_id: &str) -> String {
    format!("{vault_id}/providers/Microsoft.Insights/diagnosticSettings")
}

pub fn arm_error(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &json!({ "error": { "code": code, "message": message } }))
}

fn handle(tenant: &Mutex<Tenant>, base: &str, req: &Request) -> Response {
    let Ok(mut t) = tenant.lock() else { return Response::empty(500) };
    let path = req.path().to_ascii_lowercase();
    if req.method != "GET" {
        return arm_error(405, "MethodNotAllowed", "only GET is emulated");
    }
    if req.header("authorization") != Some(&format!("Bearer {}", t.token)) {
        return arm_error(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing or has an invalid token.",
        );
    }
    if let Some(next) = t.scripted.get_mut(&path).and_then(VecDeque::pop_front) {
        return next;
    }
    if t.echo_auth.contains(&path) {
        let echoed = req.header("authorization").unwrap_or_default().to_string();
        return arm_error(403, "AuthorizationFailed", &format!("request with Authorization: {echoed} was refused"));
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["subscriptions", sub, "providers", "microsoft.keyvault", "vaults"] => list_vaults(&t, base, sub, req),
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.keyvault", "vaults", _, rest @ ..]
            if rest == ["providers", "microsoft.insights", "diagnosticsettings"] =>
        {
            let vault_id = path.trim_end_matches("/providers/microsoft.insights/diagnosticsettings").to_string();
            let delay = t.delay;
            let answer = diagnostic_settings(&t, &vault_id, req);
            drop(t);
            std::thread::sleep(delay);
            answer
        }
        _ => arm_error(404, "InvalidResourceType", &format!("The resource type could not be found: {}", req.path())),
    }
}

fn wrong_api_version(req: &Request, expected: &str) -> Option<Response> {
    match req.param("api-version") {
        Some(v) if v == expected => None,
        Some(v) => Some(arm_error(
            400,
            "InvalidApiVersionParameter",
            &format!("The api-version '{v}' is invalid. The supported versions are '{expected}'."),
        )),
        None => Some(arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
    }
}

fn list_vaults(t: &Tenant, base: &str, sub: &str, req: &Request) -> Response {
    if let Some(bad) = wrong_api_version(req, VAULTS_API) {
        return bad;
    }
    let known = t.subscriptions.iter().any(|s| s.eq_ignore_ascii_case(sub));
    if !known {
        return arm_error(404, "SubscriptionNotFound", &format!("The subscription '{sub}' could not be found."));
    }
    let all: Vec<&VaultDef> = t.vaults.iter().filter(|v| v.subscription.eq_ignore_ascii_case(sub)).collect();
    let size = t.page_size.max(1);
    let skip: usize = req.param("$skiptoken").and_then(|s| s.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = all.iter().skip(skip).take(size).map(|v| v.listing()).collect();
    let mut body = json!({ "value": page });
    if skip + size < all.len() {
        let origin = match t.foreign_next.get(sub) {
            Some(foreign) if skip == 0 => foreign.as_str(),
            _ => base,
        };
        body["nextLink"] = json!(format!(
            "{origin}/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults?api-version={VAULTS_API}&%24skiptoken={}",
            skip + size
        ));
    }
    Response::json(200, &body)
}

fn diagnostic_settings(t: &Tenant, vault_id: &str, req: &Request) -> Response {
    if let Some(bad) = wrong_api_version(req, SETTINGS_API) {
        return bad;
    }
    let Some(vault) = t.vaults.iter().find(|v| v.id().eq_ignore_ascii_case(vault_id)) else {
        return arm_error(404, "ResourceNotFound", &format!("The Resource '{vault_id}' was not found."));
    };
    if vault.forbidden {
        return arm_error(
            403,
            "AuthorizationFailed",
            &format!(
                "The client 'responder@contoso.com' with object id '0000' does not have authorization to perform \
                 action 'microsoft.insights/diagnosticSettings/read' over scope '{}/providers/microsoft.insights' \
                 or the scope is invalid. If access was recently granted, please refresh your credentials.",
                vault.id()
            ),
        );
    }
    Response::json(200, &json!({ "value": vault.settings }))
}
