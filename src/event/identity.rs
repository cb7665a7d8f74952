//! Who called. Tokens arrive in two claim dialects (short JWT names and long WS-Fed URIs) and, in Log Analytics,
//! flattened into columns; ingest folds them into [`Claims`]. Here they become a principal — one person or
//! workload — whatever client app it used: the object id when present, else the UPN, else the app id.

use std::borrow::Cow;

/// The identity claims of one record, as the token carried them (borrowed from the input where possible).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Claims<'a> {
    pub oid: Option<Cow<'a, str>>,
    pub upn: Option<Cow<'a, str>>,
    pub unique_name: Option<Cow<'a, str>>,
    pub appid: Option<Cow<'a, str>>,
    pub idtyp: Option<Cow<'a, str>>,
    pub xms_mirid: Option<Cow<'a, str>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityKind {
    User,
    ServicePrincipal,
    ManagedIdentity,
    Anonymous,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::User => "user",
            IdentityKind::ServicePrincipal => "service_principal",
            IdentityKind::ManagedIdentity => "managed_identity",
            IdentityKind::Anonymous => "anonymous",
        }
    }

    /// One letter for narrow columns, so the kind never depends on colour: User, Service principal,
    /// Managed identity, Anonymous.
    pub fn letter(self) -> char {
        match self {
            IdentityKind::User => 'U',
            IdentityKind::ServicePrincipal => 'S',
            IdentityKind::ManagedIdentity => 'M',
            IdentityKind::Anonymous => 'A',
        }
    }
}

/// A principal, merged over every record that named it. All values are lower-cased: GUIDs, UPNs and ARM ids
/// are case-insensitive, and exports disagree on case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub oid: Option<Box<str>>,
    pub upn: Option<Box<str>>,
    pub unique_name: Option<Box<str>>,
    /// The app id of an app-only principal (service principal, managed identity). For users the app id names
    /// the client application instead, which is a property of the event, not of the person.
    pub appid: Option<Box<str>>,
    pub idtyp: Option<Box<str>>,
    pub xms_mirid: Option<Box<str>>,
}

fn lower(v: &Option<Cow<'_, str>>) -> Option<Box<str>> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.to_ascii_lowercase().into())
}

impl Claims<'_> {
    /// The principal key: records with the same key are the same principal. Empty for anonymous callers.
    pub fn principal_key(&self) -> String {
        let pick = [&self.oid, &self.upn, &self.unique_name, &self.xms_mirid, &self.appid];
        pick.iter().find_map(|v| lower(v)).map(String::from).unwrap_or_default()
    }

    pub fn to_identity(&self) -> Identity {
        let mut id = Identity {
            oid: lower(&self.oid),
            upn: lower(&self.upn),
            unique_name: lower(&self.unique_name),
            appid: None,
            idtyp: lower(&self.idtyp),
            xms_mirid: lower(&self.xms_mirid),
        };
        if id.kind() != IdentityKind::User {
            id.appid = lower(&self.appid);
        }
        id
    }
}

impl Identity {
    pub fn kind(&self) -> IdentityKind {
        if self.xms_mirid.is_some() {
            IdentityKind::ManagedIdentity
        } else if self.idtyp.as_deref() == Some("app") {
            IdentityKind::ServicePrincipal
        } else if self.upn.is_some() || self.unique_name.is_some() || self.idtyp.as_deref() == Some("user") {
            IdentityKind::User
        } else if self.oid.is_some() || self.appid.is_some() {
            IdentityKind::ServicePrincipal
        } else {
            IdentityKind::Anonymous
        }
    }

    /// What people read: the UPN when known; else the name of a well-known first-party app ("Azure Resource
    /// Graph"); else a managed identity's resource name; else the object id, else the app id.
    pub fn label(&self) -> &str {
        if let Some(name) = self.upn.as_deref().or(self.unique_name.as_deref()) {
            return name;
        }
        if let Some(app) = self.appid.as_deref().and_then(super::apps::well_known_name) {
            return app;
        }
        if let Some(mi) = self.xms_mirid.as_deref().and_then(|m| m.rsplit('/').find(|s| !s.is_empty())) {
            return mi;
        }
        [&self.oid, &self.appid].into_iter().find_map(|v| v.as_deref()).unwrap_or("anonymous")
    }

    /// Fills what this sighting lacks from another sighting of the same principal.
    pub fn absorb(&mut self, other: &Identity) {
        for (mine, theirs) in [
            (&mut self.oid, &other.oid),
            (&mut self.upn, &other.upn),
            (&mut self.unique_name, &other.unique_name),
            (&mut self.appid, &other.appid),
            (&mut self.idtyp, &other.idtyp),
            (&mut self.xms_mirid, &other.xms_mirid),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(pairs: &[(&str, &'static str)]) -> Claims<'static> {
        let mut c = Claims::default();
        for (k, v) in pairs {
            let v = Some(Cow::Borrowed(*v));
            match *k {
                "oid" => c.oid = v,
                "upn" => c.upn = v,
                "unique_name" => c.unique_name = v,
                "appid" => c.appid = v,
                "idtyp" => c.idtyp = v,
                "xms_mirid" => c.xms_mirid = v,
                _ => unreachable!(),
            }
        }
        c
    }

    #[test]
    fn kinds() {
        let user = c(&[
            ("oid", "D9DA5048-0000"),
            ("upn", "Alice@Contoso.com"),
            ("appid", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
        ])
        .to_identity();
        assert_eq!(user.kind(), IdentityKind::User);
        assert_eq!(user.label(), "alice@contoso.com");
        assert_eq!(user.appid, None, "a user's appid is the client app, not the user");
        let sp = c(&[("oid", "o1"), ("appid", "a1"), ("idtyp", "app")]).to_identity();
        assert_eq!((sp.kind(), sp.label(), sp.appid.as_deref()), (IdentityKind::ServicePrincipal, "o1", Some("a1")));
        let mi = c(&[
            ("oid", "o2"),
            ("idtyp", "app"),
            (
                "xms_mirid",
                "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/reader",
            ),
        ])
        .to_identity();
        assert_eq!((mi.kind(), mi.label()), (IdentityKind::ManagedIdentity, "reader"));
        let arg =
            c(&[("oid", "o3"), ("appid", "509E4652-DA8D-478D-A730-E9D4A1996CA4"), ("idtyp", "app")]).to_identity();
        assert_eq!(arg.label(), "Azure Resource Graph");
        assert_eq!(Claims::default().to_identity().kind(), IdentityKind::Anonymous);
        assert_eq!(Claims::default().to_identity().label(), "anonymous");
        assert_eq!(c(&[("appid", "A1")]).principal_key(), "a1");
        assert_eq!(c(&[("oid", "O1"), ("upn", "x@y")]).principal_key(), "o1");
    }
}
