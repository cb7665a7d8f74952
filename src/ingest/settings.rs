//! Vault configuration from every shape that carries it (FORMATS.md §1.4 nested `properties`, §2.2 flattened
//! `properties_*` columns, §3 AZKVAuditLogs columns, §4 Activity Log request bodies) into one [`VaultSettings`].
//!
//! These records are rare and written by hand-rolled tools as often as by Azure, so every reader here is
//! tolerant: member names match in any case (`Family`/`family`), booleans may be `true`, `"True"` or `1`,
//! numbers may be text. A value that cannot be read is left unsaid rather than rejecting the event — the access it
//! records is worth more than the setting.
//!
//! Nested objects are read with the pull [`Scanner`], not into a `serde_json::Value`: Resource Graph's `VaultGet`
//! of every vault is a few percent of a real log, and building a tree for each cost 4% of a whole load. Objects
//! that only exist as a `Value` (Activity Log bodies, JSON text in table columns) are written back to bytes and
//! read the same way, so there is one reader.

use std::borrow::Cow;

use serde_json::Value;

use super::dynamic;
use super::fields::Setting;
use super::scan::{Json, Scanner};
use crate::event::VaultSettings;

/// `VaultGet`, `VaultPut`, `VaultPatch`…: the operations whose `properties.properties` is the vault's
/// configuration. Only for these is that object read.
pub fn is_vault_operation(operation: &str) -> bool {
    operation.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("vault"))
}

/// The settings collected from a record's members, or `None` when they say nothing.
pub fn from_members(found: Vec<(Setting, Json<'_>)>, operation: &str, stringly: bool) -> Option<Box<VaultSettings>> {
    if found.is_empty() {
        return None;
    }
    let vault_operation = is_vault_operation(operation);
    let mut s = VaultSettings::default();
    for (setting, value) in &found {
        if *setting != Setting::VaultProperties || vault_operation {
            apply(&mut s, *setting, value, stringly);
        }
    }
    (!s.is_empty()).then(|| Box::new(s))
}

/// Members of a vault's `properties` object (raw `properties.properties`, ARM request bodies).
const VAULT_MEMBERS: [(&str, Setting); 7] = [
    ("enableRbacAuthorization", Setting::RbacAuthorization),
    ("enablePurgeProtection", Setting::PurgeProtection),
    ("enableSoftDelete", Setting::SoftDelete),
    ("softDeleteRetentionInDays", Setting::SoftDeleteDays),
    ("publicNetworkAccess", Setting::PublicNetworkAccess),
    ("networkAcls", Setting::NetworkAcls),
    ("addedIpRule", Setting::AddedIpRule),
];

/// Members of a `networkAcls` object.
const ACL_MEMBERS: [(&str, Setting); 3] =
    [("defaultAction", Setting::DefaultAction), ("bypass", Setting::Bypass), ("ipRules", Setting::IpRules)];

fn apply(s: &mut VaultSettings, setting: Setting, value: &Json<'_>, stringly: bool) {
    match setting {
        Setting::RbacAuthorization => fill(&mut s.rbac_authorization, json_bool(value)),
        Setting::PurgeProtection => fill(&mut s.purge_protection, json_bool(value)),
        Setting::SoftDelete => fill(&mut s.soft_delete, json_bool(value)),
        Setting::SoftDeleteDays => fill(&mut s.soft_delete_days, json_days(value)),
        Setting::DefaultAction => fill(&mut s.default_action, json_text(value, stringly)),
        Setting::Bypass => fill(&mut s.bypass, json_text(value, stringly)),
        Setting::PublicNetworkAccess => fill(&mut s.public_network_access, json_text(value, stringly)),
        Setting::IpRules => {
            if s.ip_rules.is_empty() {
                s.ip_rules = json_rules(value, stringly);
            }
        }
        Setting::AddedIpRule => add_rules(&mut s.added_ip_rules, json_rules(value, stringly)),
        // The tables below name no container of their own kind, so this recursion is two levels deep at most.
        Setting::NetworkAcls => read_object(value, &ACL_MEMBERS, s),
        Setting::VaultProperties => read_object(value, &VAULT_MEMBERS, s),
    }
}

/// Applies the members of the object `value` holds that `names` lists (in any case).
fn read_object(value: &Json<'_>, names: &[(&str, Setting)], s: &mut VaultSettings) {
    let Some(raw) = container_bytes(value) else { return };
    let mut sc = Scanner::record(&raw);
    if sc.peek() != Some(b'{') {
        return;
    }
    // A malformed member ends the walk; what was read before it stays.
    let _ = sc.object(|sc, key| {
        let v = sc.value()?;
        if let Some((_, setting)) = names.iter().find(|(n, _)| key.bytes().eq_ignore_ascii_case(n.as_bytes())) {
            apply(s, *setting, &v, false);
        }
        Ok(())
    });
}

/// The JSON bytes of an object or array member, given as such or as JSON / Python-repr text (table exports).
fn container_bytes<'j>(v: &'j Json<'_>) -> Option<Cow<'j, [u8]>> {
    match v {
        Json::Object(raw) | Json::Array(raw) => Some(Cow::Borrowed(raw)),
        Json::Str(s) => {
            let parsed = dynamic::parse(s).filter(|v| v.is_object() || v.is_array())?;
            serde_json::to_vec(&parsed).ok().map(Cow::Owned)
        }
        _ => None,
    }
}

/// Sets `slot` unless an earlier member of the record already did (the first value wins, as for every slot).
fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn add_rules(list: &mut Vec<Box<str>>, rules: Vec<Box<str>>) {
    for r in rules {
        if !list.contains(&r) {
            list.push(r);
        }
    }
}

fn bool_text(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Whole days, from a number or its text (`7`, `"90"`, `90.0` from a `_d` column).
fn days_text(s: &str) -> Option<u32> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64).then_some(v as u32)
}

