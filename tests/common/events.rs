//! Fixture builders for the detection tests: raw Key Vault resource-log records (`AuditEvent`, JSON Lines) and
//! Activity Log events (REST `EventData` array), written in code so that each test states its scenario.
//!
//! ```ignore
//! let mallory = user("mallory", "203.0.113.50");
//! let mut case = Case::default();
//! case.add(mallory.at(10 * MIN, "kv-pay", "SecretGet").secret("db-password"));
//! case.act(mallory.activity(11 * MIN, "Microsoft.Insights/diagnosticSettings/delete", &diagnostic_id("kv-pay")));
//! ```
//!
//! Times are seconds after [`T0`]. Every record gets a correlation id of its own, so no two are duplicates.
#![allow(dead_code)]

use kvtrail::event::Ticks;
use kvtrail::event::time::TICKS_PER_SECOND;
use serde_json::{Value, json};

/// The start of every case: times are offsets from here, in seconds.
pub const T0: &str = "2026-10-04T00:00:00Z";
pub const MIN: i64 = 60;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;

pub const SUBSCRIPTION: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
pub const TENANT: &str = "5c3f2a10-6b7e-4d2c-9f1a-0b2c3d4e5f60";

/// Client app ids.
pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const PORTAL: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
pub const TEAMS: &str = "1fec8e78-bce4-4aaf-ab1b-5451cc387264";
pub const RESOURCE_GRAPH: &str = "509e4652-da8d-478d-a730-e9d4a1996ca4";
pub const POLICY_INSIGHTS: &str = "8cae6e77-e04e-42ce-b5cb-50d82bce26b1";

/// The 403 text of the vault firewall.
pub const FIREWALL_DENIAL: &str =
    "Client address is not authorized and caller is not a trusted service.\r\nClient address: {ip}\r\nCaller: appid=x";

/// `T0 + at` seconds, as Key Vault writes it.
pub fn iso(at: i64) -> String {
    Ticks(Ticks::parse_iso(T0).unwrap().0 + at * TICKS_PER_SECOND).to_iso()
}

fn fnv(seed: &str, salt: u64) -> u64 {
    seed.bytes().fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// A deterministic GUID for a name.
pub fn guid(seed: &str) -> String {
    let (a, b) = (fnv(seed, 1), fnv(seed, 2));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// A deterministic 32-hex object version for a name.
pub fn version(seed: &str) -> String {
    format!("{:016x}{:016x}", fnv(seed, 3), fnv(seed, 4))
}

/// A vault's ARM id as ARM writes it (Activity Log).
pub fn vault_id(vault: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/{vault}")
}

/// The id of a diagnostic setting on a vault.
pub fn diagnostic_id(vault: &str) -> String {
    format!("{}/providers/Microsoft.Insights/diagnosticSettings/to-sentinel", vault_id(vault))
}

/// A storage account's ARM id.
pub fn storage_id(account: &str) -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/{account}"
    )
}

/// Who calls: the token's claims, where from and with which client.
#[derive(Clone, Debug)]
pub struct Actor {
    pub name: String,
    pub oid: String,
    pub upn: Option<String>,
    pub appid: String,
    pub idtyp: Option<&'static str>,
    pub mirid: Option<String>,
    pub ip: String,
    pub token_ip: Option<String>,
    pub agent: String,
}

/// A person using the Azure CLI: `<name>@contoso.com`.
pub fn user(name: &str, ip: &str) -> Actor {
    Actor {
        name: name.to_string(),
        oid: guid(name),
        upn: Some(format!("{name}@contoso.com")),
        appid: AZURE_CLI.to_string(),
        idtyp: None,
        mirid: None,
        ip: ip.to_string(),
        token_ip: None,
        agent: "AZURECLI/2.64.0 (DEB) azsdk-python-core/1.28.0 Python/3.11.8".to_string(),
    }
}

/// A service principal (app-only token) using the .NET SDK; its label is its object id.
pub fn app(name: &str, ip: &str) -> Actor {
    Actor {
        upn: None,
        appid: guid(&format!("{name}-app")),
        idtyp: Some("app"),
        agent: "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.8; Ubuntu 22.04)".to_string(),
        ..user(name, ip)
    }
}

