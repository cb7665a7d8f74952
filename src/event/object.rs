//! Vault objects (secrets, keys, certificates) named by their URI. The unversioned URI is the object's identity
//! — every version read collapses into one item to rotate (DETECTIONS.md §9) — and the version is kept apart.

use super::vault::Vault;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Secret,
    Key,
    Certificate,
    /// Certificate issuers and contacts, managed storage accounts, anything else addressable in a vault.
    Other,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Secret => "secret",
            ObjectKind::Key => "key",
            ObjectKind::Certificate => "certificate",
            ObjectKind::Other => "other",
        }
    }

    /// The URI collection (`secrets`, `keys`, `certificates`) the object lives in.
    pub fn collection(self) -> &'static str {
        match self {
            ObjectKind::Secret => "secrets",
            ObjectKind::Key => "keys",
            ObjectKind::Certificate => "certificates",
            ObjectKind::Other => "other",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub vault: Box<str>,
    pub name: Box<str>,
    pub version: Option<Box<str>>,
}

fn is_version(seg: &str) -> bool {
    seg.len() == 32 && seg.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ObjectRef {
    /// From `properties.id` or a request URI: `https://<vault>.vault.azure.net/<collection>/<name>[/<version>][/<action>]`.
    /// Deleted-object collections (`deletedsecrets`, …) name the same object. `None` for vault-level URIs
    /// (`/secrets/?api-version=…` lists) and anything that is not a vault URI.
    pub fn parse(uri: &str) -> Option<ObjectRef> {
        let vault = Vault::from_uri(uri)?;
        let rest = uri.trim().split_once("://").map_or(uri, |(_, r)| r);
        let path = rest.split_once('/').map_or("", |(_, p)| p);
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mut segs = path.split('/').filter(|s| !s.is_empty());
        let collection = segs.next()?.to_ascii_lowercase();
        let name = segs.next()?;
        let (kind, name) = match collection.as_str() {
            "secrets" | "deletedsecrets" => (ObjectKind::Secret, name.to_string()),
            "keys" | "deletedkeys" => (ObjectKind::Key, name.to_string()),
            "certificates" if name.eq_ignore_ascii_case("issuers") => {
                (ObjectKind::Other, format!("issuers/{}", segs.next().unwrap_or("")))
            }
            "certificates" if name.eq_ignore_ascii_case("contacts") => (ObjectKind::Other, "contacts".to_string()),
            "certificates" | "deletedcertificates" => (ObjectKind::Certificate, name.to_string()),
            "storage" | "deletedstorage" => (ObjectKind::Other, format!("storage/{name}")),
            _ => return None,
        };
        let version = segs.next().filter(|s| is_version(s)).map(|s| s.to_ascii_lowercase().into());
        Some(ObjectRef { kind, vault: vault.name, name: name.into(), version })
    }

    /// `vault/collection/name`: the identity of the object across versions, case-folded like Key Vault does.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.vault, self.kind.collection(), self.name.to_ascii_lowercase())
    }

    /// `secrets/name`: the object within its vault, as Key Vault URIs write it.
    pub fn path(&self) -> String {
        format!("{}/{}", self.kind.collection(), self.name)
    }

    /// The unversioned object URI (`https://<vault>.vault.azure.net/secrets/<name>`), the "obj" of DETECTIONS.md.
    pub fn uri(&self) -> String {
        format!("https://{}.vault.azure.net/{}/{}", self.vault, self.kind.collection(), self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_actions_and_lists() {
        let o = ObjectRef::parse(
            "https://example-vault.vault.azure.net/secrets/example-secret/0123456789abcdef0123456789ABCDEF",
        )
        .unwrap();
        assert_eq!((o.kind, &*o.vault, &*o.name), (ObjectKind::Secret, "example-vault", "example-secret"));
        assert_eq!(o.version.as_deref(), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(o.key(), "example-vault/secrets/example-secret");
        let k = ObjectRef::parse(
            "https://v.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef/unwrapkey?api-version=7.4",
        )
        .unwrap();
        assert_eq!((k.kind, &*k.name), (ObjectKind::Key, "cmk"));
        let s = ObjectRef::parse("https://v.vault.azure.net/secrets/db-pass/?api-version=7.0").unwrap();
        assert_eq!((&*s.name, s.version.is_none()), ("db-pass", true));
        assert_eq!(ObjectRef::parse("https://v.vault.azure.net/secrets/?api-version=7.4"), None);
        assert_eq!(ObjectRef::parse("https://v.vault.azure.net/"), None);
        let d = ObjectRef::parse("https://v.vault.azure.net/deletedkeys/k1/recover").unwrap();
        assert_eq!((d.kind, &*d.name, d.version.is_none()), (ObjectKind::Key, "k1", true));
        let i = ObjectRef::parse("https://v.vault.azure.net/certificates/issuers/digicert").unwrap();
        assert_eq!((i.kind, &*i.name), (ObjectKind::Other, "issuers/digicert"));
        let c = ObjectRef::parse("https://v.vault.azure.net/certificates/web-tls/policy").unwrap();
        assert_eq!((c.kind, &*c.name, c.version.is_none()), (ObjectKind::Certificate, "web-tls", true));
    }
}
