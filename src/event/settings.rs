//! What a record says about a vault's configuration: the permission model, the deletion safeguards, the network
//! exposure, whether its audit log is still collected, and whether a storage account was just made to depend on
//! one of its keys. They are the evidence of the downgrade, blinding, exposure and CMK-ransomware techniques
//! (DETECTIONS.md KV-05, KV-26, KV-27, KV-28, KV-29), so they are kept as structured values rather than text.
//!
//! Every field is optional: a record carries only what its operation touched, and "not said" must stay distinct
//! from "false" (a `VaultPatch` that does not mention purge protection did not disable it).

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VaultSettings {
    /// `enableRbacAuthorization`: true = Azure RBAC, false = access policies (the downgrade of KV-05).
    pub rbac_authorization: Option<bool>,
    /// `enablePurgeProtection`.
    pub purge_protection: Option<bool>,
    /// `enableSoftDelete`.
    pub soft_delete: Option<bool>,
    /// `softDeleteRetentionInDays` (7 is the minimum KV-28 looks for).
    pub soft_delete_days: Option<u32>,
    /// `networkAcls.defaultAction`: `Allow` or `Deny`, as written.
    pub default_action: Option<Box<str>>,
    /// `publicNetworkAccess`: `Enabled` or `Disabled`, as written.
    pub public_network_access: Option<Box<str>>,
    /// `networkAcls.bypass`: `AzureServices` or `None`, as written.
    pub bypass: Option<Box<str>>,
    /// `networkAcls.ipRules[].value`: the whole firewall allow-list, when the record carries one.
    pub ip_rules: Vec<Box<str>>,
    /// Rules the record says were added (AzureDiagnostics `addedIpRule_Value_s`, raw `addedIpRule`).
    pub added_ip_rules: Vec<Box<str>>,
    /// A private endpoint connection of the vault was deleted.
    pub removed_private_endpoint: bool,
    /// For a diagnostic setting of the vault: `Some(true)` when written with the audit log enabled, `Some(false)`
    /// when deleted or written without it.
    pub diagnostic_audit: Option<bool>,
    /// For a storage account or encryption scope switched to a customer-managed key: the key's URI in this vault.
    pub cmk_key: Option<Box<str>>,
}

impl VaultSettings {
    /// True when the record said nothing about the vault's configuration.
    pub fn is_empty(&self) -> bool {
        *self == VaultSettings::default()
    }

    /// One line for the detail pane and finding explanations, in the names the logs use, e.g.
    /// `enableRbacAuthorization=false, networkAcls.defaultAction=Allow, +ipRule 1.2.3.4/32`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut flag = |name: &str, v: Option<bool>| {
            if let Some(v) = v {
                parts.push(format!("{name}={v}"));
            }
        };
        flag("enableRbacAuthorization", self.rbac_authorization);
        flag("enablePurgeProtection", self.purge_protection);
        flag("enableSoftDelete", self.soft_delete);
        if let Some(days) = self.soft_delete_days {
            parts.push(format!("softDeleteRetentionInDays={days}"));
        }
        for (name, v) in [
            ("networkAcls.defaultAction", &self.default_action),
            ("networkAcls.bypass", &self.bypass),
            ("publicNetworkAccess", &self.public_network_access),
        ] {
            if let Some(v) = v {
                parts.push(format!("{name}={v}"));
            }
        }
        if !self.ip_rules.is_empty() {
            parts.push(format!("ipRules=[{}]", self.ip_rules.join(", ")));
        }
        parts.extend(self.added_ip_rules.iter().map(|r| format!("+ipRule {r}")));
        if self.removed_private_endpoint {
            parts.push("private endpoint connection deleted".to_string());
        }
        match self.diagnostic_audit {
            Some(true) => parts.push("diagnostic setting collects AuditEvent".to_string()),
            Some(false) => parts.push("diagnostic setting without AuditEvent".to_string()),
            None => {}
        }
        if let Some(key) = &self.cmk_key {
            parts.push(format!("customer-managed key {key}"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_only_what_was_said() {
        assert!(VaultSettings::default().is_empty());
        assert_eq!(VaultSettings::default().describe(), "");
        let s = VaultSettings {
            rbac_authorization: Some(false),
            default_action: Some("Allow".into()),
            added_ip_rules: vec!["1.2.3.4/32".into()],
            ..VaultSettings::default()
        };
        assert!(!s.is_empty());
        assert_eq!(s.describe(), "enableRbacAuthorization=false, networkAcls.defaultAction=Allow, +ipRule 1.2.3.4/32");
        let d = VaultSettings { diagnostic_audit: Some(false), ..VaultSettings::default() };
        assert_eq!(d.describe(), "diagnostic setting without AuditEvent");
    }
}