/// A user-assigned managed identity; its label is its name.
pub fn managed(name: &str, ip: &str) -> Actor {
    Actor {
        mirid: Some(format!(
            "/subscriptions/{SUBSCRIPTION}/resourcegroups/rg-app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        )),
        ..app(name, ip)
    }
}

impl Actor {
    /// What the store calls this identity.
    pub fn label(&self) -> String {
        match (&self.upn, &self.mirid) {
            (Some(upn), _) => upn.clone(),
            (None, Some(_)) => self.name.clone(),
            (None, None) => self.oid.clone(),
        }
    }

    pub fn using_ip(mut self, ip: &str) -> Actor {
        self.ip = ip.to_string();
        self
    }

    /// The address the token was issued to (`identity.claim.ipaddr`).
    pub fn token_from(mut self, ip: &str) -> Actor {
        self.token_ip = Some(ip.to_string());
        self
    }

    pub fn with_app(mut self, appid: &str) -> Actor {
        self.appid = appid.to_string();
        self
    }

    pub fn with_agent(mut self, agent: &str) -> Actor {
        self.agent = agent.to_string();
        self
    }

    fn claims(&self) -> Value {
        let mut c = json!({ "oid": self.oid, "appid": self.appid });
        if let Some(upn) = &self.upn {
            c["upn"] = json!(upn);
        }
        if let Some(t) = self.idtyp {
            c["idtyp"] = json!(t);
        }
        if let Some(m) = &self.mirid {
            c["xms_mirid"] = json!(m);
        }
        if let Some(ip) = &self.token_ip {
            c["ipaddr"] = json!(ip);
        }
        c
    }

    /// A successful call of `operation` on `vault`, `at` seconds after [`T0`].
    pub fn at(&self, at: i64, vault: &str, operation: &str) -> Audit {
        let resource = format!(
            "/SUBSCRIPTIONS/{}/RESOURCEGROUPS/RG-SEC/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{}",
            SUBSCRIPTION.to_uppercase(),
            vault.to_uppercase()
        );
        let record = json!({
            "time": iso(at),
            "resourceId": resource,
            "operationName": operation,
            "operationVersion": "7.4",
            "category": "AuditEvent",
            "resultType": "Success",
            "resultSignature": "OK",
            "durationMs": "12",
            "callerIpAddress": self.ip,
            "identity": { "claim": self.claims() },
            "properties": {
                "clientInfo": self.agent,
                "requestUri": format!("https://{vault}.vault.azure.net/?api-version=7.4"),
                "httpStatusCode": 200,
            },
        });
        Audit { record, vault: vault.to_string() }
    }

    /// A management-plane event (Activity Log), `Succeeded`, on the resource `resource_id`.
    pub fn activity(&self, at: i64, operation: &str, resource_id: &str) -> Activity {
        let mut claims = json!({
            "http://schemas.microsoft.com/identity/claims/objectidentifier": self.oid,
            "appid": self.appid,
            "ipaddr": self.token_ip.as_deref().unwrap_or(&self.ip),
        });
        if let Some(upn) = &self.upn {
            claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = json!(upn);
        }
        let record = json!({
            "authorization": { "action": operation, "scope": resource_id },
            "caller": self.upn.clone().unwrap_or_else(|| self.oid.clone()),
            "claims": claims,
            "eventName": { "value": "EndRequest" },
            "category": { "value": "Administrative", "localizedValue": "Administrative" },
            "eventTimestamp": iso(at),
            "httpRequest": { "clientRequestId": guid(&format!("{operation}{at}")), "clientIpAddress": self.ip, "method": "PUT" },
            "level": "Informational",
            "operationName": { "value": operation, "localizedValue": operation },
            "resourceId": resource_id,
            "status": { "value": "Succeeded", "localizedValue": "Succeeded" },
            "subStatus": { "value": "OK", "localizedValue": "OK (HTTP Status Code: 200)" },
            "subscriptionId": SUBSCRIPTION,
            "properties": { "eventCategory": "Administrative", "entity": resource_id, "message": operation },
        });
        Activity { record }
    }
}

/// One AuditEvent record.
#[derive(Clone, Debug)]
pub struct Audit {
    pub record: Value,
    vault: String,
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Bad Request",
    }
}

impl Audit {
    /// The HTTP status (and its `resultSignature`).
    pub fn status(mut self, code: u16) -> Audit {
        self.record["resultSignature"] = json!(reason(code));
        self.record["properties"]["httpStatusCode"] = json!(code);
        self
    }

    /// The object the call addressed: `collection` is `secrets`, `keys` or `certificates`.
    pub fn object(mut self, collection: &str, name: &str) -> Audit {
        let base = format!("https://{}.vault.azure.net/{collection}/{name}", self.vault);
        self.record["properties"]["id"] = json!(format!("{base}/{}", version(name)));
        self.record["properties"]["requestUri"] = json!(format!("{base}?api-version=7.4"));
        self
    }

    pub fn secret(self, name: &str) -> Audit {
        self.object("secrets", name)
    }

    pub fn key(self, name: &str) -> Audit {
        self.object("keys", name)
    }

    pub fn cert(self, name: &str) -> Audit {
        self.object("certificates", name)
    }

    pub fn description(mut self, text: &str) -> Audit {
        self.record["resultDescription"] = json!(text);
        self
    }

    /// A firewall 403: the caller's address is not allowed.
    pub fn firewalled(self) -> Audit {
        let ip = self.record["callerIpAddress"].as_str().unwrap_or("").to_string();
        self.status(403).description(&FIREWALL_DENIAL.replace("{ip}", &ip))
    }

    /// The vault's configuration as `VaultGet` / `VaultPut` / `VaultPatch` echo it (`properties.properties`).
    pub fn config(mut self, properties: Value) -> Audit {
        self.record["properties"]["properties"] = properties;
        self.record["properties"]["requestUri"] =
            json!(format!("https://management.azure.com{}?api-version=2023-07-01", vault_id(&self.vault)));
        self
    }

    /// `properties.addedAccessPolicy`: an access policy for `oid` was added.
    pub fn adds_policy(mut self, oid: &str) -> Audit {
        self.record["properties"]["addedAccessPolicy"] = policy(oid);
        self
    }

    /// `properties.removedAccessPolicy`: the access policy of `oid` was removed.
    pub fn removes_policy(mut self, oid: &str) -> Audit {
        self.record["properties"]["removedAccessPolicy"] = policy(oid);
        self
    }

    /// `properties.addedIpRule`: a firewall allow rule was added.
    pub fn adds_ip_rule(mut self, rule: &str) -> Audit {
        self.record["properties"]["addedIpRule"] = json!({ "Value": rule });
        self
    }
}

fn policy(oid: &str) -> Value {
    json!({
        "ObjectId": oid,
        "TenantId": TENANT,
        "Permissions": { "keys": ["Get", "List"], "secrets": ["Get", "List"], "certificates": ["Get", "List"] },
    })
}

/// One Activity Log event.
#[derive(Clone, Debug)]
pub struct Activity {
    pub record: Value,
}

impl Activity {
    /// `Started` (no sub-status yet), `Succeeded` (OK) or `Failed` (Forbidden).
    pub fn status(mut self, status: &str) -> Activity {
        let sub = match status {
            "Succeeded" => "OK (HTTP Status Code: 200)",
            "Failed" => "Forbidden (HTTP Status Code: 403)",
            _ => "",
        };
        self.record["status"] = json!({ "value": status, "localizedValue": status });
        self.record["subStatus"] = json!({ "value": sub.split(' ').next().unwrap_or(""), "localizedValue": sub });
        self
    }

    /// The ARM request body (`properties.requestbody`, a JSON string as the REST API returns it).
    pub fn body(mut self, body: Value) -> Activity {
        self.record["properties"]["requestbody"] = json!(body.to_string());
        self
    }
}

/// The events of one case, written as the files an analyst would load.
#[derive(Default)]
pub struct Case {
    audit: Vec<Value>,
    activity: Vec<Value>,
}

impl Case {
    pub fn add(&mut self, event: Audit) -> &mut Case {
        let mut record = event.record;
        record["correlationId"] = json!(guid(&format!("audit-{}", self.audit.len())));
        self.audit.push(record);
        self
    }

    pub fn add_all(&mut self, events: impl IntoIterator<Item = Audit>) -> &mut Case {
        for e in events {
            self.add(e);
        }
        self
    }

    pub fn act(&mut self, event: Activity) -> &mut Case {
        let mut record = event.record;
        let n = self.activity.len();
        record["correlationId"] = json!(guid(&format!("activity-{n}")));
        record["eventDataId"] = json!(guid(&format!("event-data-{n}")));
        self.activity.push(record);
        self
    }

    /// `(file name, bytes)`: `AuditEvent.jsonl` and, when there are Activity Log events, `ActivityLog.json`.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut files = Vec::new();
        if !self.audit.is_empty() {
            let lines: String = self.audit.iter().map(|r| format!("{r}\n")).collect();
            files.push(("AuditEvent.jsonl", lines.into_bytes()));
        }
        if !self.activity.is_empty() {
            files.push(("ActivityLog.json", Value::Array(self.activity.clone()).to_string().into_bytes()));
        }
        files
    }
}
