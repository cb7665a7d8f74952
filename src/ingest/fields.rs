//! The three field vocabularies of Key Vault audit data — raw `AuditEvent` (camelCase, nested `identity.claim`
//! and `properties`), `AzureDiagnostics` (flattened `_s`/`_g`/`_d`/`_b` columns, `CallerIPAddress`) and
//! `AZKVAuditLogs` (PascalCase, dynamic `Identity`, `CallerIpAddress`) — mapped onto one set of [`Field`] slots.
//! FORMATS.md §1.4, §2.2 and §3 are the source of every name here. This file is a table, written as `match`
//! so that the compiler turns it into a length-then-bytes comparison on the hot path.

/// A slot of the normalized record. Several spellings in several formats fill the same slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Time,
    ResourceId,
    ResourceName,
    ResourceProvider,
    Category,
    Operation,
    ResultSignature,
    ResultDescription,
    Duration,
    CallerIp,
    Correlation,
    ClientInfo,
    RequestUri,
    ObjectUri,
    HttpStatus,
    AccessPolicyMatch,
    RbacAuthorized,
    TlsVersion,
    AddrAuthType,
    Oid,
    OidLong,
    Upn,
    UpnLong,
    UniqueName,
    NameLong,
    AppId,
    IdTyp,
    MiRid,
    TokenIp,
    /// A raw `addedAccessPolicy` / `removedAccessPolicy` object.
    AddedPolicy,
    RemovedPolicy,
    AddedPolicyOid,
    AddedPolicyKeys,
    AddedPolicySecrets,
    AddedPolicyCertificates,
    RemovedPolicyOid,
    RemovedPolicyKeys,
    RemovedPolicySecrets,
    RemovedPolicyCertificates,
    /// `az monitor log-analytics query` marks every row with it; its presence means every value is `str()`.
    TableName,
    /// The Log Analytics `Type` column: which table a row came from.
    TableType,
}

pub const FIELD_COUNT: usize = Field::TableType as usize + 1;

impl Field {
    /// The name used in messages: the raw AuditEvent spelling, which every format derives from.
    pub fn name(self) -> &'static str {
        match self {
            Field::Time => "time",
            Field::ResourceId => "resourceId",
            Field::ResourceName => "Resource",
            Field::ResourceProvider => "ResourceProvider",
            Field::Category => "category",
            Field::Operation => "operationName",
            Field::ResultSignature => "resultSignature",
            Field::ResultDescription => "resultDescription",
            Field::Duration => "durationMs",
            Field::CallerIp => "callerIpAddress",
            Field::Correlation => "correlationId",
            Field::ClientInfo => "clientInfo",
            Field::RequestUri => "requestUri",
            Field::ObjectUri => "id",
            Field::HttpStatus => "httpStatusCode",
            Field::AccessPolicyMatch => "isAccessPolicyMatch",
            Field::RbacAuthorized => "isRbacAuthorized",
            Field::TlsVersion => "tlsVersion",
            Field::AddrAuthType => "addrAuthType",
            Field::Oid | Field::OidLong => "claim oid",
            Field::Upn | Field::UpnLong => "claim upn",
            Field::UniqueName | Field::NameLong => "claim unique_name",
            Field::AppId => "claim appid",
            Field::IdTyp => "claim idtyp",
            Field::MiRid => "claim xms_mirid",
            Field::TokenIp => "claim ipaddr",
            Field::AddedPolicy | Field::AddedPolicyOid => "addedAccessPolicy",
            Field::AddedPolicyKeys | Field::AddedPolicySecrets | Field::AddedPolicyCertificates => {
                "addedAccessPolicy permissions"
            }
            Field::RemovedPolicy | Field::RemovedPolicyOid => "removedAccessPolicy",
            Field::RemovedPolicyKeys | Field::RemovedPolicySecrets | Field::RemovedPolicyCertificates => {
                "removedAccessPolicy permissions"
            }
            Field::TableName => "TableName",
            Field::TableType => "Type",
        }
    }
}

/// A member that says something about the vault's configuration. Only `Vault*` records and their flattened
/// columns carry these, so they are collected aside ([`Slots::settings`](super::record::Slots::settings)) instead
/// of widening the slot array every record initializes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// Raw `properties.properties` (and AZKVAuditLogs `VaultProperties`): the vault's configuration object. Read
    /// only on `Vault*` operations.
    VaultProperties,
    /// A `networkAcls` object (raw, or the AZKVAuditLogs `NetworkAcls` dynamic column).
    NetworkAcls,
    RbacAuthorization,
    PurgeProtection,
    SoftDelete,
    SoftDeleteDays,
    DefaultAction,
    Bypass,
    PublicNetworkAccess,
    /// The whole `ipRules` list (JSON text in a flattened `_s` column).
    IpRules,
    /// `addedIpRule`: the rule a firewall change added.
    AddedIpRule,
}

