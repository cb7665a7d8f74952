//! Merging worker batches into the store: local ids become global ids (deriving each distinct value once),
//! then rows are put in time order and duplicates — the same event from overlapping exports or neighbouring
//! blobs — are dropped, keeping the first sighting in input order.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use rayon::prelude::*;

use super::batch::Batch;
use super::{Columns, Dicts, Dim, IpValue, SourceInfo, StatusValue, Store};
use crate::event::{AccessChange, ObjectRef, Operation, Outcome, Vault, ip};

/// Global id for a local id through a remap table (local ids start at 1; 0 stays 0).
#[inline]
fn remap(map: &[u32], local: u32) -> u32 {
    if local == 0 { 0 } else { map[local as usize - 1] }
}

/// What a distinct URI tells: its vault, and the object and version it addresses.
#[derive(Clone, Copy, Default)]
struct UriFacts {
    uri: u32,
    vault: u32,
    object: u32,
    version: u32,
}

pub struct Builder {
    dicts: Dicts,
    cols: Columns,
    access_changes: Vec<(u32, AccessChange)>,
    odd_correlations: HashMap<u32, Box<str>>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

fn vault_id(dicts: &mut Dicts, v: Vault) -> u32 {
    let key = v.name.to_string();
    dicts.vaults.upsert(&key, || v.clone(), |old| old.absorb(&v))
}

impl Builder {
    pub fn new() -> Builder {
        Builder { dicts: Dicts::default(), cols: Columns::default(), access_changes: Vec::new(), odd_correlations: HashMap::new() }
    }

    pub fn len(&self) -> usize {
        self.cols.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cols.time.is_empty()
    }

    /// Appends a batch (rows stay in arrival order until [`Builder::finish`]).
    pub fn add(&mut self, b: Batch<'_>) {
        let d = &mut self.dicts;
        let vaults: Vec<u32> = b
            .vaults
            .keys()
            .iter()
            .map(|(rid, name)| {
                let from_id = rid.as_deref().and_then(Vault::from_resource_id);
                let v = from_id.or_else(|| name.as_deref().map(|n| Vault::named(n.trim())));
                v.map_or(0, |v| vault_id(d, v))
            })
            .collect();
        let operations: Vec<u32> =
            b.operations.keys().iter().map(|op| d.operations.intern(&Operation::key(op), || Operation::classify(op))).collect();
        let statuses: Vec<u32> = b
            .statuses
            .keys()
            .iter()
            .map(|(code, word)| {
                let label = code.map_or_else(|| word.as_deref().unwrap_or("").trim().to_string(), |c| c.to_string());
                let outcome = code.map_or_else(|| Outcome::of_status_word(&label), Outcome::of_http);
                d.statuses.intern(&label, || StatusValue { label: label.clone().into(), code: *code, outcome })
            })
            .collect();
        let ips: Vec<u32> = b
            .ips
            .keys()
            .iter()
            .map(|text| {
                let addr = ip::parse(text);
                let key = addr.map_or_else(|| text.trim().to_string(), |a| a.to_string());
                d.ips.intern(&key, || IpValue { text: key.clone().into(), addr })
            })
            .collect();
        let identities: Vec<u32> = b
            .identities
            .keys()
            .iter()
            .map(|claims| {
                let key = claims.principal_key();
                if key.is_empty() {
                    return 0;
                }
                let identity = claims.to_identity();
                d.identities.upsert(&key, || identity.clone(), |old| old.absorb(&identity))
            })
            .collect();
        let text = |dict: &mut super::TextDict, keys: &[std::borrow::Cow<'_, str>]| -> Vec<u32> {
            keys.iter().map(|k| dict.intern_text(k.trim())).collect()
        };
        let apps: Vec<u32> = b.apps.keys().iter().map(|a| d.apps.intern_text(&a.trim().to_ascii_lowercase())).collect();
        let user_agents = text(&mut d.user_agents, b.user_agents.keys());
        let descriptions = text(&mut d.descriptions, b.descriptions.keys());
        let tls = text(&mut d.tls_versions, b.tls_versions.keys());
        let addr_auth = text(&mut d.addr_auth_types, b.addr_auth_types.keys());
        let uris: Vec<UriFacts> = b
            .uris
            .keys()
            .iter()
            .map(|u| {
                let u = u.trim();
                let mut f = UriFacts { uri: d.uris.intern_text(u), ..UriFacts::default() };
                if let Some(v) = Vault::from_uri(u).or_else(|| Vault::from_resource_id(u)) {
                    f.vault = vault_id(d, v);
                }
                if let Some(o) = ObjectRef::parse(u) {
                    f.version = o.version.as_deref().map_or(0, |v| d.versions.intern_text(v));
                    let key = o.key();
                    f.object = d.objects.intern(&key, || ObjectRef { version: None, ..o });
                }
                f
            })
            .collect();

        let base = self.cols.time.len() as u32;
        let c = &mut self.cols;
        c.time.extend_from_slice(&b.time);
        for i in 0..b.len() {
            let object_uri = if b.object_uri[i] == 0 { UriFacts::default() } else { uris[b.object_uri[i] as usize - 1] };
            let request_uri = if b.request_uri[i] == 0 { UriFacts::default() } else { uris[b.request_uri[i] as usize - 1] };
            let mut vault = remap(&vaults, b.vault[i]);
            if vault == 0 {
                vault = if object_uri.vault != 0 { object_uri.vault } else { request_uri.vault };
            }
            let (object, version) = if object_uri.object != 0 {
                (object_uri.object, object_uri.version)
            } else {
                (request_uri.object, request_uri.version)
            };
            c.dims[Dim::CallerIp as usize].push(remap(&ips, b.caller_ip[i]));
            c.dims[Dim::Identity as usize].push(remap(&identities, b.identity[i]));
            c.dims[Dim::Vault as usize].push(vault);
            c.dims[Dim::Operation as usize].push(remap(&operations, b.operation[i]));
            c.dims[Dim::Object as usize].push(object);
            c.dims[Dim::UserAgent as usize].push(remap(&user_agents, b.user_agent[i]));
            c.dims[Dim::Status as usize].push(remap(&statuses, b.status[i]));
            c.token_ip.push(remap(&ips, b.token_ip[i]));
            c.client_app.push(remap(&apps, b.client_app[i]));
            c.request_uri.push(request_uri.uri);
            c.version.push(version);
            c.description.push(remap(&descriptions, b.description[i]));
            c.tls.push(remap(&tls, b.tls[i]));
            c.addr_auth.push(remap(&addr_auth, b.addr_auth[i]));
            c.source.push(b.source as u32);
            c.offset.push(b.record[i].offset);
            c.len.push(b.record[i].len);
        }
        c.correlation.extend_from_slice(&b.correlation);
        c.duration.extend_from_slice(&b.duration);
        c.access.extend_from_slice(&b.access);
        self.access_changes.extend(b.access_changes.into_iter().map(|(i, ch)| (base + i, ch)));
        self.odd_correlations.extend(b.odd_correlations.into_iter().map(|(i, s)| (base + i, s)));
    }