fn json_bool(v: &Json<'_>) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::Str(s) => bool_text(s),
        Json::Num(n) => bool_text(n),
        _ => None,
    }
}

fn json_days(v: &Json<'_>) -> Option<u32> {
    match v {
        Json::Num(n) => days_text(n),
        Json::Str(s) => days_text(s),
        _ => None,
    }
}

/// Text, where `az` output's `"None"` means null.
fn json_text(v: &Json<'_>, stringly: bool) -> Option<Box<str>> {
    match v {
        Json::Str(s) => text(s, stringly),
        _ => None,
    }
}

fn text(s: &str, stringly: bool) -> Option<Box<str>> {
    let s = s.trim();
    (!(s.is_empty() || stringly && s == "None")).then(|| s.into())
}

/// IP rules: `[{"value": "1.2.3.4/32"}]`, `["1.2.3.4"]`, one `{"Value": …}` (the raw shape of `addedIpRule` is
/// inferred from its flattened column `addedIpRule_Value_s`), their JSON text, or the bare rule text
/// (`addedIpRule_Value_s`; a comma-separated list is split, as no rule contains a comma).
fn json_rules(v: &Json<'_>, stringly: bool) -> Vec<Box<str>> {
    if let Some(raw) = container_bytes(v) {
        return rules_in(&raw);
    }
    match v {
        Json::Str(s) if !(stringly && s.trim() == "None") => {
            s.split(',').filter_map(|r| text(r, false)).filter(|r| !r.starts_with(['[', '{'])).collect()
        }
        _ => Vec::new(),
    }
}

