//! The suppression allow-list (TOML): known-good callers whose findings the analyst has already explained.
//!
//! ```toml
//! [[allow]]
//! identity = "svc-backup@contoso.com"      # UPN, object id or app id; case-insensitive
//! rule = ["KV-20", "KV-24"]                # one id or a list
//! reason = "nightly backup job (CHG-1042)"
//!
//! [[allow]]
//! ip = ["203.0.113.0/24", "2001:db8::/48"] # an address or a prefix
//! app_id = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
//! ```
//!
//! An entry silences a finding when every field it names matches (a field with a list matches when any value
//! does); an entry with only `rule` silences that rule everywhere. An entry must name at least one field, and a
//! misspelt key is an error with its line — a suppression that silently suppresses nothing (or everything) is
//! worse than none.

use std::net::IpAddr;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::error::IntelError;
use super::prefix::Prefix;

/// One `[[allow]]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowEntry {
    /// Lower-cased.
    pub identity: Vec<Box<str>>,
    /// Lower-cased.
    pub app_id: Vec<Box<str>>,
    pub ip: Vec<Prefix>,
    /// Upper-cased rule ids.
    pub rule: Vec<Box<str>>,
    pub reason: Option<Box<str>>,
    pub file: Box<str>,
    /// The line of the `[[allow]]` header.
    pub line: usize,
}

impl AllowEntry {
    /// True when every field this entry names matches the finding.
    pub fn matches(&self, rule: &str, identities: &[&str], app_ids: &[&str], ips: &[IpAddr]) -> bool {
        let eq = |want: &str, have: &&str| have.trim().eq_ignore_ascii_case(want);
        let rule_ok = self.rule.is_empty() || self.rule.iter().any(|r| r.eq_ignore_ascii_case(rule.trim()));
        // `identity` may be written as an app id: it is compared with both.
        let identity_ok = self.identity.is_empty()
            || self.identity.iter().any(|w| identities.iter().chain(app_ids).any(|h| eq(w, h)));
        let app_ok = self.app_id.is_empty() || self.app_id.iter().any(|w| app_ids.iter().any(|h| eq(w, h)));
        let ip_ok = self.ip.is_empty() || self.ip.iter().any(|p| ips.iter().any(|&ip| p.contains(ip)));
        rule_ok && identity_ok && app_ok && ip_ok
    }
}

/// The entries of one or more allow-list files, in file order.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    entries: Vec<AllowEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    allow: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    identity: Option<Spanned<OneOrMany>>,
    app_id: Option<Spanned<OneOrMany>>,
    ip: Option<Spanned<OneOrMany>>,
    rule: Option<Spanned<OneOrMany>>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

impl AllowList {
    /// Parses one file; any problem is an error naming the file and line.
    pub fn parse(text: &str, file_name: &str) -> Result<AllowList, IntelError> {
        let at = |span: Range<usize>, reason: String| IntelError::line(file_name, line_of(text, span.start), reason);
        let doc: Document = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            IntelError::line(file_name, line, e.message().trim_end())
        })?;
        let mut entries = Vec::with_capacity(doc.allow.len());
        for raw in doc.allow {
            let span = raw.span();
            let raw = raw.into_inner();
            if raw.identity.is_none() && raw.app_id.is_none() && raw.ip.is_none() && raw.rule.is_none() {
                return Err(at(span, "an [[allow]] entry must name at least one of identity, app_id, ip, rule".into()));
            }
            let identity = strings(raw.identity, "identity", &at, |s| Ok(s.to_ascii_lowercase().into()))?;
            let app_id = strings(raw.app_id, "app_id", &at, |s| Ok(s.to_ascii_lowercase().into()))?;
            let ip = strings(raw.ip, "ip", &at, |s| Prefix::parse(s).map_err(|e| e.to_string()))?;
            let rule = strings(raw.rule, "rule", &at, rule_id)?;
            let reason = raw.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(Box::from);
            entries.push(AllowEntry {
                identity,
                app_id,
                ip,
                rule,
                reason,
                file: file_name.into(),
                line: line_of(text, span.start),
            });
        }
        Ok(AllowList { entries })
    }

    /// The first entry that silences `rule` for a finding about these identities (UPN, object id…), app ids and
    /// caller addresses.
    pub fn silences(&self, rule: &str, identities: &[&str], app_ids: &[&str], ips: &[IpAddr]) -> Option<&AllowEntry> {
        self.entries.iter().find(|e| e.matches(rule, identities, app_ids, ips))
    }

    pub fn entries(&self) -> &[AllowEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends the entries of another file.
    pub fn merge(&mut self, other: AllowList) {
        self.entries.extend(other.entries);
    }
}

