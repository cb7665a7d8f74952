//! The generated events in memory: *what happened*, before any output format decides how Azure would have written
//! it. One logical stream feeds every writer, which is what lets a parser be tested by loading the same dataset in
//! several formats and comparing.

use std::rc::Rc;

use super::population::{Principal, Vault};
use super::rng::Guid;
use super::time::Ticks;

/// Key Vault operation names (`operationName`), with what the generator needs to know about each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Authentication,
    VaultGet,
    VaultPut,
    VaultPatch,
    VaultDelete,
    SecretGet,
    SecretList,
    SecretListVersions,
    SecretSet,
    SecretDelete,
    SecretPurge,
    KeyGet,
    KeyList,
    KeyCreate,
    KeySign,
    KeyVerify,
    KeyWrap,
    KeyUnwrap,
    KeyEncrypt,
    KeyDecrypt,
    KeyDelete,
    KeyPurge,
    CertificateGet,
    CertificateList,
    CertificateListVersions,
}

impl Operation {
    pub fn name(self) -> &'static str {
        use Operation::*;
        match self {
            Authentication => "Authentication",
            VaultGet => "VaultGet",
            VaultPut => "VaultPut",
            VaultPatch => "VaultPatch",
            VaultDelete => "VaultDelete",
            SecretGet => "SecretGet",
            SecretList => "SecretList",
            SecretListVersions => "SecretListVersions",
            SecretSet => "SecretSet",
            SecretDelete => "SecretDelete",
            SecretPurge => "SecretPurge",
            KeyGet => "KeyGet",
            KeyList => "KeyList",
            KeyCreate => "KeyCreate",
            KeySign => "KeySign",
            KeyVerify => "KeyVerify",
            KeyWrap => "KeyWrap",
            KeyUnwrap => "KeyUnwrap",
            KeyEncrypt => "KeyEncrypt",
            KeyDecrypt => "KeyDecrypt",
            KeyDelete => "KeyDelete",
            KeyPurge => "KeyPurge",
            CertificateGet => "CertificateGet",
            CertificateList => "CertificateList",
            CertificateListVersions => "CertificateListVersions",
        }
    }

    /// Vault-level operations go through ARM and log the long-URI claim dialect.
    pub fn is_vault_level(self) -> bool {
        use Operation::*;
        matches!(self, VaultGet | VaultPut | VaultPatch | VaultDelete)
    }

    /// `(collection, permission)` for access-policy denial texts, e.g. `("secrets", "get")`.
    pub fn permission(self) -> (&'static str, &'static str) {
        use Operation::*;
        match self {
            SecretGet => ("secrets", "get"),
            SecretList | SecretListVersions => ("secrets", "list"),
            SecretSet => ("secrets", "set"),
            SecretDelete => ("secrets", "delete"),
            SecretPurge => ("secrets", "purge"),
            KeyGet => ("keys", "get"),
            KeyList => ("keys", "list"),
            KeyCreate => ("keys", "create"),
            KeySign => ("keys", "sign"),
            KeyVerify => ("keys", "verify"),
            KeyWrap => ("keys", "wrapKey"),
            KeyUnwrap => ("keys", "unwrapKey"),
            KeyEncrypt => ("keys", "encrypt"),
            KeyDecrypt => ("keys", "decrypt"),
            KeyDelete => ("keys", "delete"),
            KeyPurge => ("keys", "purge"),
            CertificateGet => ("certificates", "get"),
            CertificateList | CertificateListVersions => ("certificates", "list"),
            Authentication | VaultGet | VaultPut | VaultPatch | VaultDelete => ("vaults", "read"),
        }
    }

    /// The RBAC data action named in "Caller is not authorized" denials.
    pub fn rbac_action(self) -> &'static str {
        use Operation::*;
        match self {
            SecretGet => "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            SecretList | SecretListVersions => "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            SecretSet => "Microsoft.KeyVault/vaults/secrets/setSecret/action",
            SecretDelete => "Microsoft.KeyVault/vaults/secrets/delete",
            SecretPurge => "Microsoft.KeyVault/vaults/deletedSecrets/delete",
            KeyGet | KeyList => "Microsoft.KeyVault/vaults/keys/read",
            KeyCreate => "Microsoft.KeyVault/vaults/keys/create/action",
            KeySign => "Microsoft.KeyVault/vaults/keys/sign/action",
            KeyVerify => "Microsoft.KeyVault/vaults/keys/verify/action",
            KeyWrap => "Microsoft.KeyVault/vaults/keys/wrap/action",
            KeyUnwrap => "Microsoft.KeyVault/vaults/keys/unwrap/action",
            KeyEncrypt => "Microsoft.KeyVault/vaults/keys/encrypt/action",
            KeyDecrypt => "Microsoft.KeyVault/vaults/keys/decrypt/action",
            KeyDelete => "Microsoft.KeyVault/vaults/keys/delete",
            KeyPurge => "Microsoft.KeyVault/vaults/deletedKeys/delete",
            CertificateGet | CertificateList | CertificateListVersions => "Microsoft.KeyVault/vaults/certificates/read",
            Authentication | VaultGet | VaultPut | VaultPatch | VaultDelete => "Microsoft.KeyVault/vaults/read",
        }
    }
}

