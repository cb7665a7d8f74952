//! How one Key Vault request becomes an [`AuditEvent`]: URIs, status, denial texts, latency, authorisation flags.
//!
//! Traffic and scenarios describe *who* calls *what* with *which outcome*; this module knows how Key Vault and its
//! SDKs shape the resulting record (the .NET client's trailing slash, the portal's `&_=` cache-buster, the exact
//! wording of access-policy and RBAC denials, 204 on purge, the long claim dialect on ARM-level vault operations).

use std::rc::Rc;

use super::clients::{self, Library, Sdk};
use super::population::{KvObject, ObjectKind, Principal, Vault, Workload, World};
use super::record::{AuditEvent, Authorization, Caller, Description, Detail, Operation, Token, VaultConfig};
use super::rng::{Guid, Rng, splitmix64};
use super::time::{self, TICKS_PER_DAY, TICKS_PER_MS, Ticks};

/// The program on the caller's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Sdk(Sdk),
    Cli {
        linux: bool,
    },
    PowerShell,
    /// The Azure Portal in the given browser.
    Portal(&'static str),
    /// Local development through Visual Studio / DefaultAzureCredential (Python SDK agent).
    Ide,
    Terraform,
    ResourceGraph,
    PolicyScan,
    /// A raw HTTP client (`python-requests`, `curl`).
    Scripted(&'static str),
}

impl Client {
    fn library(op: Operation) -> Library {
        match op.permission().0 {
            "keys" => Library::Keys,
            "certificates" => Library::Certificates,
            _ => Library::Secrets,
        }
    }

    pub fn user_agent(self, op: Operation) -> &'static str {
        let lib = Client::library(op);
        match self {
            Client::Sdk(sdk) => {
                if op.is_vault_level() {
                    clients::ARM_UA
                } else {
                    sdk.user_agent(lib)
                }
            }
            Client::Cli { linux } => {
                if op.is_vault_level() {
                    clients::AZURE_CLI_ARM_UA
                } else if linux {
                    clients::AZURE_CLI_LINUX_UA
                } else {
                    match lib {
                        Library::Secrets => clients::AZURE_CLI_DATA_UA,
                        Library::Keys => clients::AZURE_CLI_KEYS_UA,
                        Library::Certificates => clients::AZURE_CLI_CERTS_UA,
                    }
                }
            }
            Client::PowerShell => clients::POWERSHELL_UA,
            Client::Portal(browser) => browser,
            Client::Ide => Sdk::Python.user_agent(lib),
            Client::Terraform => clients::TERRAFORM_UA,
            Client::ResourceGraph => clients::RESOURCE_GRAPH_UA,
            Client::PolicyScan => clients::POLICY_SCAN_UA,
            Client::Scripted(ua) => ua,
        }
    }

    /// Data-plane `api-version`.
    pub fn api_version(self) -> &'static str {
        match self {
            Client::Sdk(sdk) => sdk.api_version(),
            Client::Cli { .. } | Client::Ide => "7.5",
            Client::PowerShell | Client::Terraform => "7.4",
            Client::Portal(_) => "7.4",
            Client::ResourceGraph | Client::PolicyScan => "7.4",
            Client::Scripted(_) => "7.0",
        }
    }

    /// ARM `api-version` of vault-level calls (also their `operationVersion`).
    pub fn arm_api_version(self) -> &'static str {
        match self {
            Client::Cli { .. } | Client::Terraform | Client::Sdk(_) => "2023-07-01",
            Client::Portal(_) | Client::PowerShell => "2023-02-01",
            Client::ResourceGraph => "2022-07-01",
            Client::PolicyScan => "2021-10-01",
            Client::Ide | Client::Scripted(_) => "2019-09-01",
        }
    }

    pub fn tls(self) -> &'static str {
        match self {
            Client::Sdk(sdk) if sdk.tls13() => "TLS1_3",
            Client::Portal(_) | Client::Cli { .. } => "TLS1_3",
            _ => "TLS1_2",
        }
    }

    fn trailing_slash(self) -> bool {
        match self {
            Client::Sdk(sdk) => sdk.trailing_slash(),
            Client::PowerShell => true,
            _ => false,
        }
    }
}

