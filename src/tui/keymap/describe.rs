//! The merged keymap as TOML text, for `kvtrail keymap check`: what each key does and which file and line
//! made it so. The output is itself a standalone keymap (`extends = "none"`), so it can be saved and edited.

use std::fmt::Write;

use super::Keymap;
use super::context::Context;

impl Keymap {
    /// The merged map as TOML grouped by context, each line `"key" = "action"  # description  (from FILE:LINE)`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        out.push_str("# The merged keymap, layers in merge order (later ones win):\n");
        for source in &self.sources {
            let _ = writeln!(out, "#   {source}");
        }
        out.push_str("# Loadable as it is: it extends nothing.\nextends = \"none\"\n");
        for context in Context::ALL {
            let _ = writeln!(out, "\n[{context}]");
            let rows: Vec<(String, String, String)> = self
                .bindings(context)
                .into_iter()
                .map(|(keys, action)| {
                    let origin = self
                        .origin(context, &keys)
                        .map_or_else(String::new, |(file, line)| format!("  (from {file}:{line})"));
                    let lhs = quote(&keys.to_string());
                    (format!("{lhs} = {}", quote(action.name())), action.describe().to_string(), origin)
                })
                .collect();
            if rows.is_empty() {
                let fallback = if context == Context::Global { "" } else { "; [global] applies" };
                let _ = writeln!(out, "# nothing bound here{fallback}");
            }
            let width = rows.iter().map(|(b, _, _)| b.chars().count()).max().unwrap_or(0);
            for (binding, description, origin) in rows {
                let _ = writeln!(out, "{binding:<width$}  # {description}{origin}");
            }
        }
        out
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_toml_requires() {
        assert_eq!(quote("q"), "\"q\"");
        assert_eq!(quote("\""), "\"\\\"\"");
        assert_eq!(quote("\\"), "\"\\\\\"");
    }
}
