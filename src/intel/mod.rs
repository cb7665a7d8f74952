//! Offline reference data: the files an analyst brings to an investigation, and the questions the detections
//! ask of them (DETECTIONS.md §6–§7). Is this caller an Azure address, and of which service (KV-10, KV-11)? Was it
//! a Tor exit at the time (KV-14)? Which country and network is it in (KV-12, KV-13, KV-15)? Is it on the threat
//! list (KV-16)? Is this object on the sensitive watchlist, and has this finding been explained already?
//!
//! Nothing is downloaded: every table is built from files given by path or embedded in the binary, once, and
//! then answers in O(log n) or better. This layer sits beside [`crate::event`] and imports nothing else.
//!
//! * [`prefix`], [`ipset`], [`ipmap`] — CIDR prefixes, sets and labelled maps of them; [`is_internal`].
//! * [`service_tags`], [`tor`], [`geo`], [`threat`], [`egress`] — the per-address reference data.
//! * [`watchlist`], [`allow`] — what the analyst cares about, and what they have already explained.
//! * [`recognize`] — which file is which, from its name.

pub mod allow;
pub mod egress;
pub mod error;
pub mod geo;
pub mod ipmap;
pub mod ipset;
pub mod prefix;
pub mod recognize;
pub mod service_tags;
pub mod text;
pub mod threat;
pub mod tor;
pub mod watchlist;

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use allow::{AllowEntry, AllowList};
pub use error::{IntelError, Parsed};
pub use geo::{Asn, Geo, GeoKind, Location};
pub use ipmap::IpMap;
pub use ipset::{IpSet, is_internal};
pub use prefix::{Prefix, PrefixError};
pub use recognize::{FileKind, recognize};
pub use service_tags::ServiceTags;
pub use threat::{Indicator, ThreatList};
pub use tor::{TorExits, TorFormat};
pub use watchlist::Watchlist;

/// One file that was loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// `service-tags`, `tor`, `geo-country`, `geo-city`, `geo-asn`, `threat`, `watchlist`, `allow`, `egress`,
    /// `vps`, `hosting-asns`.
    pub kind: &'static str,
    /// Entries accepted: prefixes, addresses, indicators, patterns, search-tree nodes.
    pub entries: usize,
    /// What else is worth a glance: the format or database type, lines skipped.
    pub detail: String,
}

/// Where a caller address is, as far as the reference data knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin<'a> {
    /// Private, shared, link-local or loopback: a VNet or private endpoint.
    Internal,
    /// In the analyst's egress / VNet ranges.
    Egress,
    /// In an Azure service tag (its name).
    Azure(&'a str),
    /// None of the above (or the reference file was not given).
    Public,
}

/// All reference data of an investigation. Each part is optional: without it, the detections that need it say
/// so instead of guessing.
#[derive(Debug, Default)]
pub struct Intel {
    pub service_tags: Option<ServiceTags>,
    pub tor: Option<TorExits>,
    pub geo: Geo,
    pub threat: Option<ThreatList>,
    pub watchlist: Option<Watchlist>,
    pub allow: Option<AllowList>,
    pub egress: Option<IpSet>,
    pub vps: Option<IpSet>,
    pub hosting_asns: Option<HashSet<u32>>,
    /// In load order.
    pub files: Vec<LoadedFile>,
    /// Skipped lines, replaced databases, files not recognized: shown to the analyst, never dropped.
    pub warnings: Vec<String>,
}