    /// A hash of what makes two records the same event, over canonical (global) ids so that the same event
    /// from two export formats matches.
    fn fingerprint(&self, i: usize, hasher: &impl BuildHasher) -> u64 {
        let c = &self.cols;
        let mut h = hasher.build_hasher();
        for dim in [Dim::Vault, Dim::Operation, Dim::Status, Dim::CallerIp, Dim::Identity] {
            c.dims[dim as usize][i].hash(&mut h);
        }
        c.request_uri[i].hash(&mut h);
        c.correlation[i].hash(&mut h);
        h.finish()
    }

    /// Sorts by time, drops duplicates and returns the store with the number of duplicates dropped per source.
    pub fn finish(self, sources: Vec<SourceInfo>) -> (Store, Vec<u64>) {
        let n = self.cols.time.len();
        let c = &self.cols;
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.par_sort_unstable_by_key(|&i| {
            let i = i as usize;
            (c.time[i], c.source[i], c.offset[i])
        });
        let mut duplicates = vec![0u64; sources.len().max(c.source.iter().map(|&s| s as usize + 1).max().unwrap_or(0))];
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut keep: Vec<u32> = Vec::with_capacity(n);
        let mut run_start = 0;
        let mut run_prints: Vec<u64> = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            let i = i as usize;
            if pos == 0 || c.time[i] != c.time[order[run_start] as usize] {
                run_start = pos;
                run_prints.clear();
            }
            let print = self.fingerprint(i, &hasher);
            if run_prints.contains(&print) {
                duplicates[c.source[i] as usize] += 1;
            } else {
                run_prints.push(print);
                keep.push(i as u32);
            }
        }
        let store = self.gather(&keep, sources);
        (store, duplicates)
    }

    fn gather(self, keep: &[u32], sources: Vec<SourceInfo>) -> Store {
        fn pick<T: Copy + Send + Sync>(col: &[T], keep: &[u32]) -> Vec<T> {
            keep.par_iter().map(|&i| col[i as usize]).collect()
        }
        let c = &self.cols;
        let cols = Columns {
            time: pick(&c.time, keep),
            dims: std::array::from_fn(|d| pick(&c.dims[d], keep)),
            token_ip: pick(&c.token_ip, keep),
            client_app: pick(&c.client_app, keep),
            request_uri: pick(&c.request_uri, keep),
            version: pick(&c.version, keep),
            description: pick(&c.description, keep),
            tls: pick(&c.tls, keep),
            addr_auth: pick(&c.addr_auth, keep),
            correlation: pick(&c.correlation, keep),
            duration: pick(&c.duration, keep),
            access: pick(&c.access, keep),
            source: pick(&c.source, keep),
            offset: pick(&c.offset, keep),
            len: pick(&c.len, keep),
        };
        // Old row → new row, for the sparse tables.
        let mut new_of = vec![u32::MAX; c.time.len()];
        for (new, &old) in keep.iter().enumerate() {
            new_of[old as usize] = new as u32;
        }
        let mut access_changes: Vec<(u32, AccessChange)> = self
            .access_changes
            .into_iter()
            .filter_map(|(old, ch)| (new_of[old as usize] != u32::MAX).then(|| (new_of[old as usize], ch)))
            .collect();
        access_changes.sort_by_key(|(row, _)| *row);
        let odd_correlations = self
            .odd_correlations
            .into_iter()
            .filter_map(|(old, s)| (new_of[old as usize] != u32::MAX).then(|| (new_of[old as usize], s)))
            .collect();
        let failed_status = self.dicts.statuses.values().iter().map(|s| s.outcome == Outcome::Failure).collect();
        Store { sources, cols, dicts: self.dicts, access_changes, odd_correlations, failed_status }
    }
}