/// The values of one field, each checked by `convert`; an empty string or list is an error.
fn strings<T>(
    field: Option<Spanned<OneOrMany>>,
    name: &str,
    at: &impl Fn(Range<usize>, String) -> IntelError,
    convert: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, IntelError> {
    let Some(field) = field else { return Ok(Vec::new()) };
    let span = field.span();
    let values = field.into_inner().into_vec();
    if values.is_empty() {
        return Err(at(span, format!("`{name}` is an empty list")));
    }
    values
        .iter()
        .map(|v| {
            let v = v.trim();
            if v.is_empty() {
                return Err(at(span.clone(), format!("`{name}` has an empty value")));
            }
            convert(v).map_err(|reason| at(span.clone(), format!("`{name}`: {reason}")))
        })
        .collect()
}

/// `KV-17`, `kv-17` → `KV-17`.
fn rule_id(text: &str) -> Result<Box<str>, String> {
    let valid = text.split_once('-').is_some_and(|(prefix, number)| {
        !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_alphabetic())
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
    });
    if valid { Ok(text.to_ascii_uppercase().into()) } else { Err(format!("`{text}` is not a rule id like KV-17")) }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    1 + text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"# Known-good callers
[[allow]]
identity = "svc-backup@contoso.com"
rule = ["KV-20", "kv-24"]
reason = "nightly backup job (CHG-1042)"

[[allow]]
rule = "KV-19"
reason = "our scanners use curl"

[[allow]]
ip = ["203.0.113.0/24", "2001:db8::/48"]
app_id = "04B07795-8ddb-461a-bbee-02f9e1bf7b46"
"#;

    fn a(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    #[test]
    fn silencing() {
        let list = AllowList::parse(LIST, "allow.toml").unwrap();
        assert_eq!(list.len(), 3);
        let hit = list.silences("KV-24", &["o1", "SVC-Backup@contoso.com"], &[], &[]).unwrap();
        assert_eq!((hit.line, hit.reason.as_deref()), (2, Some("nightly backup job (CHG-1042)")));
        assert!(list.silences("KV-01", &["svc-backup@contoso.com"], &[], &[]).is_none());
        assert_eq!(list.silences("kv-19", &[], &[], &[]).map(|e| e.line), Some(7), "rule-only entry");
        let cli = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
        assert_eq!(list.silences("KV-11", &["x"], &[cli], &[a("203.0.113.9")]).map(|e| e.line), Some(11));
        assert_eq!(list.silences("KV-11", &["x"], &[cli], &[a("2001:db8::1")]).map(|e| e.line), Some(11));
        assert!(list.silences("KV-11", &["x"], &[cli], &[a("198.51.100.1")]).is_none(), "ip must match too");
        assert!(list.silences("KV-11", &["x"], &[], &[a("203.0.113.9")]).is_none(), "app_id must match too");
        // `identity` written as an app id matches the finding's app ids.
        let by_app = AllowList::parse(&format!("[[allow]]\nidentity = \"{cli}\"\n"), "a.toml").unwrap();
        assert!(by_app.silences("KV-18", &[], &[cli], &[]).is_some());
        assert!(AllowList::parse("", "empty.toml").unwrap().is_empty());
    }

    #[test]
    fn errors_have_lines() {
        let cases = [
            ("[[allow]]\nrule = \"KV-1\"\nidentiy = \"x\"\n", "allow.toml:3: unknown field `identiy`"),
            ("[[allow]]\nreason = \"why\"\n", "allow.toml:1: an [[allow]] entry must name at least one of"),
            ("[[allow]]\nrule = \"KV-1\"\n\n[[allow]]\nip = \"1.2.3.4/40\"\n", "allow.toml:5: `ip`: `1.2.3.4/40`"),
            ("[[allow]]\nrule = [\"KV-1\", \"KV17\"]\n", "allow.toml:2: `rule`: `KV17` is not a rule id like KV-17"),
            ("[[allow]]\nrule = []\n", "allow.toml:2: `rule` is an empty list"),
            ("[[allow]]\nidentity = \" \"\n", "allow.toml:2: `identity` has an empty value"),
            ("[[allow]]\nidentity = 3\n", "allow.toml:2: "),
            ("[[alow]]\nrule = \"KV-1\"\n", "allow.toml:1: unknown field `alow`"),
            ("[[allow]\n", "allow.toml:1: "),
            ("allow = 5\n", "allow.toml:1: "),
        ];
        for (text, want) in cases {
            let got = AllowList::parse(text, "allow.toml").err().map(|e| e.to_string()).unwrap_or_default();
            assert!(got.starts_with(want), "{text:?}: {got}");
        }
    }
}