/// The rules of a JSON list of rules, or of one rule object.
fn rules_in(raw: &[u8]) -> Vec<Box<str>> {
    fn one(sc: &mut Scanner<'_>, out: &mut Vec<Box<str>>) -> super::scan::Result<()> {
        match sc.peek() {
            Some(b'"') => out.extend(text(&sc.string()?, false)),
            Some(b'{') => sc.object(|sc, key| {
                if key.bytes().eq_ignore_ascii_case(b"value") && sc.peek() == Some(b'"') {
                    out.extend(text(&sc.string()?, false));
                    Ok(())
                } else {
                    sc.skip_value()
                }
            })?,
            _ => sc.skip_value()?,
        }
        Ok(())
    }
    let mut out = Vec::new();
    let mut sc = Scanner::record(raw);
    // A malformed list keeps the rules read before the fault.
    let _ = match sc.peek() {
        Some(b'[') => sc.array(|sc| one(sc, &mut out)),
        _ => one(&mut sc, &mut out),
    };
    out
}

/// A member of a JSON object by name, in any case; JSON `null` counts as absent.
pub fn member<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let map = v.as_object()?;
    map.get(name)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
        .filter(|v| !v.is_null())
}

fn value_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => bool_text(s),
        Value::Number(n) => bool_text(&n.to_string()),
        _ => None,
    }
}

fn value_text(v: &Value) -> Option<Box<str>> {
    v.as_str().and_then(|s| text(s, false))
}

/// A vault's `properties` object as ARM receives it (Activity Log `requestbody.properties`), read like the one
/// Key Vault echoes in `properties.properties`. Members another part of the record already set are kept.
pub fn read_vault_properties(v: &Value, s: &mut VaultSettings) {
    if let Ok(raw) = serde_json::to_vec(v) {
        apply(s, Setting::VaultProperties, &Json::Object(&raw), false);
    }
}

