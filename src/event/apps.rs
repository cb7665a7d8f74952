//! Well-known Microsoft first-party application ids (`assets/well-known-apps.tsv`): an identity that only has an
//! app id reads "Azure Resource Graph", not `509e4652-…`.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../assets/well-known-apps.tsv");

fn table() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .map(|(id, name)| (id.trim().to_ascii_lowercase(), name.trim()))
            .collect()
    })
}

/// The name of a well-known first-party app id (any case), if it is one.
pub fn well_known_name(appid: &str) -> Option<&'static str> {
    let id = appid.trim();
    let map = table();
    map.get(id).or_else(|| map.get(&id.to_ascii_lowercase())).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_answers_in_any_case() {
        assert!(table().len() >= 15);
        assert_eq!(well_known_name("04B07795-8DDB-461A-BBEE-02F9E1BF7B46"), Some("Azure CLI"));
        assert_eq!(well_known_name("509e4652-da8d-478d-a730-e9d4a1996ca4"), Some("Azure Resource Graph"));
        assert_eq!(well_known_name("00000000-0000-0000-0000-000000000000"), None);
        for (id, name) in table() {
            assert_eq!(id.len(), 36, "{id} is not a GUID");
            assert!(!name.is_empty());
        }
    }
}