/// What to do with a member, by its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Field(Field),
    /// Vault configuration (rare).
    Setting(Setting),
    /// Raw `identity`: an object holding `claim`.
    Identity,
    /// `identity.claim`: the token claims.
    Claims,
    /// Raw `properties`: an object of first-level members.
    Properties,
    /// AZKVAuditLogs `Identity`: the raw identity object, or that object as JSON text.
    DynamicIdentity,
    /// AZKVAuditLogs `Properties` (dynamic): searched for access-policy changes.
    DynamicProperties,
    /// Sekoia-style `{"input":{"message":"<raw record as text>"}}` wrappers (FORMATS.md §8 #1).
    Wrapper,
    /// A member only Activity Log records carry: the record takes the Activity Log path.
    Activity,
    Ignore,
}

/// Top-level keys of a record, and column names of Log Analytics rows (JSON export, Query API, `az`, CSV).
pub fn top(key: &[u8]) -> Key {
    use Field::*;
    Key::Field(match key {
        // Raw AuditEvent
        b"time" => Time,
        b"resourceId" => ResourceId,
        b"operationName" => Operation,
        b"category" => Category,
        b"resultSignature" => ResultSignature,
        b"resultDescription" => ResultDescription,
        b"durationMs" => Duration,
        b"callerIpAddress" => CallerIp,
        b"correlationId" => Correlation,
        b"identity" => return Key::Identity,
        b"properties" => return Key::Properties,
        // AzureDiagnostics fixed columns (also AZKVAuditLogs where the names agree)
        b"TimeGenerated" => Time,
        b"ResourceId" | b"_ResourceId" => ResourceId,
        b"Resource" => ResourceName,
        b"ResourceProvider" => ResourceProvider,
        b"Category" => Category,
        b"OperationName" => Operation,
        b"ResultSignature" => ResultSignature,
        b"ResultDescription" => ResultDescription,
        b"DurationMs" => Duration,
        b"CallerIPAddress" | b"CallerIpAddress" => CallerIp,
        b"CorrelationId" => Correlation,
        b"Type" => TableType,
        b"TableName" => TableName,
        // AzureDiagnostics flattened properties
        b"requestUri_s" => RequestUri,
        b"clientInfo_s" => ClientInfo,
        b"id_s" => ObjectUri,
        b"httpStatusCode_d" => HttpStatus,
        b"isAccessPolicyMatch_b" => AccessPolicyMatch,
        b"isRbacAuthorized_b" => RbacAuthorized,
        b"tlsVersion_s" => TlsVersion,
        b"addrAuthType_s" => AddrAuthType,
        // AzureDiagnostics flattened claims, both dialects
        b"identity_claim_oid_g" => Oid,
        b"identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g" => OidLong,
        b"identity_claim_upn_s" => Upn,
        b"identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s" => UpnLong,
        b"identity_claim_unique_name_s" => UniqueName,
        b"identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s" => NameLong,
        b"identity_claim_appid_g" => AppId,
        b"identity_claim_idtyp_s" => IdTyp,
        b"identity_claim_xms_mirid_s" => MiRid,
        b"identity_claim_ipaddr_s" => TokenIp,
        // AzureDiagnostics access-policy change columns
        b"addedAccessPolicy_ObjectId_g" => AddedPolicyOid,
        b"addedAccessPolicy_Permissions_keys_s" => AddedPolicyKeys,
        b"addedAccessPolicy_Permissions_secrets_s" => AddedPolicySecrets,
        b"addedAccessPolicy_Permissions_certificates_s" => AddedPolicyCertificates,
        b"removedAccessPolicy_ObjectId_g" => RemovedPolicyOid,
        b"removedAccessPolicy_Permissions_keys_s" => RemovedPolicyKeys,
        b"removedAccessPolicy_Permissions_secrets_s" => RemovedPolicySecrets,
        b"removedAccessPolicy_Permissions_certificates_s" => RemovedPolicyCertificates,
        // AZKVAuditLogs
        b"HttpStatusCode" => HttpStatus,
        b"Identity" => return Key::DynamicIdentity,
        b"Properties" => return Key::DynamicProperties,
        b"RequestUri" => RequestUri,
        b"Id" => ObjectUri,
        b"ClientInfo" => ClientInfo,
        b"IsAccessPolicyMatch" => AccessPolicyMatch,
        b"IsRbacAuthorized" => RbacAuthorized,
        b"Tlsversion" | b"TlsVersion" => TlsVersion,
        b"AddressAuthorizationType" => AddrAuthType,
        // Vault configuration: AzureDiagnostics flattens the nested `properties.properties` with a `properties_`
        // prefix (FORMATS.md §2.2); AZKVAuditLogs has PascalCase columns (§3).
        b"properties_enableRbacAuthorization_b" | b"EnableRbacAuthorization" => {
            return Key::Setting(Setting::RbacAuthorization);
        }
        b"properties_enablePurgeProtection_b" | b"EnablePurgeProtection" => {
            return Key::Setting(Setting::PurgeProtection);
        }
        b"properties_enableSoftDelete_b" | b"EnableSoftDelete" => return Key::Setting(Setting::SoftDelete),
        b"properties_softDeleteRetentionInDays_d" | b"SoftDeleteRetentionInDays" => {
            return Key::Setting(Setting::SoftDeleteDays);
        }
        b"properties_networkAcls_defaultAction_s" => return Key::Setting(Setting::DefaultAction),
        b"properties_networkAcls_bypass_s" => return Key::Setting(Setting::Bypass),
        b"properties_networkAcls_ipRules_s" => return Key::Setting(Setting::IpRules),
        b"properties_publicNetworkAccess_s" => return Key::Setting(Setting::PublicNetworkAccess),
        b"addedIpRule_Value_s" => return Key::Setting(Setting::AddedIpRule),
        b"NetworkAcls" => return Key::Setting(Setting::NetworkAcls),
        b"VaultProperties" => return Key::Setting(Setting::VaultProperties),
        // Wrappers and Activity Log markers
        b"input" => return Key::Wrapper,
        b"eventTimestamp"
        | b"eventDataId"
        | b"OperationNameValue"
        | b"ActivityStatusValue"
        | b"CategoryValue"
        | b"caller"
        | b"Caller"
        | b"claims"
        | b"Claims"
        | b"Claims_d"
        | b"httpRequest"
        | b"HTTPRequest"
        | b"authorization"
        | b"Authorization"
        | b"Authorization_d" => return Key::Activity,
        _ => return Key::Ignore,
    })
}

