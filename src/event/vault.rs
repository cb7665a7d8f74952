//! Vaults, case-normalized. Azure writes the same vault as `/SUBSCRIPTIONS/…/VAULTS/CONTOSOKEYVAULT` in raw
//! logs, lower case in `_ResourceId`, and only as a host name (`contosokeyvault.vault.azure.net`) in URIs.
//! Vault names are globally unique DNS labels, so the lower-cased name is the vault's identity; the subscription,
//! resource group and resource id are filled in from whichever record carries them.

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Vault {
    pub name: Box<str>,
    pub subscription: Option<Box<str>>,
    pub resource_group: Option<Box<str>>,
    pub resource_id: Option<Box<str>>,
}

/// Finds `/segment/value` in `lower` (the lower-cased `text`) and returns `value` from `text`.
fn segment_after<'a>(text: &'a str, lower: &str, segment: &str) -> Option<&'a str> {
    let needle = format!("/{segment}/");
    let at = lower.find(&needle)? + needle.len();
    let rest = text.get(at..)?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let value = &rest[..end];
    (!value.is_empty()).then_some(value)
}

impl Vault {
    pub fn named(name: &str) -> Vault {
        Vault { name: name.to_ascii_lowercase().into(), ..Vault::default() }
    }

    /// From an ARM resource id — or any text containing one, such as a management-plane request URI or the id of
    /// a diagnostic setting or role assignment *under* a vault. Handles vaults, managed HSMs and deleted vaults.
    pub fn from_resource_id(text: &str) -> Option<Vault> {
        // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `text` too.
        let lower = text.to_ascii_lowercase();
        let provider = lower.find("/providers/microsoft.keyvault/")?;
        let tail = &lower[provider + "/providers/microsoft.keyvault/".len()..];
        let (kind, start) = ["vaults/", "managedhsms/"]
            .iter()
            .find_map(|k| tail.starts_with(k).then(|| (k.trim_end_matches('/'), provider + 30 + k.len())))
            .or_else(|| {
                // Deleted vaults live under `/locations/<region>/deletedVaults/<name>`.
                let rest = tail.strip_prefix("locations/")?;
                let region_end = rest.find('/')?;
                let after = &rest[region_end + 1..];
                ["deletedvaults/", "deletedmanagedhsms/"].iter().find_map(|k| {
                    after
                        .starts_with(k)
                        .then(|| (k.trim_end_matches('/'), provider + 30 + 10 + region_end + 1 + k.len()))
                })
            })?;
        let rest = text.get(start..)?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let name = rest[..end].to_ascii_lowercase();
        let subscription = segment_after(text, &lower, "subscriptions").map(|s| s.to_ascii_lowercase().into());
        let resource_group = segment_after(text, &lower, "resourcegroups").map(|s| s.to_ascii_lowercase().into());
        let resource_id = match (&subscription, &resource_group, kind) {
            (Some(s), Some(rg), "vaults" | "managedhsms") => Some(
                format!("/subscriptions/{s}/resourcegroups/{rg}/providers/microsoft.keyvault/{kind}/{name}").into(),
            ),
            _ => None,
        };
        Some(Vault { name: name.into(), subscription, resource_group, resource_id })
    }

    /// From a data-plane URI: `https://<name>.vault.azure.net/…` (also the sovereign clouds and managed HSM).
    pub fn from_uri(uri: &str) -> Option<Vault> {
        let rest = uri.trim().split_once("://").map_or(uri, |(_, r)| r);
        let host = rest.split(['/', '?', ':']).next()?;
        let (name, domain) = host.split_once('.')?;
        let domain = domain.to_ascii_lowercase();
        let known = [
            "vault.azure.net",
            "vault.azure.cn",
            "vault.usgovcloudapi.net",
            "vault.microsoftazure.de",
            "managedhsm.azure.net",
            "managedhsm.azure.cn",
            "managedhsm.usgovcloudapi.net",
        ];
        (known.contains(&domain.as_str()) && !name.is_empty()).then(|| Vault::named(name))
    }

    /// Fills what this record lacks from another sighting of the same vault.
    pub fn absorb(&mut self, other: &Vault) {
        if self.subscription.is_none() {
            self.subscription.clone_from(&other.subscription);
        }
        if self.resource_group.is_none() {
            self.resource_group.clone_from(&other.resource_group);
        }
        if self.resource_id.is_none() {
            self.resource_id.clone_from(&other.resource_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_resource_id() {
        let v = Vault::from_resource_id("/SUBSCRIPTIONS/361DA5D4-A47A-4C79-AFDD-XXXXXXXXXXXX/RESOURCEGROUPS/CONTOSOGROUP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/CONTOSOKEYVAULT").unwrap();
        assert_eq!(&*v.name, "contosokeyvault");
        assert_eq!(v.subscription.as_deref(), Some("361da5d4-a47a-4c79-afdd-xxxxxxxxxxxx"));
        assert_eq!(v.resource_group.as_deref(), Some("contosogroup"));
        assert_eq!(
            v.resource_id.as_deref(),
            Some(
                "/subscriptions/361da5d4-a47a-4c79-afdd-xxxxxxxxxxxx/resourcegroups/contosogroup/providers/microsoft.keyvault/vaults/contosokeyvault"
            )
        );
    }

    #[test]
    fn sub_resources_and_uris() {
        let d = Vault::from_resource_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/SecuraAllKeyVault/providers/Microsoft.Insights/diagnosticSettings/All KeyVault").unwrap();
        assert_eq!(&*d.name, "securaallkeyvault");
        let p = Vault::from_resource_id(
            "/subscriptions/s/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-old/purge",
        )
        .unwrap();
        assert_eq!(&*p.name, "kv-old");
        assert_eq!(p.resource_id, None);
        let m = Vault::from_resource_id("https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1?api-version=2023-07-01").unwrap();
        assert_eq!(&*m.name, "kv1");
        assert_eq!(
            &*Vault::from_uri("https://Example-Vault.vault.azure.net/secrets/x/?api-version=7.4").unwrap().name,
            "example-vault"
        );
        assert_eq!(&*Vault::from_uri("https://hsm1.managedhsm.azure.net/keys/k").unwrap().name, "hsm1");
        assert_eq!(Vault::from_uri("https://management.azure.com/subscriptions"), None);
        assert_eq!(
            Vault::from_resource_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x"),
            None
        );
    }
}
