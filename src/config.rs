//! The user's configuration file, `$XDG_CONFIG_HOME/kvtrail/config.toml` (or `$KVTRAIL_CONFIG`): where the
//! detections find reference data, extra rules and the allow-list on a jump box, so they need not be typed on
//! every command line. Command-line options win over it. Like every file kvtrail reads, a misspelt key is an
//! error with its line, not a silent default.
//!
//! ```toml
//! intel = "/srv/intel"                 # reference data directory (--intel)
//! rules = ["tuned-thresholds.toml"]    # rule files, relative to this file (--rules)
//! allow = "allowlist.toml"             # suppression list (--allow)
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("{file}:{line}: {message}")]
    Invalid { file: String, line: usize, message: String },
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub intel: Option<PathBuf>,
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    #[serde(default)]
    pub allow: Option<PathBuf>,
}

/// `$XDG_CONFIG_HOME` if set to an absolute path (the XDG spec says to ignore relative ones), else
/// `$HOME/.config`.
pub fn config_home() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
    xdg.or_else(|| {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
        Some(PathBuf::from(home).join(".config"))
    })
}

/// Where the configuration file is looked for: `$KVTRAIL_CONFIG`, else `<config home>/kvtrail/config.toml`.
pub fn path() -> Option<PathBuf> {
    std::env::var_os("KVTRAIL_CONFIG")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| config_home().map(|d| d.join("kvtrail").join("config.toml")))
}

impl Config {
    /// The configuration at [`path`]; an absent file is the empty configuration.
    pub fn load() -> Result<Config, ConfigError> {
        match path() {
            Some(p) => Config::load_from(&p),
            None => Ok(Config::default()),
        }
    }

    pub fn load_from(file: &Path) -> Result<Config, ConfigError> {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => return Err(ConfigError::Read { file: name, source }),
        };
        Config::parse(&text, &name, file.parent().unwrap_or(Path::new(".")))
    }

    /// Parses `text`; relative paths are taken relative to `dir` (the file's directory).
    pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            file: file.to_string(),
            line: e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_string(),
        })?;
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        config.intel.as_mut().map(resolve);
        config.allow.as_mut().map(resolve);
        config.rules.iter_mut().for_each(resolve);
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_file_and_typos_are_errors() {
        let c = Config::parse(
            "intel = \"intel\"\nrules = [\"/abs/r.toml\", \"r2.toml\"]\n",
            "c.toml",
            Path::new("/etc/kv"),
        )
        .unwrap();
        assert_eq!(c.intel, Some(PathBuf::from("/etc/kv/intel")));
        assert_eq!(c.rules, vec![PathBuf::from("/abs/r.toml"), PathBuf::from("/etc/kv/r2.toml")]);
        let e = Config::parse("intel = \"x\"\nalow = \"a.toml\"\n", "c.toml", Path::new("/")).unwrap_err();
        assert!(e.to_string().starts_with("c.toml:2:"), "{e}");
        assert_eq!(Config::load_from(Path::new("/nonexistent/kvtrail.toml")).unwrap(), Config::default());
    }
}