impl Intel {
    /// Loads every recognized file at the top level of `dir`, in name order. A file that is not recognized (or a
    /// subdirectory) is a warning; a recognized file that cannot be read or parsed at all is an error.
    pub fn load_dir(dir: &Path) -> Result<Intel, IntelError> {
        let name = dir.display().to_string();
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| IntelError::io(&name, e))? {
            let entry = entry.map_err(|e| IntelError::io(&name, e))?;
            paths.push(entry.path());
        }
        paths.sort();
        let mut intel = Intel::default();
        for path in paths {
            let shown = path.display().to_string();
            if path.is_dir() {
                intel.warnings.push(format!("{shown}: directory skipped (intel files are read from the top level)"));
                continue;
            }
            match file_name(&shown).and_then(recognize) {
                Some(kind) => {
                    let bytes = std::fs::read(&path).map_err(|e| IntelError::io(&shown, e))?;
                    intel.add(kind, path, bytes)?;
                }
                None => intel.warnings.push(format!(
                    "{shown}: not loaded: the name matches no intel file kind ({})",
                    recognize::NAMING_RULES
                )),
            }
        }
        Ok(intel)
    }

    /// Loads one file named on the command line. Its name must say what it is.
    pub fn load_file(&mut self, path: &Path) -> Result<(), IntelError> {
        let shown = path.display().to_string();
        let kind = file_name(&shown).and_then(recognize).ok_or_else(|| {
            IntelError::file(
                &shown,
                format_args!(
                    "cannot tell which kind of intel file this is from its name; name it like one of: {}",
                    recognize::NAMING_RULES
                ),
            )
        })?;
        let bytes = std::fs::read(path).map_err(|e| IntelError::io(&shown, e))?;
        self.add(kind, path.to_path_buf(), bytes)
    }

    /// Loads files given as (name, bytes) — the demo's bundled intel. Names are recognized like file names
    /// (by their last `/` component); unrecognized ones are warnings.
    pub fn from_embedded(files: &[(&str, &[u8])]) -> Result<Intel, IntelError> {
        let mut intel = Intel::default();
        for &(name, bytes) in files {
            match file_name(name).and_then(recognize) {
                Some(kind) => intel.add(kind, PathBuf::from(name), bytes.to_vec())?,
                None => intel.warnings.push(format!(
                    "{name}: not loaded: the name matches no intel file kind ({})",
                    recognize::NAMING_RULES
                )),
            }
        }
        Ok(intel)
    }

    /// Parses one file of a known kind and adds it to what is loaded (lists of the same kind are merged).
    pub fn add(&mut self, kind: FileKind, path: PathBuf, bytes: Vec<u8>) -> Result<(), IntelError> {
        let name = path.display().to_string();
        let w = &mut self.warnings;
        let mut kind_name = kind.as_str();
        let (entries, detail) = match kind {
            FileKind::Geo => {
                let (geo_kind, replaced) = self.geo.add(bytes, &name)?;
                if let Some(old) = replaced {
                    w.push(format!("{name}: replaces {} as the {} database", old.file, geo_kind.as_str()));
                }
                let db = self.geo.databases().find(|db| db.kind == geo_kind);
                let nodes = db.map_or(0, |db| db.node_count() as usize);
                kind_name = geo_kind.as_str();
                (nodes, db.map_or(String::new(), |db| db.database_type().to_string()))
            }
            FileKind::ServiceTags => {
                let parsed = ServiceTags::parse(&bytes, &name)?;
                let tags = format!("{} tags", parsed.value.tags().len());
                if let Some(earlier) = self.service_tags.as_ref().filter(|t| t.cloud == parsed.value.cloud) {
                    let cloud = earlier.cloud.as_deref().unwrap_or("unnamed");
                    w.push(format!(
                        "{name}: a second service-tags file for the {cloud} cloud; the prefixes are combined"
                    ));
                }
                absorb(w, &mut self.service_tags, parsed, ServiceTags::merge, tags)
            }
            FileKind::Allow => {
                let list = AllowList::parse(&text::decode(&bytes), &name)?;
                let entries = list.len();
                merge_into(&mut self.allow, list, AllowList::merge);
                (entries, String::new())
            }
            FileKind::Tor => {
                let (format, parsed) = TorExits::parse(&text::decode(&bytes), &name);
                let format = match format {
                    TorFormat::Bulk => "bulk list",
                    TorFormat::ExitAddresses => "exit-addresses",
                };
                absorb(w, &mut self.tor, parsed, TorExits::merge, format.into())
            }
            FileKind::Threat => {
                let parsed = ThreatList::parse(&text::decode(&bytes), &name);
                absorb(w, &mut self.threat, parsed, ThreatList::merge, String::new())
            }
            FileKind::Watchlist => {
                let parsed = Watchlist::parse(&text::decode(&bytes), &name);
                absorb(w, &mut self.watchlist, parsed, Watchlist::merge, String::new())
            }
            FileKind::Egress => {
                let parsed = IpSet::from_lines(&text::decode(&bytes), &name);
                absorb(w, &mut self.egress, parsed, |a, b| a.union(&b), String::new())
            }
            FileKind::Vps => {
                let parsed = egress::parse_vps_csv(&text::decode(&bytes), &name);
                absorb(w, &mut self.vps, parsed, |a, b| a.union(&b), String::new())
            }
            FileKind::HostingAsns => {
                let parsed = egress::parse_asns(&text::decode(&bytes), &name);
                absorb(w, &mut self.hosting_asns, parsed, |a, b| a.extend(b), String::new())
            }
        };
        self.files.push(LoadedFile { path, kind: kind_name, entries, detail });
        Ok(())
    }

    /// One line per loaded file, for a status line or `stats`.
    pub fn describe(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|f| {
                let (one, many) = match f.kind {
                    "service-tags" | "egress" | "vps" => ("prefix", "prefixes"),
                    "tor" => ("address", "addresses"),
                    "geo-country" | "geo-city" | "geo-asn" => ("search-tree node", "search-tree nodes"),
                    "threat" => ("indicator", "indicators"),
                    "watchlist" => ("pattern", "patterns"),
                    "hosting-asns" => ("ASN", "ASNs"),
                    _ => ("entry", "entries"),
                };
                let noun = if f.entries == 1 { one } else { many };
                let detail = if f.detail.is_empty() { String::new() } else { format!(", {}", f.detail) };
                format!("{}: {} ({} {noun}{detail})", f.kind, f.path.display(), f.entries)
            })
            .collect()
    }

    /// True when nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Where `ip` is: internal, the analyst's egress, Azure (which tag), or public.
    pub fn origin(&self, ip: IpAddr) -> Origin<'_> {
        if is_internal(ip) {
            Origin::Internal
        } else if self.egress.as_ref().is_some_and(|e| e.contains(ip)) {
            Origin::Egress
        } else if let Some(tag) = self.service_tags.as_ref().and_then(|t| t.azure_tag(ip)) {
            Origin::Azure(tag)
        } else {
            Origin::Public
        }
    }
}

/// Stores a tolerant parser's value and keeps its warnings; the detail notes how many lines were skipped.
fn absorb<T>(
    warnings: &mut Vec<String>,
    slot: &mut Option<T>,
    parsed: Parsed<T>,
    merge: impl FnOnce(&mut T, T),
    detail: String,
) -> (usize, String) {
    warnings.extend(parsed.warnings());
    let detail = match (parsed.bad, detail.is_empty()) {
        (0, _) => detail,
        (1, true) => "1 line skipped".to_string(),
        (1, false) => format!("{detail}, 1 line skipped"),
        (bad, true) => format!("{bad} lines skipped"),
        (bad, false) => format!("{detail}, {bad} lines skipped"),
    };
    merge_into(slot, parsed.value, merge);
    (parsed.entries, detail)
}

fn merge_into<T>(slot: &mut Option<T>, value: T, merge: impl FnOnce(&mut T, T)) {
    match slot {
        Some(existing) => merge(existing, value),
        None => *slot = Some(value),
    }
}

/// The last component of a path or embedded name (`demo:assets/demo/intel/x.txt` → `x.txt`).
fn file_name(path: &str) -> Option<&str> {
    path.rsplit(['/', '\\', ':']).next().filter(|n| !n.is_empty())
}