/// The caller as the token describes it.
#[derive(Debug, Clone)]
pub struct Token {
    pub principal: Rc<Principal>,
    /// Client application id (`appid`): the tool for people, the principal itself for apps.
    pub appid: String,
    /// `appidacr`: "0" public client, "1" secret, "2" certificate.
    pub acr: &'static str,
    /// `ipaddr`: where the token was issued (people only).
    pub ipaddr: Option<u32>,
}

#[derive(Debug, Clone)]
pub enum Caller {
    /// No token: the SDK's challenge request (`identity: {}`).
    Anonymous,
    Token(Token),
}

impl Caller {
    pub fn token(&self) -> Option<&Token> {
        match self {
            Caller::Anonymous => None,
            Caller::Token(t) => Some(t),
        }
    }
}

/// Which permission model authorised (or refused) the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// Not evaluated (401 challenges, ARM-level vault operations).
    None,
    AccessPolicy {
        matched: bool,
    },
    Rbac {
        authorized: bool,
        assignment: Option<Guid>,
    },
}

/// `resultDescription`: usually absent, sometimes empty, explanatory text on failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Description {
    Absent,
    Empty,
    Text(String),
}

/// Vault configuration as echoed in `properties.properties` of Vault* records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultConfig {
    pub premium: bool,
    pub rbac: bool,
    pub purge_protection: bool,
    pub soft_delete_days: u32,
    /// `networkAcls`: None when no firewall is configured, else `(defaultAction, ipRules)`.
    pub network: Option<(&'static str, Vec<String>)>,
    pub enabled_for_deployment: bool,
    pub enabled_for_template_deployment: bool,
}

/// An access-policy entry as added to or removed from a vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    pub tenant: Guid,
    pub object_id: Guid,
    pub keys: Vec<&'static str>,
    pub secrets: Vec<&'static str>,
    pub certificates: Vec<&'static str>,
}

/// An access-policy change echoed by VaultPatch/VaultPut (`addedAccessPolicy` / `removedAccessPolicy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    pub config: VaultConfig,
    pub added: Option<AccessPolicy>,
    pub removed: Option<AccessPolicy>,
}

/// Operation-specific extras carried in `properties`.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    None,
    Vault(VaultConfig),
    /// Boxed: rare, and three times the size of the other variants.
    AccessPolicyChange(Box<PolicyChange>),
    Key {
        key_type: &'static str,
        size: u32,
        operations: &'static [&'static str],
        exp: i64,
    },
    Secret {
        content_type: &'static str,
    },
    Certificate {
        subject: String,
        thumbprint: String,
        nbf: Ticks,
        exp: Ticks,
    },
}

/// One Key Vault AuditEvent.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub time: Ticks,
    pub vault: Rc<Vault>,
    pub operation: Operation,
    pub operation_version: &'static str,
    pub caller: Caller,
    pub caller_ip: u32,
    pub client_info: &'static str,
    pub request_uri: String,
    /// `properties.id`: the object or vault URI (absent on 401 challenges).
    pub object_uri: Option<String>,
    pub status: u16,
    pub description: Description,
    pub duration_ms: u32,
    /// None writes `""`.
    pub correlation_id: Option<Guid>,
    pub tls: &'static str,
    pub authorization: Authorization,
    pub addr_auth: Option<&'static str>,
    pub detail: Detail,
    /// Written by an "escape everything" serializer (`\/`, `\u00e9`).
    pub escaped: bool,
    /// Seconds between the event and its arrival in storage; decides which hourly blob it lands in.
    pub receipt_delay_s: u32,
}

/// Activity Log (ARM) operations on or around a vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MgmtOperation {
    VaultWrite,
    VaultDelete,
    VaultPurge,
    AccessPolicyWrite,
    RoleAssignmentWrite,
    DiagnosticSettingsWrite,
    DiagnosticSettingsDelete,
}

