//! The sensitive-object watchlist: secrets, keys and certificates whose every read matters (break-glass
//! passwords, SSO signing certificates). One pattern per line:
//!
//! ```text
//! secrets/breakglass-*          # a kind and a name glob
//! certificates/sso-tls
//! */BreakGlass*                 # any kind
//! breakglass-*                  # a bare name glob: any kind, any vault
//! kv-devops-prod/secrets/x      # in one vault only (the vault name is a glob too)
//! ```
//!
//! Globs have `*` and `?` and ignore ASCII case (Key Vault names are ASCII and case-insensitive).

use crate::event::ObjectKind;

use super::error::{IntelError, Issues, Parsed};
use super::text;

/// One pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The line as written, for the finding.
    pub pattern: Box<str>,
    vault: Option<Glob>,
    /// `None`: any kind.
    pub kind: Option<ObjectKind>,
    name: Glob,
    pub line: usize,
}

impl Entry {
    /// True when the object matches.
    pub fn matches(&self, vault: &str, kind: ObjectKind, name: &str) -> bool {
        self.kind.is_none_or(|k| k == kind)
            && self.name.matches(name)
            && self.vault.as_ref().is_none_or(|v| v.matches(vault_name(vault)))
    }
}

/// The patterns of one or more watchlist files, in file order.
#[derive(Clone, Debug, Default)]
pub struct Watchlist {
    entries: Vec<Entry>,
}

impl Watchlist {
    pub fn parse(text: &str, file: &str) -> Parsed<Watchlist> {
        let mut issues = Issues::default();
        let mut entries = Vec::new();
        for (n, line) in text::value_lines(text) {
            match entry(line, n) {
                Ok(e) => entries.push(e),
                Err(reason) => issues.push(IntelError::line(file, n, reason)),
            }
        }
        let count = entries.len();
        Parsed::new(Watchlist { entries }, count, issues)
    }

    /// The first pattern the object matches. `vault` is the vault name (`kv-prod`) or host
    /// (`kv-prod.vault.azure.net`).
    pub fn matches(&self, vault: &str, kind: ObjectKind, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.matches(vault, kind, name))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends the patterns of another file.
    pub fn merge(&mut self, other: Watchlist) {
        self.entries.extend(other.entries);
    }
}

/// `kv-prod.vault.azure.net` → `kv-prod`.
fn vault_name(vault: &str) -> &str {
    vault.split('.').next().unwrap_or(vault)
}

fn entry(line: &str, n: usize) -> Result<Entry, String> {
    // A pasted object URI: `https://kv-prod.vault.azure.net/secrets/x` is `kv-prod/secrets/x`.
    let path = line.strip_prefix("https://").unwrap_or(line);
    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
    let (vault, kind, name) = match parts[..] {
        [name] => (None, None, name),
        [kind, name] => (None, Some(kind), name),
        [vault, kind, name] => (Some(vault_name(vault)), Some(kind), name),
        _ => return Err(format!("`{line}`: expected [vault/]kind/name or a name glob")),
    };
    let kind = match kind {
        None | Some("*") => None,
        Some(k) => Some(
            kind_of(k)
                .ok_or_else(|| format!("`{k}` is not an object kind (expected secrets, keys, certificates or *)"))?,
        ),
    };
    if name.is_empty() || vault.is_some_and(str::is_empty) {
        return Err(format!("`{line}`: empty name"));
    }
    Ok(Entry { pattern: line.into(), vault: vault.map(Glob::new), kind, name: Glob::new(name), line: n })
}

