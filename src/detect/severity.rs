//! How bad a finding is. Shown by a letter and a glyph as well as a colour, so severity survives `NO_COLOR`,
//! monochrome projectors and screenshots pasted into tickets.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One letter for narrow columns: L, M, H, C.
    pub fn letter(self) -> char {
        match self {
            Severity::Low => 'L',
            Severity::Medium => 'M',
            Severity::High => 'H',
            Severity::Critical => 'C',
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "low" | "l" => Severity::Low,
            "medium" | "med" | "m" => Severity::Medium,
            "high" | "h" => Severity::High,
            "critical" | "crit" | "c" => Severity::Critical,
            _ => return None,
        })
    }

    /// One step up, for escalations the catalogue names ("High when …").
    pub fn raised(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_parse_and_letters() {
        assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(Severity::parse(&s.letter().to_string()), Some(s));
        }
        assert_eq!(Severity::parse("severe"), None);
        assert_eq!(Severity::Critical.raised(), Severity::Critical);
    }
}
