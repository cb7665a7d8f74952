//! Explanations are templates in the rule files, so they read as prose and analysts can rewrite them.
//! Placeholders: `{actor}`, `{ips}`, `{vaults}`, `{objects}`, `{count}`, `{span}`, `{first}`, `{last}`, plus
//! whatever a check adds (`{detail}`, `{window}`, …). An unknown placeholder is left as written.

use crate::event::Ticks;
use crate::event::time::TICKS_PER_SECOND;
use crate::store::Dim;

use super::ctx::Ctx;
use super::finding::Finding;

/// How many values a list names before "and N more".
const LIST: usize = 5;

pub fn list(mut items: Vec<String>) -> String {
    let more = items.len().saturating_sub(LIST);
    items.truncate(LIST);
    let mut text = items.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    if text.is_empty() { "(none)".into() } else { text }
}

/// `secrets/breakglass` (with the vault when the finding spans several).
pub fn object_name(ctx: &Ctx, id: u32, with_vault: bool) -> String {
    if with_vault { ctx.label(Dim::Object, id) } else { ctx.store.dicts.objects.get(id).path() }
}

/// `2 min 5 s`, `3 h 10 min`, `45 s`.
pub fn duration(ticks: i64) -> String {
    let s = ticks / TICKS_PER_SECOND;
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s if s < 86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

pub fn render(ctx: &Ctx, template: &str, f: &Finding, extra: &[(&'static str, String)]) -> String {
    let several_vaults = f.vaults.len() > 1;
    let value = |name: &str| -> Option<String> {
        if let Some((_, v)) = extra.iter().find(|(n, _)| *n == name) {
            return Some(v.clone());
        }
        Some(match name {
            "actor" => f.actor(ctx.store),
            "ips" => list(f.caller_ips.iter().map(|&i| ctx.label(Dim::CallerIp, i)).collect()),
            "vaults" => list(f.vaults.iter().map(|&v| ctx.label(Dim::Vault, v)).collect()),
            "objects" => list(f.objects.iter().map(|&o| object_name(ctx, o, several_vaults)).collect()),
            "count" => f.event_count.to_string(),
            "span" => duration(f.last - f.first),
            "first" => Ticks(f.first).to_iso(),
            "last" => Ticks(f.last).to_iso(),
            _ => return None,
        })
    };
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                match value(name) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_lists() {
        assert_eq!(duration(45 * TICKS_PER_SECOND), "45 s");
        assert_eq!(duration(125 * TICKS_PER_SECOND), "2 min 5 s");
        assert_eq!(duration(3 * 3600 * TICKS_PER_SECOND + 600 * TICKS_PER_SECOND), "3 h 10 min");
        assert_eq!(list(vec![]), "(none)");
        let many: Vec<String> = (0..7).map(|i| i.to_string()).collect();
        assert_eq!(list(many), "0, 1, 2, 3, 4 and 2 more");
    }
}
