//! Access-policy and role-assignment changes: who was granted or lost what on a vault. They are the evidence of
//! the self-grant and cleanup techniques (DETECTIONS.md KV-03, KV-04), so they are kept as structured values.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Added,
    Removed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccessChange {
    pub kind: ChangeKind,
    /// The object id of the principal the change is about (lower case).
    pub principal: Box<str>,
    /// What was granted or removed, e.g. `secrets: get, list; keys: get` or `role: Key Vault Secrets Officer`.
    pub permissions: Box<str>,
}
