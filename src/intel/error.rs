//! Errors and warnings of the reference-data loaders. Every message names the file, and the line where there is
//! one, because the analyst has to find and fix it; a bad line is a warning (the rest of the file still loads), a
//! file that cannot be read or understood at all is an error.

use std::fmt;

/// A problem with one intel file.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// The file could not be read.
    #[error("{file}: {error}")]
    Io { file: Box<str>, error: std::io::Error },
    /// One line (or one value starting on that line) is wrong.
    #[error("{file}:{line}: {reason}")]
    Line { file: Box<str>, line: usize, reason: String },
    /// The file as a whole is wrong: not JSON, not a MaxMind database, an unknown name, …
    #[error("{file}: {reason}")]
    File { file: Box<str>, reason: String },
}

impl IntelError {
    pub(crate) fn line(file: &str, line: usize, reason: impl fmt::Display) -> IntelError {
        IntelError::Line { file: file.into(), line, reason: reason.to_string() }
    }

    pub(crate) fn file(file: &str, reason: impl fmt::Display) -> IntelError {
        IntelError::File { file: file.into(), reason: reason.to_string() }
    }

    pub(crate) fn io(file: &str, error: std::io::Error) -> IntelError {
        IntelError::Io { file: file.into(), error }
    }

    /// The file the problem is in.
    pub fn file_name(&self) -> &str {
        match self {
            IntelError::Io { file, .. } | IntelError::Line { file, .. } | IntelError::File { file, .. } => file,
        }
    }

    /// The 1-based line, when the problem is on one.
    pub fn line_number(&self) -> Option<usize> {
        match self {
            IntelError::Line { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// At most this many bad lines are kept per file: a binary file passed by mistake must not become a
/// million-entry warning list. The count is still exact.
pub const MAX_LISTED: usize = 50;

/// What a tolerant parser produced: the value, how many entries it accepted, and the lines it skipped.
#[derive(Debug)]
pub struct Parsed<T> {
    pub value: T,
    /// Entries accepted (lines, prefixes, tags…), for the load summary.
    pub entries: usize,
    /// Every skipped line, counted.
    pub bad: usize,
    /// The first [`MAX_LISTED`] skipped lines with file, line and reason.
    pub skipped: Vec<IntelError>,
}

impl<T> Parsed<T> {
    pub(crate) fn new(value: T, entries: usize, issues: Issues) -> Parsed<T> {
        Parsed { value, entries, bad: issues.count, skipped: issues.listed }
    }

    /// The skipped lines as one warning each, with a last line for those not listed.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.skipped.iter().map(ToString::to_string).collect();
        if self.bad > self.skipped.len() {
            let file = self.skipped.first().map_or("", IntelError::file_name);
            out.push(format!("{file}: {} more bad lines not listed", self.bad - self.skipped.len()));
        }
        out
    }
}

/// Collects skipped lines, keeping the first [`MAX_LISTED`].
#[derive(Debug, Default)]
pub(crate) struct Issues {
    count: usize,
    listed: Vec<IntelError>,
}

impl Issues {
    pub fn push(&mut self, error: IntelError) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED {
            self.listed.push(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_and_line() {
        assert_eq!(IntelError::line("ti.txt", 7, "bad address").to_string(), "ti.txt:7: bad address");
        assert_eq!(IntelError::file("x.mmdb", "not a database").to_string(), "x.mmdb: not a database");
        let io = IntelError::io("gone.txt", std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"));
        assert_eq!(io.to_string(), "gone.txt: no such file");
        assert_eq!(io.file_name(), "gone.txt");
    }

    #[test]
    fn warnings_are_capped_but_counted() {
        let mut issues = Issues::default();
        for line in 1..=MAX_LISTED + 5 {
            issues.push(IntelError::line("f", line, "bad"));
        }
        let parsed = Parsed::new((), 0, issues);
        assert_eq!(parsed.bad, MAX_LISTED + 5);
        let warnings = parsed.warnings();
        assert_eq!(warnings.len(), MAX_LISTED + 1);
        assert_eq!(warnings.last().map(String::as_str), Some("f: 5 more bad lines not listed"));
    }
}
