//! Azure service tags (`ServiceTags_Public_YYYYMMDD.json`, DETECTIONS.md §6.1): is a caller address an Azure
//! datacentre address, and of which tag?
//!
//! `AzureCloud` has no IPv6 prefixes, so "is Azure" is the union of the prefixes of every tag. When an address is
//! in several tags the answer is the most useful name: a service tag (`AzureKeyVault.westeurope`) before a
//! regional `AzureCloud.<region>`, before plain `AzureCloud`; among equals the most specific prefix.

use std::net::IpAddr;

use serde::Deserialize;

use super::error::{IntelError, Issues, Parsed};
use super::ipmap::IpMap;
use super::prefix::Prefix;

/// One tag of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// `AzureKeyVault.westeurope`.
    pub name: Box<str>,
    /// `westeurope`, or empty for a global tag.
    pub region: Box<str>,
    /// `AzureKeyVault`, `AzureAD`, or empty (AzureCloud).
    pub system_service: Box<str>,
    /// Prefixes listed for the tag.
    pub prefixes: usize,
}

/// The prefixes of every tag of one or more service-tag files.
#[derive(Clone, Debug, Default)]
pub struct ServiceTags {
    tags: Vec<Tag>,
    map: IpMap<u32>,
    /// The document's `changeNumber` and `cloud` (`Public`, `AzureGovernment`, …), of the first file.
    pub change_number: Option<u64>,
    pub cloud: Option<Box<str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    change_number: Option<u64>,
    cloud: Option<String>,
    values: Vec<Value>,
}

#[derive(Deserialize)]
struct Value {
    name: String,
    #[serde(default)]
    properties: Properties,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Properties {
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    system_service: Option<String>,
    #[serde(default)]
    address_prefixes: Vec<String>,
}

impl ServiceTags {
    /// Parses one file. A file that is not a service-tags document is an error; a prefix that does not parse
    /// is skipped with a warning naming the tag.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Parsed<ServiceTags>, IntelError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let doc: Document = serde_json::from_slice(bytes).map_err(|e| {
            let reason = format!("not a service-tags document: {e}");
            if e.line() > 0 { IntelError::line(file, e.line(), reason) } else { IntelError::file(file, reason) }
        })?;
        let mut issues = Issues::default();
        let mut tags = Vec::with_capacity(doc.values.len());
        let mut entries = Vec::new();
        for value in doc.values {
            let idx = tags.len() as u32;
            let mut prefixes = 0;
            for text in &value.properties.address_prefixes {
                match Prefix::parse(text) {
                    Ok(p) => {
                        entries.push((p, idx));
                        prefixes += 1;
                    }
                    Err(e) => issues.push(IntelError::file(file, format_args!("tag {}: {e}", value.name))),
                }
            }
            tags.push(Tag {
                name: value.name.into(),
                region: value.properties.region.unwrap_or_default().into(),
                system_service: value.properties.system_service.unwrap_or_default().into(),
                prefixes,
            });
        }
        let count = entries.len();
        let value = ServiceTags {
            map: build(&tags, entries),
            tags,
            change_number: doc.change_number,
            cloud: doc.cloud.map(Into::into),
        };
        Ok(Parsed::new(value, count, issues))
    }

    /// The name of the preferred tag containing `ip`, `None` when it is not an Azure address.
    pub fn azure_tag(&self, ip: IpAddr) -> Option<&str> {
        self.tag(ip).map(|t| &*t.name)
    }

    /// The preferred tag containing `ip`.
    pub fn tag(&self, ip: IpAddr) -> Option<&Tag> {
        self.map.lookup(ip).and_then(|&i| self.tags.get(i as usize))
    }

    /// Every tag containing `ip`, most specific prefix first.
    pub fn tags_of(&self, ip: IpAddr) -> impl Iterator<Item = &Tag> {
        self.map.lookup_all(ip).filter_map(|&i| self.tags.get(i as usize))
    }

    /// True when `ip` is in any tag's prefixes.
    pub fn is_azure(&self, ip: IpAddr) -> bool {
        self.map.lookup(ip).is_some()
    }

    /// All tags, in file order.
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// The number of prefixes of all tags.
    pub fn prefixes(&self) -> usize {
        self.map.len()
    }

    /// Adds the tags of another file (the Government or China cloud beside the public one).
    pub fn merge(&mut self, other: ServiceTags) {
        let offset = self.tags.len() as u32;
        let mut entries: Vec<(Prefix, u32)> = std::mem::take(&mut self.map).into_entries().collect();
        entries.extend(other.map.into_entries().map(|(p, i)| (p, i + offset)));
        self.tags.extend(other.tags);
        self.change_number = self.change_number.or(other.change_number);
        self.cloud = self.cloud.take().or(other.cloud);
        self.map = build(&self.tags, entries);
    }
}

fn build(tags: &[Tag], entries: Vec<(Prefix, u32)>) -> IpMap<u32> {
    IpMap::from_ranked(entries, |&i| tags.get(i as usize).map_or(u32::MAX, rank))
}