fn kind_of(word: &str) -> Option<ObjectKind> {
    match word.to_ascii_lowercase().as_str() {
        "secrets" | "secret" => Some(ObjectKind::Secret),
        "keys" | "key" => Some(ObjectKind::Key),
        "certificates" | "certificate" | "certs" | "cert" => Some(ObjectKind::Certificate),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Star,
    One,
    /// ASCII-lowercased.
    Char(char),
}

/// A glob with `*` (any run, also empty) and `?` (one character).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob(Vec<Token>);

impl Glob {
    pub(crate) fn new(pattern: &str) -> Glob {
        let mut tokens = Vec::with_capacity(pattern.len());
        for c in pattern.chars() {
            let t = match c {
                '*' => Token::Star,
                '?' => Token::One,
                c => Token::Char(c.to_ascii_lowercase()),
            };
            // `**` is `*`; collapsing keeps the matcher's backtracking short.
            if !(t == Token::Star && tokens.last() == Some(&Token::Star)) {
                tokens.push(t);
            }
        }
        Glob(tokens)
    }

    /// Linear-time in practice: on a mismatch after a `*`, the `*` takes one more character and matching
    /// resumes, without recursion.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let pat = &self.0;
        let (mut p, mut t) = (0usize, 0usize);
        let mut retry: Option<(usize, usize)> = None;
        loop {
            let c = text[t..].chars().next();
            match (pat.get(p), c) {
                (Some(Token::Star), _) => {
                    retry = Some((p, t));
                    p += 1;
                    continue;
                }
                (Some(Token::One), Some(c)) => {
                    p += 1;
                    t += c.len_utf8();
                    continue;
                }
                (Some(&Token::Char(want)), Some(c)) if c.to_ascii_lowercase() == want => {
                    p += 1;
                    t += c.len_utf8();
                    continue;
                }
                (None, None) => return true,
                _ => {}
            }
            // Mismatch: let the last `*` swallow one more character, if there is one.
            match retry {
                Some((sp, st)) if st < text.len() => {
                    let skipped = text[st..].chars().next().map_or(1, char::len_utf8);
                    retry = Some((sp, st + skipped));
                    p = sp + 1;
                    t = st + skipped;
                }
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let cases = [
            ("breakglass-*", "breakglass-admin-password", true),
            ("breakglass-*", "BreakGlass-", true),
            ("breakglass-*", "breakglass", false),
            ("*glass*", "BREAKGLASSX", true),
            ("sso-tl?", "sso-tls", true),
            ("sso-tl?", "sso-tl", false),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("a*b*c", "aXXbYYbZZc", true),
            ("a*b*c", "aXXbYYbZZ", false),
            ("*a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbba", true),
            ("*é?", "caféx", true),
            ("?", "é", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(Glob::new(pattern).matches(text), want, "{pattern} ~ {text}");
        }
        // Pathological patterns stay fast.
        let long = "a".repeat(10_000);
        assert!(!Glob::new("*a*a*a*a*a*a*a*a*b").matches(&long));
    }

    #[test]
    fn patterns() {
        let text = "# sensitive objects\nsecrets/breakglass-*\ncertificates/sso-tls  # SSO signing\n*/BreakGlass*\n\
                    payroll-?\nkv-devops-prod/secrets/deploy-key\nhttps://kv-hr.vault.azure.net/keys/cmk\n\
                    blobs/x\na/b/c/d\nsecrets/\n";
        let parsed = Watchlist::parse(text, "watchlist.txt");
        assert_eq!(parsed.entries, 6);
        let problems: Vec<String> = parsed.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "watchlist.txt:8: `blobs` is not an object kind (expected secrets, keys, certificates or *)",
                "watchlist.txt:9: `a/b/c/d`: expected [vault/]kind/name or a name glob",
                "watchlist.txt:10: `secrets/`: empty name",
            ]
        );
        let w = parsed.value;
        let hit = |vault, kind, name| w.matches(vault, kind, name).map(|e| e.line);
        assert_eq!(hit("kv-a", ObjectKind::Secret, "breakglass-admin-password"), Some(2));
        assert_eq!(hit("kv-a", ObjectKind::Key, "breakglass-admin-password"), Some(4), "any-kind entry");
        assert_eq!(hit("kv-a", ObjectKind::Certificate, "SSO-TLS"), Some(3));
        assert_eq!(hit("kv-a", ObjectKind::Secret, "sso-tls"), None);
        assert_eq!(hit("kv-a", ObjectKind::Other, "payroll-1"), Some(5));
        assert_eq!(hit("kv-devops-prod", ObjectKind::Secret, "deploy-key"), Some(6));
        assert_eq!(hit("KV-DEVOPS-PROD.vault.azure.net", ObjectKind::Secret, "deploy-key"), Some(6));
        assert_eq!(hit("kv-devops-test", ObjectKind::Secret, "deploy-key"), None);
        assert_eq!(hit("kv-hr", ObjectKind::Key, "cmk"), Some(7));
        assert_eq!(hit("kv-hr", ObjectKind::Secret, "cmk"), None);
        assert_eq!(
            w.matches("kv-a", ObjectKind::Secret, "breakglass-x").map(|e| &*e.pattern),
            Some("secrets/breakglass-*")
        );
    }
}
