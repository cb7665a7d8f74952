//! The keymaps shipped inside the binary, so `--keymap vim` works without any file on disk.

/// Preset names, in the order `--help` lists them.
pub const PRESETS: [&str; 4] = ["default", "vim", "emacs", "demo"];

/// The text of an embedded preset.
pub(crate) fn text(name: &str) -> Option<&'static str> {
    match name {
        "default" => Some(include_str!("../../../keymaps/default.toml")),
        "vim" => Some(include_str!("../../../keymaps/vim.toml")),
        "emacs" => Some(include_str!("../../../keymaps/emacs.toml")),
        "demo" => Some(include_str!("../../../keymaps/demo.toml")),
        _ => None,
    }
}

/// The name errors and `describe` use for an embedded preset: where its source lives in the repository.
pub(crate) fn file_name(name: &str) -> String {
    format!("keymaps/{name}.toml")
}