impl MgmtOperation {
    /// `operationName.value` / `authorization.action`.
    pub fn action(self) -> &'static str {
        match self {
            MgmtOperation::VaultWrite => "Microsoft.KeyVault/vaults/write",
            MgmtOperation::VaultDelete => "Microsoft.KeyVault/vaults/delete",
            MgmtOperation::VaultPurge => "Microsoft.KeyVault/locations/deletedVaults/purge/action",
            MgmtOperation::AccessPolicyWrite => "Microsoft.KeyVault/vaults/accessPolicies/write",
            MgmtOperation::RoleAssignmentWrite => "Microsoft.Authorization/roleAssignments/write",
            MgmtOperation::DiagnosticSettingsWrite => "Microsoft.Insights/diagnosticSettings/write",
            MgmtOperation::DiagnosticSettingsDelete => "Microsoft.Insights/diagnosticSettings/delete",
        }
    }

    /// `operationName.localizedValue`.
    pub fn localized(self) -> &'static str {
        match self {
            MgmtOperation::VaultWrite => "Update Key Vault",
            MgmtOperation::VaultDelete => "Delete Key Vault",
            MgmtOperation::VaultPurge => "Purge Deleted Vault",
            MgmtOperation::AccessPolicyWrite => "Update Access Policy",
            MgmtOperation::RoleAssignmentWrite => "Create role assignment",
            MgmtOperation::DiagnosticSettingsWrite => "Create or update resource diagnostic setting",
            MgmtOperation::DiagnosticSettingsDelete => "Delete resource diagnostic setting",
        }
    }

    pub fn provider(self) -> &'static str {
        match self {
            MgmtOperation::RoleAssignmentWrite => "Microsoft.Authorization",
            MgmtOperation::DiagnosticSettingsWrite | MgmtOperation::DiagnosticSettingsDelete => "Microsoft.Insights",
            _ => "Microsoft.KeyVault",
        }
    }

    pub fn resource_type(self) -> &'static str {
        match self {
            MgmtOperation::VaultWrite | MgmtOperation::VaultDelete => "Microsoft.KeyVault/vaults",
            MgmtOperation::VaultPurge => "Microsoft.KeyVault/locations/deletedVaults",
            MgmtOperation::AccessPolicyWrite => "Microsoft.KeyVault/vaults/accessPolicies",
            MgmtOperation::RoleAssignmentWrite => "Microsoft.Authorization/roleAssignments",
            MgmtOperation::DiagnosticSettingsWrite | MgmtOperation::DiagnosticSettingsDelete => {
                "Microsoft.Insights/diagnosticSettings"
            }
        }
    }

    pub fn method(self) -> &'static str {
        match self {
            MgmtOperation::VaultDelete | MgmtOperation::DiagnosticSettingsDelete => "DELETE",
            MgmtOperation::VaultPurge => "POST",
            _ => "PUT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Begin,
    End,
}

/// One Activity Log event (a BeginRequest or an EndRequest).
#[derive(Debug, Clone)]
pub struct ManagementEvent {
    pub time: Ticks,
    /// `submissionTimestamp - eventTimestamp`.
    pub submission_delay: Ticks,
    pub phase: Phase,
    pub operation: MgmtOperation,
    /// `Started`, `Accepted`, `Succeeded` or `Failed`.
    pub status: &'static str,
    /// HTTP status of the EndRequest (None on BeginRequest).
    pub http_status: Option<u16>,
    pub caller: Rc<Principal>,
    /// Client application id of the caller's token.
    pub caller_appid: String,
    pub caller_acr: &'static str,
    pub caller_ip: u32,
    pub vault: Rc<Vault>,
    /// ARM id of the target (vault, `accessPolicies/add`, diagnostic setting, role assignment, deleted vault).
    pub target_id: String,
    /// Resource group of the target; empty for subscription-level ids (deleted-vault purge).
    pub resource_group: String,
    pub correlation_id: Guid,
    pub operation_id: Guid,
    pub event_data_id: Guid,
    pub service_request_id: Option<Guid>,
    pub client_request_id: Guid,
    /// `properties.requestbody` (JSON text) on BeginRequest of writes.
    pub request_body: Option<String>,
    /// Token issue time (claims `iat`/`nbf`), and a per-token nonce for `uti`/`aio`.
    pub token_issued: Ticks,
    pub token_nonce: u128,
}

/// One generated event of either plane. Not boxed: events move by value through the per-hour buffers, and
/// AuditEvents (the larger variant) outnumber management events by thousands to one.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Generated {
    Audit(AuditEvent),
    Management(ManagementEvent),
}

impl Generated {
    pub fn time(&self) -> Ticks {
        match self {
            Generated::Audit(e) => e.time,
            Generated::Management(e) => e.time,
        }
    }
}