/// Members of raw `properties` (and of AZKVAuditLogs `Properties`).
pub fn property(key: &[u8]) -> Key {
    use Field::*;
    Key::Field(match key {
        b"clientInfo" => ClientInfo,
        b"requestUri" => RequestUri,
        b"id" => ObjectUri,
        b"httpStatusCode" => HttpStatus,
        b"isAccessPolicyMatch" => AccessPolicyMatch,
        b"isRbacAuthorized" => RbacAuthorized,
        b"tlsVersion" => TlsVersion,
        b"addrAuthType" => AddrAuthType,
        b"addedAccessPolicy" => AddedPolicy,
        b"removedAccessPolicy" => RemovedPolicy,
        // Vault configuration, after every member other records carry.
        b"properties" => return Key::Setting(Setting::VaultProperties),
        b"networkAcls" => return Key::Setting(Setting::NetworkAcls),
        b"addedIpRule" => return Key::Setting(Setting::AddedIpRule),
        b"publicNetworkAccess" => return Key::Setting(Setting::PublicNetworkAccess),
        _ => return Key::Ignore,
    })
}

/// Members of `identity` (raw and AZKVAuditLogs).
pub fn identity(key: &[u8]) -> Key {
    match key {
        b"claim" => Key::Claims,
        _ => Key::Ignore,
    }
}

/// Token claims in either dialect (FORMATS.md §1.4 "identity.claim — two dialects").
pub fn claim(key: &[u8]) -> Option<Field> {
    use Field::*;
    Some(match key {
        b"oid" => Oid,
        b"http://schemas.microsoft.com/identity/claims/objectidentifier" => OidLong,
        b"upn" => Upn,
        b"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn" => UpnLong,
        b"unique_name" => UniqueName,
        b"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" => NameLong,
        b"appid" => AppId,
        b"idtyp" => IdTyp,
        b"xms_mirid" => MiRid,
        b"ipaddr" => TokenIp,
        _ => return None,
    })
}

/// A CSV header or Query API column name: the portal renames datetime columns `Name [UTC]`.
pub fn column(name: &str) -> Key {
    let name = name.trim().trim_start_matches('\u{feff}');
    let name = name.strip_suffix(" [UTC]").unwrap_or(name);
    top(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_vocabularies_meet() {
        assert_eq!(top(b"callerIpAddress"), top(b"CallerIPAddress"));
        assert_eq!(top(b"CallerIPAddress"), top(b"CallerIpAddress"));
        assert_eq!(top(b"time"), top(b"TimeGenerated"));
        assert_eq!(column("TimeGenerated [UTC]"), Key::Field(Field::Time));
        assert_eq!(column("\u{feff}TenantId"), Key::Ignore);
        assert_eq!(property(b"httpStatusCode"), top(b"httpStatusCode_d"));
        assert_eq!(top(b"HttpStatusCode"), top(b"httpStatusCode_d"));
        assert_eq!(claim(b"oid"), Some(Field::Oid));
        assert_eq!(top(b"eventTimestamp"), Key::Activity);
        assert_eq!(top(b"somethingElse"), Key::Ignore);
        assert_eq!(top(b"EnableRbacAuthorization"), top(b"properties_enableRbacAuthorization_b"));
        assert_eq!(property(b"properties"), Key::Setting(Setting::VaultProperties));
    }
}
