//! Operation names with their derived object type and plane. Canonical spellings come from
//! `assets/operations.txt` (data, embedded), because the same operation arrives as `SecretGet`, `secretget` or
//! `MICROSOFT.KEYVAULT/VAULTS/WRITE` depending on the export.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    Secret,
    Key,
    Certificate,
    Vault,
    Authentication,
    Other,
}

impl ObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Secret => "secret",
            ObjectType::Key => "key",
            ObjectType::Certificate => "certificate",
            ObjectType::Vault => "vault",
            ObjectType::Authentication => "authentication",
            ObjectType::Other => "other",
        }
    }
}

/// Data plane: `<vault>.vault.azure.net`; management plane: ARM (vault configuration, Activity Log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plane {
    Data,
    Management,
}

impl Plane {
    pub fn as_str(self) -> &'static str {
        match self {
            Plane::Data => "data",
            Plane::Management => "management",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub name: Box<str>,
    pub object_type: ObjectType,
    pub plane: Plane,
}

static CANONICAL: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    include_str!("../../assets/operations.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| (l.to_ascii_lowercase(), l))
        .collect()
});

impl Operation {
    /// Is this (in any case) an operation name of the vocabulary in `assets/operations.txt`?
    pub fn is_known(name: &str) -> bool {
        CANONICAL.contains_key(&name.trim().to_ascii_lowercase())
    }

    /// The case-folded key under which spellings of one operation meet.
    pub fn key(raw: &str) -> String {
        raw.trim().to_ascii_lowercase()
    }

    pub fn classify(raw: &str) -> Operation {
        let raw = raw.trim();
        let lower = raw.to_ascii_lowercase();
        let name: Box<str> = CANONICAL.get(&lower).map_or_else(|| raw.into(), |c| (*c).into());
        let (object_type, plane) = if lower.contains('/') {
            // ARM operations (Activity Log): everything kvtrail keeps is about a vault or something in it.
            let t = if lower.contains("/secrets/") {
                ObjectType::Secret
            } else if lower.contains("/keys/") {
                ObjectType::Key
            } else if lower.contains("/certificates/") {
                ObjectType::Certificate
            } else {
                ObjectType::Vault
            };
            (t, Plane::Management)
        } else if lower.starts_with("secret") {
            (ObjectType::Secret, Plane::Data)
        } else if lower.starts_with("key") {
            (ObjectType::Key, Plane::Data)
        } else if lower.starts_with("certificate") {
            (ObjectType::Certificate, Plane::Data)
        } else if lower.starts_with("vault") || lower == "accesspolicymerge" {
            (ObjectType::Vault, Plane::Management)
        } else if lower == "authentication" {
            (ObjectType::Authentication, Plane::Data)
        } else {
            (ObjectType::Other, Plane::Data)
        };
        Operation { name, object_type, plane }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_spelling_and_classes() {
        let o = Operation::classify("secretget");
        assert_eq!((&*o.name, o.object_type, o.plane), ("SecretGet", ObjectType::Secret, Plane::Data));
        let a = Operation::classify("MICROSOFT.KEYVAULT/VAULTS/WRITE");
        assert_eq!(
            (&*a.name, a.object_type, a.plane),
            ("Microsoft.KeyVault/vaults/write", ObjectType::Vault, Plane::Management)
        );
        let d = Operation::classify("MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE");
        assert_eq!(&*d.name, "Microsoft.Insights/diagnosticSettings/delete");
        assert_eq!(Operation::classify("VaultPatch").plane, Plane::Management);
        assert_eq!(Operation::classify("Authentication").object_type, ObjectType::Authentication);
        assert_eq!(Operation::classify("KeyUnwrap").object_type, ObjectType::Key);
        assert_eq!(Operation::classify("CertificatePendingGet").object_type, ObjectType::Certificate);
        let u = Operation::classify("SomethingNew");
        assert_eq!((&*u.name, u.object_type), ("SomethingNew", ObjectType::Other));
    }
}
