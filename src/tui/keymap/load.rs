//! Where a keymap comes from: an embedded preset, a file named on the command line, or the user's config
//! file, each followed down its `extends` chain to the base and merged.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::error::KeymapError;
use super::layer::{self, Layer};
use super::{Keymap, merge, presets};
use crate::config::config_home;

/// The value of `extends` that ends the chain.
const NONE: &str = "none";

impl Keymap {
    /// The workbench's keymap: `spec` is a preset name or a file path (a preset name wins; write `./vim` for
    /// a file called `vim`). Without a spec, the user's config file if it exists, else the default preset.
    pub fn load(spec: Option<&str>) -> Result<Keymap, KeymapError> {
        match (spec, config_home()) {
            (Some(spec), _) => Keymap::load_spec(spec),
            (None, Some(dir)) => Keymap::load_from_config_dir(&dir),
            (None, None) => Ok(Keymap::default_map()),
        }
    }

    /// Loads `<dir>/kvtrail/keymap.toml` if it exists, else the default preset. `dir` plays the part of
    /// `$XDG_CONFIG_HOME`; [`Keymap::load`] is this plus the environment, so tests need not touch the latter.
    /// A file that exists but cannot be read is an error, not a reason to fall back.
    pub fn load_from_config_dir(dir: &Path) -> Result<Keymap, KeymapError> {
        let path = dir.join("kvtrail").join("keymap.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Keymap::from_str_named(&text, &path.display().to_string()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Keymap::default_map()),
            Err(source) => Err(KeymapError::Read { file: path.display().to_string(), source }),
        }
    }

    /// An embedded preset: `default`, `vim`, `emacs` or `demo`.
    pub fn preset(name: &str) -> Result<Keymap, KeymapError> {
        let text = presets::text(name).ok_or_else(|| KeymapError::NoSuchPreset { name: name.to_string() })?;
        let top = layer::parse(text, &presets::file_name(name))?;
        merge::merge(&chain(top, Some(name))?)
    }

    /// The embedded default keymap. It cannot fail: `tests/keymaps.rs` loads every shipped file.
    pub fn default_map() -> Keymap {
        Keymap::preset("default").expect("the embedded default keymap is valid (tests/keymaps.rs checks it)")
    }

    /// A user keymap's text; `file_name` is what messages call it. Without `extends` it builds on `default`.
    pub fn from_str_named(text: &str, file_name: &str) -> Result<Keymap, KeymapError> {
        merge::merge(&chain(layer::parse(text, file_name)?, None)?)
    }

    /// A preset name or a file path.
    fn load_spec(spec: &str) -> Result<Keymap, KeymapError> {
        if presets::PRESETS.contains(&spec) {
            return Keymap::preset(spec);
        }
        let text =
            std::fs::read_to_string(spec).map_err(|source| KeymapError::Read { file: spec.to_string(), source })?;
        Keymap::from_str_named(&text, spec)
    }
}

/// For `kvtrail keymap check SPEC`: loads a preset or file the way `--keymap` would and shows the result.
pub fn check(spec: &str) -> Result<String, KeymapError> {
    Keymap::load(Some(spec)).map(|map| map.describe())
}

/// The user's keymap file, whether or not it exists: `$XDG_CONFIG_HOME/kvtrail/keymap.toml`, else
/// `$HOME/.config/kvtrail/keymap.toml`; `None` when neither variable is usable.
pub fn user_keymap_path() -> Option<PathBuf> {
    config_home().map(|dir| dir.join("kvtrail").join("keymap.toml"))
}

/// `top` followed by the presets it extends, base first. `top_preset` is the preset `top` is, if any, so
/// that a preset extending itself is a cycle while a user file that extends the preset it was copied from
/// is not.
fn chain(top: Layer, top_preset: Option<&str>) -> Result<Vec<Layer>, KeymapError> {
    let mut seen: Vec<String> = top_preset.map(str::to_string).into_iter().collect();
    // What the last layer in the chain extends, and where it says so.
    let (mut name, mut file, mut line) = (top.extends.clone(), top.file.clone(), top.extends_line);
    let mut layers = vec![top];
    while name != NONE {
        let Some(text) = presets::text(&name) else {
            return Err(KeymapError::UnknownPreset { file, line, name });
        };
        if seen.contains(&name) {
            let mut names: Vec<String> = layers.iter().map(|l| l.file.clone()).collect();
            names.push(presets::file_name(&name));
            return Err(KeymapError::ExtendsCycle { file, line, chain: names.join(" → ") });
        }
        let next = layer::parse(text, &presets::file_name(&name))?;
        seen.push(name);
        (name, file, line) = (next.extends.clone(), next.file.clone(), next.extends_line);
        layers.push(next);
    }
    layers.reverse();
    Ok(layers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_that_leads_back_to_itself_is_a_cycle() {
        // As if default.toml said `extends = "vim"`: vim extends default again.
        let top = layer::parse("extends = \"vim\"\n", "keymaps/default.toml").expect("parses");
        let err = chain(top, Some("default")).expect_err("cycle");
        assert_eq!(
            err.to_string(),
            "keymaps/vim.toml:2: `extends` goes round in a circle: \
             keymaps/default.toml → keymaps/vim.toml → keymaps/default.toml"
        );
    }

    #[test]
    fn a_user_file_may_extend_the_preset_it_was_copied_from() {
        let top = layer::parse("extends = \"vim\"\n", "keymaps/vim.toml").expect("parses");
        let names: Vec<String> = chain(top, None).expect("no cycle").into_iter().map(|l| l.file).collect();
        assert_eq!(names, ["keymaps/default.toml", "keymaps/vim.toml", "keymaps/vim.toml"]);
    }
}