/// Whether a diagnostic setting's body keeps the vault's audit log: a `logs[]` entry enabled for the
/// `AuditEvent` category or the `audit` / `allLogs` category group. `None` when there is no body to tell.
/// An entry without `enabled` counts as enabled: ARM requires the member, so its absence is a trimmed export,
/// and calling the log disabled on that alone would be a false alarm.
pub fn diagnostic_audit(body: &Value) -> Option<bool> {
    if !body.is_object() {
        return None;
    }
    let props = member(body, "properties").unwrap_or(body);
    let Some(Value::Array(logs)) = member(props, "logs") else {
        return Some(false);
    };
    let audits = |entry: &Value| {
        let named = |field: &str, names: &[&str]| {
            member(entry, field)
                .and_then(Value::as_str)
                .is_some_and(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
        };
        let enabled = member(entry, "enabled").map_or(Some(true), value_bool).unwrap_or(false);
        enabled && (named("category", &["AuditEvent"]) || named("categoryGroup", &["audit", "allLogs"]))
    };
    Some(logs.iter().any(audits))
}

/// The Key Vault key a storage account or encryption scope is being switched to (customer-managed keys), from
/// its request body: `properties.encryption{keySource: "Microsoft.Keyvault", keyvaultproperties{keyvaulturi,
/// keyname, keyversion}}` for an account, `properties{source: "Microsoft.KeyVault", keyVaultProperties{keyUri}}`
/// for an encryption scope. The key URI, or the vault URI when no key is named.
pub fn cmk_key(body: &Value) -> Option<Box<str>> {
    let props = member(body, "properties").unwrap_or(body);
    let encryption = member(props, "encryption").unwrap_or(props);
    let source = member(encryption, "keySource").or_else(|| member(props, "source")).and_then(Value::as_str)?;
    if !source.trim().eq_ignore_ascii_case("Microsoft.Keyvault") {
        return None;
    }
    let kv = member(encryption, "keyvaultproperties").or_else(|| member(props, "keyvaultproperties"))?;
    if let Some(uri) = member(kv, "keyUri").and_then(value_text) {
        return Some(uri);
    }
    let vault = member(kv, "keyvaulturi").and_then(value_text)?;
    let mut uri = vault.trim_end_matches('/').to_string();
    if let Some(name) = member(kv, "keyname").and_then(value_text) {
        uri = format!("{uri}/keys/{name}");
        if let Some(version) = member(kv, "keyversion").and_then(value_text) {
            uri = format!("{uri}/{version}");
        }
    }
    Some(uri.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vault_properties_with_capitalised_and_odd_values() {
        let mut s = VaultSettings::default();
        read_vault_properties(
            &json!({"sku": {"Family": "A"}, "EnableRbacAuthorization": "False", "enablePurgeProtection": null,
                    "softDeleteRetentionInDays": 7.0, "networkAcls": {"defaultAction": "Allow",
                    "ipRules": [{"value": "0.0.0.0/0"}, "10.0.0.0/8", 3]}}),
            &mut s,
        );
        assert_eq!(s.rbac_authorization, Some(false));
        assert_eq!(s.purge_protection, None);
        assert_eq!(s.soft_delete_days, Some(7));
        assert_eq!(s.default_action.as_deref(), Some("Allow"));
        assert_eq!(s.ip_rules, vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()] as Vec<Box<str>>);
    }

    #[test]
    fn flattened_members_are_tolerant() {
        let found = vec![
            (Setting::RbacAuthorization, Json::Str("True".into())),
            (Setting::SoftDeleteDays, Json::Str("90".into())),
            (Setting::AddedIpRule, Json::Str("1.2.3.4/32, 5.6.7.8".into())),
            (Setting::Bypass, Json::Str("None".into())),
            (Setting::PurgeProtection, Json::Str("maybe".into())),
            (Setting::VaultProperties, Json::Object(br#"{"enableSoftDelete":true}"#)),
        ];
        let s = from_members(found.clone(), "SecretGet", true).unwrap();
        assert_eq!((s.rbac_authorization, s.soft_delete_days, s.bypass.clone()), (Some(true), Some(90), None));
        assert_eq!(s.added_ip_rules, vec!["1.2.3.4/32".into(), "5.6.7.8".into()] as Vec<Box<str>>);
        assert_eq!((s.purge_protection, s.soft_delete), (None, None), "nested config only on Vault* records");
        assert_eq!(from_members(found, "VaultPatch", false).unwrap().soft_delete, Some(true));
        assert_eq!(from_members(vec![(Setting::Bypass, Json::Num("3"))], "VaultGet", false), None);
    }

    #[test]
    fn diagnostic_settings_bodies() {
        let body = |logs: Value| json!({"properties": {"logs": logs}});
        assert_eq!(diagnostic_audit(&body(json!([{"category": "AuditEvent", "enabled": true}]))), Some(true));
        assert_eq!(diagnostic_audit(&body(json!([{"categoryGroup": "allLogs", "enabled": "true"}]))), Some(true));
        assert_eq!(diagnostic_audit(&body(json!([{"category": "AuditEvent", "enabled": false}]))), Some(false));
        assert_eq!(diagnostic_audit(&body(json!([{"category": "AzurePolicyEvaluationDetails"}]))), Some(false));
        assert_eq!(diagnostic_audit(&json!({"properties": {"metrics": []}})), Some(false));
        assert_eq!(diagnostic_audit(&json!("text")), None);
    }

    #[test]
    fn customer_managed_keys() {
        let kv = json!({"keyvaulturi": "https://kv-x.vault.azure.net/", "keyname": "k1", "keyversion": ""});
        let account =
            json!({"properties": {"encryption": {"keySource": "Microsoft.KEYVAULT", "keyvaultproperties": kv}}});
        assert_eq!(cmk_key(&account).as_deref(), Some("https://kv-x.vault.azure.net/keys/k1"));
        let scope = json!({"properties": {"source": "Microsoft.KeyVault",
            "keyVaultProperties": {"keyUri": "https://kv-y.vault.azure.net/keys/k2"}}});
        assert_eq!(cmk_key(&scope).as_deref(), Some("https://kv-y.vault.azure.net/keys/k2"));
        let platform = json!({"properties": {"encryption": {"keySource": "Microsoft.Storage"}}});
        assert_eq!(cmk_key(&platform), None);
    }
}