/// Lower is preferred: regional service tag, global service tag, `AzureCloud.<region>`, `AzureCloud`.
fn rank(tag: &Tag) -> u32 {
    let cloud = tag.name.split('.').next().is_some_and(|base| base.eq_ignore_ascii_case("AzureCloud"));
    let regional = tag.name.contains('.') || !tag.region.is_empty();
    match (cloud, regional) {
        (false, true) => 0,
        (false, false) => 1,
        (true, true) => 2,
        (true, false) => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
      "changeNumber": 361, "cloud": "Public", "somethingNew": {"x": [1]},
      "values": [
        { "name": "AzureCloud", "id": "AzureCloud",
          "properties": { "changeNumber": 94, "region": "", "regionId": 0, "platform": "Azure", "systemService": "",
                          "addressPrefixes": ["20.0.0.0/8", "52.0.0.0/8"], "networkFeatures": ["API"] } },
        { "name": "AzureCloud.westeurope", "id": "AzureCloud.westeurope",
          "properties": { "region": "westeurope", "systemService": "", "addressPrefixes": ["20.50.0.0/16"] } },
        { "name": "AzureKeyVault", "id": "AzureKeyVault",
          "properties": { "region": "", "systemService": "AzureKeyVault",
                          "addressPrefixes": ["20.50.1.0/24", "2603:1020:206::/48", "bogus"] } },
        { "name": "AzureKeyVault.westeurope", "id": "AzureKeyVault.westeurope",
          "properties": { "region": "westeurope", "systemService": "AzureKeyVault",
                          "addressPrefixes": ["20.50.0.0/17"] } },
        { "name": "Empty", "id": "Empty", "properties": { } }
      ] }"#;

    fn a(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    #[test]
    fn preferred_tags() {
        let parsed = ServiceTags::parse(DOC.as_bytes(), "ServiceTags_Public_20261005.json").unwrap();
        assert_eq!(parsed.entries, 6);
        assert_eq!(parsed.bad, 1);
        assert_eq!(
            parsed.skipped[0].to_string(),
            "ServiceTags_Public_20261005.json: tag AzureKeyVault: `bogus` is not an IP address or CIDR prefix"
        );
        let tags = parsed.value;
        assert_eq!(tags.azure_tag(a("52.1.1.1")), Some("AzureCloud"));
        assert_eq!(tags.azure_tag(a("20.50.200.1")), Some("AzureCloud.westeurope"));
        // The regional service tag wins over the longer global one.
        assert_eq!(tags.azure_tag(a("20.50.1.1")), Some("AzureKeyVault.westeurope"));
        assert_eq!(tags.azure_tag(a("2603:1020:206::9")), Some("AzureKeyVault"));
        assert_eq!(tags.azure_tag(a("::ffff:20.50.1.1")), Some("AzureKeyVault.westeurope"));
        assert_eq!(tags.azure_tag(a("8.8.8.8")), None);
        assert!(tags.is_azure(a("20.0.0.1")) && !tags.is_azure(a("2603:1020:207::1")));
        let names: Vec<&str> = tags.tags_of(a("20.50.1.1")).map(|t| &*t.name).collect();
        assert_eq!(names, ["AzureKeyVault", "AzureKeyVault.westeurope", "AzureCloud.westeurope", "AzureCloud"]);
        assert_eq!(tags.tag(a("20.50.1.1")).map(|t| &*t.system_service), Some("AzureKeyVault"));
        assert_eq!((tags.change_number, tags.cloud.as_deref()), (Some(361), Some("Public")));
        assert_eq!(tags.tags().len(), 5);
    }

    #[test]
    fn merge_keeps_both_clouds() {
        let mut public = ServiceTags::parse(DOC.as_bytes(), "p.json").unwrap().value;
        let gov = r#"{"cloud":"AzureGovernment","values":[{"name":"AzureCloud","properties":{"addressPrefixes":["13.72.0.0/16"]}}]}"#;
        public.merge(ServiceTags::parse(gov.as_bytes(), "g.json").unwrap().value);
        assert_eq!(public.azure_tag(a("13.72.0.1")), Some("AzureCloud"));
        assert_eq!(public.azure_tag(a("20.50.1.1")), Some("AzureKeyVault.westeurope"));
        assert_eq!(public.prefixes(), 7);
    }

    #[test]
    fn errors_name_the_file() {
        let e = ServiceTags::parse(b"{\n\"values\": 3}", "ServiceTags_x.json").err().unwrap();
        assert!(e.to_string().starts_with("ServiceTags_x.json:2: not a service-tags document"), "{e}");
        let e = ServiceTags::parse(b"", "ServiceTags_x.json").err().unwrap();
        assert!(e.to_string().starts_with("ServiceTags_x.json"), "{e}");
        assert!(ServiceTags::parse(b"\xEF\xBB\xBF{\"values\":[]}", "bom.json").is_ok());
    }
}
