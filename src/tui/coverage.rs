//! The coverage report (`kvtrail coverage --json`) as the workbench marks it: which vaults send no audit logs,
//! and which could not be checked. A vault without audit logging is a blind spot — its data-plane access never
//! reaches any log — so the vault pane marks it with a glyph (never colour alone) and the queries overlay lists
//! the ones with no events at all: present in the subscription, invisible in the data.
//!
//! ARM spells names as they were created (`KV-A`), the logs often otherwise (`kv-a`); vault names are unique
//! DNS labels, so they match case-insensitively.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::source::coverage::Coverage;
use crate::store::{Dim, Store};

/// What the coverage report says about a vault, when it is not "covered".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Checked, and no diagnostic setting sends `AuditEvent` anywhere.
    Unlogged,
    /// Its diagnostic settings could not be read: unknown, not off.
    Unchecked,
}

impl Mark {
    /// The glyph the vault pane shows before the name.
    pub fn glyph(self) -> &'static str {
        match self {
            Mark::Unlogged => "⊘",
            Mark::Unchecked => "?",
        }
    }

    /// The legend line for the help overlay.
    pub fn meaning(self) -> &'static str {
        match self {
            Mark::Unlogged => "vault without audit logging (coverage file): its data-plane access is never logged",
            Mark::Unchecked => "vault whose diagnostic settings could not be checked (coverage file)",
        }
    }
}

/// The marks of one coverage report. Names are kept as the report spells them, keyed by their lower case;
/// they are sanitized where they are drawn (they come from ARM).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageMarks {
    /// Where the report was read from, for the overlay.
    pub file: String,
    /// Vaults in the report.
    pub total: usize,
    lacking: BTreeMap<String, String>,
    unchecked: BTreeMap<String, String>,
}

impl CoverageMarks {
    pub fn new(file: impl Into<String>, report: &Coverage) -> CoverageMarks {
        let keyed = |v: &crate::source::coverage::VaultCoverage| (v.name.to_lowercase(), v.name.clone());
        CoverageMarks {
            file: file.into(),
            total: report.vaults.len(),
            lacking: report.lacking().map(keyed).collect(),
            unchecked: report.unchecked().map(keyed).collect(),
        }
    }

    /// Reads a `kvtrail coverage --json` report; the error names the file (for a usage error, exit 2).
    pub fn read(path: &Path) -> Result<CoverageMarks, String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        let report = Coverage::from_json(&text).map_err(|e| format!("{name}: {e}"))?;
        Ok(CoverageMarks::new(name, &report))
    }

    /// The mark of a vault as the logs name it, if it has one.
    pub fn mark(&self, vault: &str) -> Option<Mark> {
        let key = vault.to_lowercase();
        if self.lacking.contains_key(&key) {
            Some(Mark::Unlogged)
        } else if self.unchecked.contains_key(&key) {
            Some(Mark::Unchecked)
        } else {
            None
        }
    }

    /// Vaults without audit logging, as the report names them, in name order.
    pub fn lacking(&self) -> impl Iterator<Item = &str> {
        self.lacking.values().map(String::as_str)
    }

    /// Vaults that could not be checked.
    pub fn unchecked(&self) -> impl Iterator<Item = &str> {
        self.unchecked.values().map(String::as_str)
    }

    /// Vaults without audit logging that have no event in `store`: the blind spots proper.
    pub fn unseen<'a>(&'a self, store: &Store) -> Vec<&'a str> {
        let seen: HashSet<String> =
            (1..store.cardinality(Dim::Vault) as u32).map(|id| store.label(Dim::Vault, id).to_lowercase()).collect();
        self.lacking.iter().filter(|(key, _)| !seen.contains(*key)).map(|(_, name)| name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{"vaults":[
        {"name":"KV-A","id":"/x/KV-A","audit_logging":false,"checked":true,"reason":"no diagnostic settings"},
        {"name":"kv-b","id":"/x/kv-b","audit_logging":true,"reason":"AuditEvent to a workspace"},
        {"name":"Kv-C","id":"/x/Kv-C","audit_logging":false,"checked":false,"reason":"403"}
    ]}"#;

    #[test]
    fn marks_match_vault_names_case_insensitively() {
        let report = Coverage::from_json(REPORT).expect("a report");
        let marks = CoverageMarks::new("cov.json", &report);
        assert_eq!(marks.total, 3);
        assert_eq!(marks.mark("kv-a"), Some(Mark::Unlogged));
        assert_eq!(marks.mark("KV-A"), Some(Mark::Unlogged));
        assert_eq!(marks.mark("kv-b"), None);
        assert_eq!(marks.mark("kv-c"), Some(Mark::Unchecked), "unknown is not off");
        assert_eq!(marks.lacking().collect::<Vec<_>>(), ["KV-A"]);
        assert_eq!(marks.unchecked().collect::<Vec<_>>(), ["Kv-C"]);
    }

    #[test]
    fn reading_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cov.json");
        std::fs::write(&path, "[1, 2]").expect("write");
        let err = CoverageMarks::read(&path).expect_err("not a report");
        assert!(err.contains("cov.json") && err.contains("not a kvtrail coverage report"), "{err}");
        std::fs::write(&path, REPORT).expect("write");
        assert_eq!(CoverageMarks::read(&path).expect("a report").lacking().count(), 1);
    }
}