/// Who is calling, from where, with which token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Rc<Principal>,
    pub appid: String,
    pub acr: &'static str,
    pub client: Client,
    pub ip: u32,
    /// `ipaddr` claim; people only.
    pub token_ip: Option<u32>,
}

impl Actor {
    pub fn workload(w: &Workload, ip: u32) -> Actor {
        let acr = match &w.principal.kind {
            super::population::PrincipalKind::ServicePrincipal { acr, .. } => acr,
            _ => "2",
        };
        Actor {
            appid: w.principal.own_appid().unwrap_or_default(),
            acr,
            client: if w.role == super::population::WorkloadRole::Terraform {
                Client::Terraform
            } else {
                Client::Sdk(w.sdk)
            },
            principal: Rc::clone(&w.principal),
            ip,
            token_ip: None,
        }
    }

    /// A person using `client` from `ip`; the app id follows from the tool.
    pub fn person(principal: &Rc<Principal>, client: Client, ip: u32) -> Actor {
        let appid = match client {
            Client::Portal(_) => clients::AZURE_PORTAL_APPID,
            Client::PowerShell => clients::AZURE_POWERSHELL_APPID,
            Client::Ide => clients::VISUAL_STUDIO_APPID,
            _ => clients::AZURE_CLI_APPID,
        };
        Actor { principal: Rc::clone(principal), appid: appid.to_string(), acr: "0", client, ip, token_ip: Some(ip) }
    }

    pub fn service(principal: &Rc<Principal>, client: Client, ip: u32) -> Actor {
        Actor {
            appid: principal.own_appid().unwrap_or_default(),
            principal: Rc::clone(principal),
            acr: "2",
            client,
            ip,
            token_ip: None,
        }
    }
}

/// What the request addresses.
#[derive(Debug, Clone)]
pub enum Target {
    /// The vault itself (Vault* operations).
    Vault,
    /// A collection (`*List`).
    Collection,
    /// An existing object; `versioned` puts the version in the request URI.
    Object { index: usize, versioned: bool },
    /// A name that does not exist in the vault (404s).
    Missing { kind: ObjectKind, name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    NotFound,
    Throttled,
    Denied,
}

/// Stable per-(principal, vault) role-assignment id for `appliedAssignmentId`.
pub fn assignment_id(oid: Guid, vault: &str) -> Guid {
    let mut state = (oid.0 as u64) ^ ((oid.0 >> 64) as u64) ^ fnv(vault);
    let hi = splitmix64(&mut state);
    let lo = splitmix64(&mut state);
    let raw = (u128::from(hi) << 64) | u128::from(lo);
    let raw = (raw & !(0xF << 76)) | (0x4 << 76);
    Guid((raw & !(0x3 << 62)) | (0x2 << 62))
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

pub fn vault_config(v: &Vault) -> VaultConfig {
    VaultConfig {
        premium: v.production,
        rbac: v.rbac,
        purge_protection: v.purge_protection,
        soft_delete_days: v.soft_delete_days,
        network: v.firewall.then(|| ("Deny", vec!["145.131.64.0/20".to_string(), "193.173.32.0/20".to_string()])),
        enabled_for_deployment: false,
        enabled_for_template_deployment: v.production,
    }
}

fn object_path(o: &KvObject, versioned: bool, trailing_slash: bool) -> String {
    if versioned {
        format!("/{}/{}/{}", o.collection(), o.name, o.version_hex())
    } else if trailing_slash {
        format!("/{}/{}/", o.collection(), o.name)
    } else {
        format!("/{}/{}", o.collection(), o.name)
    }
}

fn collection_of(op: Operation) -> &'static str {
    op.permission().0
}

/// Builds one AuditEvent. The caller may adjust `detail` afterwards (access-policy changes).
#[allow(clippy::too_many_arguments)]
pub fn call(
    world: &World,
    rng: &mut Rng,
    time: Ticks,
    vault_index: usize,
    op: Operation,
    target: &Target,
    actor: &Actor,
    outcome: Outcome,
) -> AuditEvent {
    use Operation::*;
    // Sub-millisecond jitter: callers schedule in milliseconds, Azure stamps 100-ns ticks.
    let time = time + rng.below(TICKS_PER_MS as u64) as Ticks;
    let vault = &world.vaults[vault_index];
    let client = actor.client;
    let vault_level = op.is_vault_level();
    let api = if vault_level { client.arm_api_version() } else { client.api_version() };
    let base = format!("https://{}", vault.host());
    let object = match target {
        Target::Object { index, .. } => world.objects.get(*index),
        _ => None,
    };
    let name = match target {
        Target::Object { index, .. } => world.objects.get(*index).map(|o| o.name.clone()).unwrap_or_default(),
        Target::Missing { name, .. } => name.clone(),
        _ => String::new(),
    };
    let coll = collection_of(op);

    // Request path and the object URI (`properties.id`).
    let (path, object_uri) = if vault_level {
        (String::new(), Some(vault.uri.clone()))
    } else {
        match (op, target) {
            (SecretList | KeyList | CertificateList, _) => (format!("/{coll}"), Some(format!("{base}/{coll}"))),
            (SecretListVersions | CertificateListVersions, _) => {
                (format!("/{coll}/{name}/versions"), Some(format!("{base}/{coll}/{name}")))
            }
            (SecretPurge | KeyPurge, _) => {
                let deleted = if op == SecretPurge { "deletedsecrets" } else { "deletedkeys" };
                (format!("/{deleted}/{name}"), Some(format!("{base}/{deleted}/{name}")))
            }
            (SecretDelete | KeyDelete | SecretSet, _) => {
                let id = match (op, object) {
                    (SecretSet, Some(o)) => format!("{base}/{coll}/{name}/{}", o.version_hex()),
                    _ => format!("{base}/{coll}/{name}"),
                };
                (format!("/{coll}/{name}"), Some(id))
            }
            (KeyCreate, _) => {
                let id = object.map(|o| format!("{base}/keys/{name}/{}", o.version_hex()));
                (format!("/keys/{name}/create"), id.or(Some(format!("{base}/keys/{name}"))))
            }
            (KeySign | KeyVerify | KeyWrap | KeyUnwrap | KeyEncrypt | KeyDecrypt, Target::Object { .. }) => {
                let suffix = match op {
                    KeySign => "sign",
                    KeyVerify => "verify",
                    KeyWrap => "wrapkey",
                    KeyUnwrap => "unwrapkey",
                    KeyEncrypt => "encrypt",
                    _ => "decrypt",
                };
                let o = object.map(|o| o.version_hex()).unwrap_or_default();
                (format!("/keys/{name}/{o}/{suffix}"), Some(format!("{base}/keys/{name}/{o}")))
            }
            (_, Target::Object { versioned, .. }) => match object {
                Some(o) => (
                    object_path(o, *versioned, client.trailing_slash()),
                    Some(format!("{base}{}", object_path(o, true, false))),
                ),
                None => (format!("/{coll}/{name}"), Some(format!("{base}/{coll}/{name}"))),
            },
            (_, Target::Missing { .. }) => {
                let path = if client.trailing_slash() { format!("/{coll}/{name}/") } else { format!("/{coll}/{name}") };
                (path, Some(format!("{base}/{coll}/{name}")))
            }
            _ => (format!("/{coll}"), Some(format!("{base}/{coll}"))),
        }
    };
    let request_uri = if vault_level {
        let host = if client == Client::ResourceGraph {
            format!("https://{}.management.azure.com", vault.location)
        } else {
            "https://management.azure.com".to_string()
        };
        format!("{host}{}?api-version={api}", vault.arm_id)
    } else {
        let mut uri = format!("{base}{path}?api-version={api}");
        if let Client::Portal(_) = client {
            if matches!(op, SecretList | KeyList | CertificateList) {
                uri.push_str("&maxresults=25");
            }
            uri.push_str(&format!("&_={}", time::unix_millis(time) - rng.range(200, 900_000) as i64));
        }
        uri
    };

    let status = match outcome {
        Outcome::Ok => match op {
            SecretPurge | KeyPurge => 204,
            _ => 200,
        },
        Outcome::NotFound => 404,
        Outcome::Throttled => 429,
        Outcome::Denied => 403,
    };

    let token = actor_token(actor);
    let description = match outcome {
        Outcome::Ok => {
            if vault_level || rng.chance(100) {
                Description::Empty
            } else {
                Description::Absent
            }
        }
        Outcome::NotFound => {
            let (article, noun) = match coll {
                "keys" => ("A", "key"),
                "certificates" => ("A", "certificate"),
                _ => ("A", "secret"),
            };
            Description::Text(format!(
                "{article} {noun} with (name/id) {name} was not found in this key vault. If you recently deleted this {noun} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            ))
        }
        Outcome::Throttled => Description::Text(
            "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"
                .to_string(),
        ),
        Outcome::Denied => Description::Text(denial_text(world, vault, op, &name, &token)),
    };

    let duration_ms = match (op, outcome) {
        (_, Outcome::Throttled) => rng.range(0, 4),
        (_, Outcome::Denied) => rng.bucketed(&[(80, 1, 12), (20, 13, 60)]),
        _ if vault_level => rng.bucketed(&[(60, 20, 120), (35, 121, 600), (5, 601, 4000)]),
        (SecretList | KeyList | CertificateList | SecretListVersions | CertificateListVersions, _) => {
            rng.bucketed(&[(60, 10, 60), (35, 61, 250), (5, 251, 3000)])
        }
        (KeySign | KeyVerify | KeyWrap | KeyUnwrap | KeyEncrypt | KeyDecrypt | KeyCreate, _) => {
            rng.bucketed(&[(60, 8, 30), (35, 31, 120), (5, 121, 1500)])
        }
        _ => rng.bucketed(&[(70, 2, 15), (25, 16, 60), (5, 61, 900)]),
    } as u32;

    let authorization = if vault_level {
        Authorization::None
    } else if vault.rbac {
        let authorized = outcome != Outcome::Denied;
        Authorization::Rbac {
            authorized,
            assignment: (outcome == Outcome::Ok).then(|| assignment_id(actor.principal.oid, &vault.name)),
        }
    } else {
        Authorization::AccessPolicy { matched: outcome != Outcome::Denied }
    };

    let addr_auth =
        (vault.firewall && !vault_level).then_some(if matches!(client, Client::PolicyScan | Client::ResourceGraph) {
            "TrustedService"
        } else {
            "PublicIP"
        });

    let detail = match (op, outcome, object) {
        (VaultGet | VaultPut | VaultPatch, Outcome::Ok, _) => Detail::Vault(vault_config(vault)),
        (KeyGet | KeyCreate, Outcome::Ok, Some(o)) => Detail::Key {
            key_type: o.key_type,
            size: o.key_size,
            operations: if o.key_type == "EC" {
                &["sign", "verify"]
            } else {
                &["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
            },
            exp: time::unix_seconds(time + (730 - o.age_days) * TICKS_PER_DAY),
        },
        (SecretGet | SecretSet, Outcome::Ok, Some(o)) => match o.content_type {
            Some(ct) => Detail::Secret { content_type: ct },
            None => Detail::None,
        },
        (CertificateGet, Outcome::Ok, Some(o)) => Detail::Certificate {
            subject: o.subject.clone(),
            thumbprint: o.thumbprint.clone(),
            nbf: time::hour_floor(time) - o.age_days * TICKS_PER_DAY,
            exp: time::hour_floor(time) + (365 - o.age_days) * TICKS_PER_DAY,
        },
        _ => Detail::None,
    };

    AuditEvent {
        time,
        vault: Rc::clone(vault),
        operation: op,
        operation_version: api,
        caller: Caller::Token(token),
        caller_ip: actor.ip,
        client_info: client.user_agent(op),
        request_uri,
        object_uri,
        status,
        description,
        duration_ms,
        correlation_id: if rng.chance(30) { None } else { Some(rng.guid()) },
        tls: client.tls(),
        authorization,
        addr_auth,
        detail,
        escaped: rng.chance(10),
        receipt_delay_s: rng.bucketed(&[(80, 20, 120), (18, 121, 400), (2, 401, 900)]) as u32,
    }
}

fn actor_token(actor: &Actor) -> Token {
    Token { principal: Rc::clone(&actor.principal), appid: actor.appid.clone(), acr: actor.acr, ipaddr: actor.token_ip }
}

/// The 401 challenge that precedes `request`: same URI, agent, address and client request id, no identity.
pub fn challenge(rng: &mut Rng, request: &AuditEvent) -> AuditEvent {
    let gap =
        rng.bucketed(&[(70, 15, 80), (30, 81, 400)]) as Ticks * TICKS_PER_MS + rng.below(TICKS_PER_MS as u64) as Ticks;
    AuditEvent {
        time: request.time - gap,
        vault: Rc::clone(&request.vault),
        operation: Operation::Authentication,
        operation_version: request.operation_version,
        caller: Caller::Anonymous,
        caller_ip: request.caller_ip,
        client_info: request.client_info,
        request_uri: request.request_uri.clone(),
        object_uri: None,
        status: 401,
        description: Description::Absent,
        duration_ms: rng.bucketed(&[(80, 0, 3), (20, 4, 20)]) as u32,
        correlation_id: request.correlation_id,
        tls: request.tls,
        authorization: Authorization::None,
        addr_auth: None,
        detail: Detail::None,
        escaped: rng.chance(10),
        receipt_delay_s: request.receipt_delay_s,
    }
}

/// The two real shapes of a 403: access-policy miss and RBAC refusal (the latter with `\r\n` line breaks).
fn denial_text(world: &World, vault: &Vault, op: Operation, name: &str, token: &Token) -> String {
    let tid = world.tenant_id;
    let oid = token.principal.oid;
    let appid = &token.appid;
    let (coll, perm) = op.permission();
    if vault.rbac {
        let resource =
            if name.is_empty() { vault.lower_id.clone() } else { format!("{}/{coll}/{name}", vault.lower_id) };
        format!(
            "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid={appid};oid={oid};iss=https://sts.windows.net/{tid}/\r\nAction: '{}'\r\nResource: '{resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: {};location={}\r\n",
            op.rbac_action(),
            vault.name,
            vault.location
        )
    } else {
        let groups = match &token.principal.kind {
            super::population::PrincipalKind::User { numgroups, .. } => {
                format!("numgroups={numgroups};")
            }
            _ => String::new(),
        };
        format!(
            "The user, group or application 'appid={appid};oid={oid};{groups}iss=https://sts.windows.net/{tid}/' does not have {coll} {perm} permission on key vault '{};location={}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
            vault.name, vault.location
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_key_vault() {
        let world = World::build(9, 10_000);
        let mut rng = Rng::new(9, 9);
        let w = &world.workloads[world.workloads.len() - 1];
        let actor = Actor::workload(w, w.ips[0]);
        let o = w.objects[0];
        let v = world.objects[o].vault;
        let ev = call(
            &world,
            &mut rng,
            0,
            v,
            Operation::SecretGet,
            &Target::Object { index: o, versioned: false },
            &actor,
            Outcome::Ok,
        );
        assert_eq!(ev.status, 200);
        assert!(ev.request_uri.starts_with(&format!("https://{}.vault.azure.net/", world.vaults[v].name)));
        assert!(ev.request_uri.contains("?api-version=7."));
        let ch = challenge(&mut rng, &ev);
        assert_eq!(ch.status, 401);
        assert!(ch.time < ev.time);
        assert_eq!(ch.correlation_id, ev.correlation_id);
        let denied = call(&world, &mut rng, 0, v, Operation::SecretList, &Target::Collection, &actor, Outcome::Denied);
        match &denied.description {
            Description::Text(t) => assert!(t.contains(&w.principal.oid.to_string())),
            other => panic!("{other:?}"),
        }
        let purge = call(
            &world,
            &mut rng,
            0,
            v,
            Operation::SecretPurge,
            &Target::Object { index: o, versioned: false },
            &actor,
            Outcome::Ok,
        );
        assert_eq!(purge.status, 204);
        assert!(purge.request_uri.contains("/deletedsecrets/"));
    }
}
