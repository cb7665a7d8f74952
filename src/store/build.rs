//! Merging worker batches into the store. Each batch keeps its rows in local ids; the builder derives each
//! distinct value once into the global dictionaries and records a local → global table per batch. `finish`
//! then puts all rows in time order, drops duplicates — the same event from overlapping exports or
//! neighbouring blobs, keeping the first sighting in input order — and writes each final column in one pass,
//! translating ids on the way.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashMap as FastMap;
use rayon::prelude::*;

use super::batch::{Batch, PART};
use super::{Columns, Dicts, Dim, IpValue, SMALL_OVERFLOW, SourceInfo, StatusValue, Store, provenance};
use crate::event::{AccessChange, Claims, ObjectRef, Operation, Outcome, Vault, VaultSettings, ip};

/// Global id for a local id through a table (local ids start at 1; 0 stays 0).
#[inline]
fn remap(map: &[u32], local: u32) -> u32 {
    if local == 0 { 0 } else { map[local as usize - 1] }
}

/// The entries of a batch's sparse table (values by batch row) whose rows were kept, by final row: duplicates
/// drop their entries with their row.
fn kept<'t, T: Clone>(table: &'t [(u32, T)], rows: &'t [u32]) -> impl Iterator<Item = (u32, T)> + 't {
    table.iter().filter(|(i, _)| rows[*i as usize] != u32::MAX).map(|(i, v)| (rows[*i as usize], v.clone()))
}

/// What a distinct URI tells: its vault, and the object and version it addresses (global ids).
#[derive(Clone, Copy, Default)]
struct UriFacts {
    uri: u32,
    vault: u32,
    object: u32,
    version: u32,
}

/// Derivations already made, by raw text, so that each distinct text is derived once per load.
#[derive(Default)]
struct Memo {
    vaults: FastMap<Box<str>, u32>,
    operations: FastMap<Box<str>, u32>,
    ips: FastMap<Box<str>, u32>,
    identities: FastMap<Box<str>, u32>,
    apps: FastMap<Box<str>, u32>,
    user_agents: FastMap<Box<str>, u32>,
    descriptions: FastMap<Box<str>, u32>,
    tls: FastMap<Box<str>, u32>,
    addr_auth: FastMap<Box<str>, u32>,
}

/// The memoized value for `key`, derived with `derive` the first time.
fn memo(map: &mut FastMap<Box<str>, u32>, key: &str, derive: impl FnOnce() -> u32) -> u32 {
    if let Some(v) = map.get(key) {
        return *v;
    }
    let v = derive();
    map.insert(key.into(), v);
    v
}

/// One batch's local → global id tables.
struct Remap {
    vaults: Vec<u32>,
    operations: Vec<u32>,
    statuses: Vec<u32>,
    ips: Vec<u32>,
    identities: Vec<u32>,
    apps: Vec<u32>,
    user_agents: Vec<u32>,
    descriptions: Vec<u32>,
    tls: Vec<u32>,
    addr_auth: Vec<u32>,
    uris: Vec<UriFacts>,
}

impl Remap {
    fn uri(&self, local: u32) -> UriFacts {
        if local == 0 { UriFacts::default() } else { self.uris[local as usize - 1] }
    }

    /// Vault, object, version and request URI of a row: the vault from the record's resource id, else from
    /// the addressed URIs; the object from `properties.id`, else from the request URI.
    fn located(&self, b: &Batch, row: usize) -> (u32, u32, u32, u32) {
        let (o, r) = (self.uri(b.object_uri[row]), self.uri(b.request_uri[row]));
        let mut vault = remap(&self.vaults, b.vault[row]);
        if vault == 0 {
            vault = if o.vault != 0 { o.vault } else { r.vault };
        }
        let (object, version) = if o.object != 0 { (o.object, o.version) } else { (r.object, r.version) };
        (vault, object, version, r.uri)
    }
}

/// A row of a batch, in the order `finish` sorts by.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey {
    time: i64,
    record: u64,
    batch: u32,
    row: u32,
}

pub struct Builder {
    dicts: Dicts,
    memo: Memo,
    /// By global URI id.
    uri_facts: Vec<UriFacts>,
    parts: Vec<(Batch, Remap)>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

fn vault_id(dicts: &mut Dicts, v: Vault) -> u32 {
    match dicts.vaults.find(&v.name) {
        Some(id) => {
            dicts.vaults.update(id, |old| old.absorb(&v));
            id
        }
        None => {
            let key = v.name.clone();
            dicts.vaults.intern(&key, || v)
        }
    }
}

fn small(id: u32) -> u16 {
    id.min(SMALL_OVERFLOW as u32) as u16
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            dicts: Dicts::default(),
            memo: Memo::default(),
            uri_facts: vec![UriFacts::default()],
            parts: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(|(b, _)| b.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a batch.
    pub fn add(&mut self, b: Batch) {
        self.add_all(vec![b]);
    }

    /// Appends batches, in input order.
    pub fn add_all(&mut self, batches: Vec<Batch>) {
        self.derive_uris(&batches);
        for b in batches {
            let r = self.remap(&b);
            self.parts.push((b, r));
        }
    }

    /// URIs are the most numerous distinct values (object names, versions), and parsing one is pure: parse every
    /// URI not seen before in parallel, then intern the results.
    fn derive_uris(&mut self, batches: &[Batch]) {
        // In first-seen order, so ids (and the order of equal counts) are the same on every run.
        let mut seen: FastMap<&str, ()> = FastMap::new();
        let mut new: Vec<&str> = Vec::new();
        for b in batches {
            for u in b.uris.iter() {
                if self.dicts.uris.find(u).is_none() && seen.insert(u, ()).is_none() {
                    new.push(u);
                }
            }
        }
        let parsed: Vec<(Option<ObjectRef>, Option<Vault>)> = new
            .par_iter()
            .map(|u| {
                let object = ObjectRef::parse(u);
                // A URI names the vault; its subscription and resource group come from the record's resource
                // id, which is authoritative (Microsoft's own example disagrees with its request URI).
                let vault = match &object {
                    Some(o) => Some(Vault::named(&o.vault)),
                    None => Vault::from_uri(u).or_else(|| Vault::from_resource_id(u).map(|v| Vault::named(&v.name))),
                };
                (object, vault)
            })
            .collect();
        let d = &mut self.dicts;
        for (u, (object, vault)) in new.into_iter().zip(parsed) {
            let mut f = UriFacts { uri: d.uris.intern_text(u), ..UriFacts::default() };
            if let Some(v) = vault {
                f.vault = vault_id(d, v);
            }
            if let Some(o) = object {
                f.version = o.version.as_deref().map_or(0, |v| d.versions.intern_text(v));
                let key = o.key();
                f.object = d.objects.intern(&key, || ObjectRef { version: None, ..o });
            }
            if self.uri_facts.len() <= f.uri as usize {
                self.uri_facts.resize(f.uri as usize + 1, UriFacts::default());
            }
            self.uri_facts[f.uri as usize] = f;
        }
    }

    /// Local id → global id tables for one batch, deriving what the store has not seen yet.
    fn remap(&mut self, b: &Batch) -> Remap {
        let d = &mut self.dicts;
        let m = &mut self.memo;
        let vaults = b
            .vaults
            .iter()
            .map(|key| {
                memo(&mut m.vaults, key, || {
                    let (rid, name) = key.split_once(PART).unwrap_or((key, ""));
                    let from_id = Vault::from_resource_id(rid);
                    let v = from_id.or_else(|| (!name.trim().is_empty()).then(|| Vault::named(name.trim())));
                    v.map_or(0, |v| vault_id(d, v))
                })
            })
            .collect();
        let operations = b
            .operations
            .iter()
            .map(|op| {
                memo(&mut m.operations, op, || d.operations.intern(&Operation::key(op), || Operation::classify(op)))
            })
            .collect();
        let statuses = b
            .statuses
            .keys()
            .iter()
            .map(|&(code, word)| {
                let code = (code != 0).then_some(code);
                let label = code.map_or_else(|| b.status_words.get(word).trim().to_string(), |c| c.to_string());
                let outcome = code.map_or_else(|| Outcome::of_status_word(&label), Outcome::of_http);
                d.statuses.intern(&label, || StatusValue { label: label.clone().into(), code, outcome })
            })
            .collect();
        let ips = b
            .ips
            .iter()
            .map(|text| {
                memo(&mut m.ips, text, || {
                    let addr = ip::parse(text);
                    let key = addr.map_or_else(|| text.trim().to_string(), |a| a.to_string());
                    d.ips.intern(&key, || IpValue { text: key.clone().into(), addr })
                })
            })
            .collect();
        let identities = b
            .identities
            .iter()
            .map(|key| {
                memo(&mut m.identities, key, || {
                    let mut parts = key.split(PART).map(|p| (!p.is_empty()).then_some(Cow::Borrowed(p)));
                    let mut next = || parts.next().flatten();
                    let claims = Claims {
                        oid: next(),
                        upn: next(),
                        unique_name: next(),
                        appid: next(),
                        idtyp: next(),
                        xms_mirid: next(),
                    };
                    let principal = claims.principal_key();
                    if principal.is_empty() {
                        return 0;
                    }
                    let identity = claims.to_identity();
                    d.identities.upsert(&principal, || identity.clone(), |old| old.absorb(&identity))
                })
            })
            .collect();
        fn texts<'t>(
            memo_map: &mut FastMap<Box<str>, u32>,
            dict: &mut super::TextDict,
            keys: impl Iterator<Item = &'t str>,
            fold: fn(&str) -> String,
        ) -> Vec<u32> {
            keys.map(|k| memo(memo_map, k, || dict.intern_text(&fold(k)))).collect()
        }
        let trimmed = |t: &str| t.trim().to_string();
        Remap {
            vaults,
            operations,
            statuses,
            ips,
            identities,
            apps: texts(&mut m.apps, &mut d.apps, b.apps.iter(), |a| a.trim().to_ascii_lowercase()),
            user_agents: texts(&mut m.user_agents, &mut d.user_agents, b.user_agents.iter(), trimmed),
            descriptions: texts(&mut m.descriptions, &mut d.descriptions, b.descriptions.iter(), trimmed),
            tls: texts(&mut m.tls, &mut d.tls_versions, b.tls_versions.iter(), trimmed),
            addr_auth: texts(&mut m.addr_auth, &mut d.addr_auth_types, b.addr_auth_types.iter(), trimmed),
            // Every URI was derived by `derive_uris`.
            uris: b
                .uris
                .iter()
                .map(|u| d.uris.find(u).map_or_else(UriFacts::default, |id| self.uri_facts[id as usize]))
                .collect(),
        }
    }

    /// A hash of what makes two records the same event, over global ids so that the same event from two
    /// export formats matches.
    fn fingerprint(&self, k: RowKey, hasher: &impl BuildHasher) -> u64 {
        let (b, r) = &self.parts[k.batch as usize];
        let row = k.row as usize;
        let (vault, _, _, uri) = r.located(b, row);
        let mut h = hasher.build_hasher();
        vault.hash(&mut h);
        remap(&r.operations, b.operation[row]).hash(&mut h);
        remap(&r.statuses, b.status[row]).hash(&mut h);
        remap(&r.ips, b.caller_ip[row]).hash(&mut h);
        remap(&r.identities, b.identity[row]).hash(&mut h);
        uri.hash(&mut h);
        b.correlation[row].hash(&mut h);
        h.finish()
    }

    /// Sorts by time, drops duplicates and returns the store with the number of duplicates dropped per source.
    pub fn finish(mut self, sources: Vec<SourceInfo>) -> (Store, Vec<u64>) {
        let (keep, duplicates) = self.deduplicated(sources.len());
        let dicts = std::mem::take(&mut self.dicts);
        (self.gather(&keep, dicts, sources), duplicates)
    }

    /// A store of what has been added so far, leaving the builder able to take more: what the workbench shows
    /// while a large input is still loading. Costs a sort and a copy of the dictionaries.
    pub fn snapshot(&self, sources: Vec<SourceInfo>) -> Store {
        let (keep, _) = self.deduplicated(sources.len());
        self.gather(&keep, self.dicts.clone(), sources)
    }

    /// Every row in time order without duplicates, and the number of duplicates dropped per source.
    fn deduplicated(&self, sources: usize) -> (Vec<RowKey>, Vec<u64>) {
        let mut keys: Vec<RowKey> = self
            .parts
            .par_iter()
            .enumerate()
            .flat_map_iter(|(bi, (b, _))| {
                (0..b.len()).map(move |row| RowKey {
                    time: b.time[row],
                    record: provenance::pack(b.source[row], b.record[row].offset),
                    batch: bi as u32,
                    row: row as u32,
                })
            })
            .collect();
        keys.par_sort_unstable();

        let max_source = self.parts.iter().flat_map(|(b, _)| b.source.iter()).max().map_or(0, |&s| s as usize + 1);
        let mut duplicates = vec![0u64; sources.max(max_source)];
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut keep: Vec<RowKey> = Vec::with_capacity(keys.len());
        let mut run: Vec<u64> = Vec::new();
        for (pos, &k) in keys.iter().enumerate() {
            let shares_time = |other: usize| keys.get(other).is_some_and(|o| o.time == k.time);
            // At 100 ns precision most events have a time of their own: only ties can be duplicates.
            if !shares_time(pos.wrapping_sub(1)) && !shares_time(pos + 1) {
                keep.push(k);
                continue;
            }
            if !shares_time(pos.wrapping_sub(1)) {
                run.clear();
            }
            let print = self.fingerprint(k, &hasher);
            if run.contains(&print) {
                duplicates[provenance::source(k.record) as usize] += 1;
            } else {
                run.push(print);
                keep.push(k);
            }
        }
        (keep, duplicates)
    }

    /// Writes the final columns for the kept rows, in order, translating ids.
    fn gather(&self, keep: &[RowKey], dicts: Dicts, sources: Vec<SourceInfo>) -> Store {
        let parts = &self.parts;
        fn column<T: Send>(
            keep: &[RowKey],
            f: impl Fn(&Batch, &Remap, usize) -> T + Sync + Send,
            parts: &[(Batch, Remap)],
        ) -> Vec<T> {
            keep.par_iter()
                .map(|k| {
                    let (b, r) = &parts[k.batch as usize];
                    f(b, r, k.row as usize)
                })
                .collect()
        }
        let located: Vec<(u32, u32, u32, u32)> = column(keep, |b, r, i| r.located(b, i), parts);
        let pick = |n: usize| located.par_iter().map(move |l| [l.0, l.1, l.2, l.3][n]).collect::<Vec<u32>>();
        let mut dims: [Vec<u32>; Dim::COUNT] = Default::default();
        dims[Dim::CallerIp as usize] = column(keep, |b, r, i| remap(&r.ips, b.caller_ip[i]), parts);
        dims[Dim::Identity as usize] = column(keep, |b, r, i| remap(&r.identities, b.identity[i]), parts);
        dims[Dim::Vault as usize] = pick(0);
        dims[Dim::Operation as usize] = column(keep, |b, r, i| remap(&r.operations, b.operation[i]), parts);
        dims[Dim::Object as usize] = pick(1);
        dims[Dim::UserAgent as usize] = column(keep, |b, r, i| remap(&r.user_agents, b.user_agent[i]), parts);
        dims[Dim::Status as usize] = column(keep, |b, r, i| remap(&r.statuses, b.status[i]), parts);
        let cols = Columns {
            time: keep.iter().map(|k| k.time).collect(),
            dims,
            token_ip: column(keep, |b, r, i| remap(&r.ips, b.token_ip[i]), parts),
            client_app: column(keep, |b, r, i| remap(&r.apps, b.client_app[i]), parts),
            request_uri: pick(3),
            version: pick(2),
            description: column(keep, |b, r, i| remap(&r.descriptions, b.description[i]), parts),
            tls: column(keep, |b, r, i| small(remap(&r.tls, b.tls[i])), parts),
            addr_auth: column(keep, |b, r, i| small(remap(&r.addr_auth, b.addr_auth[i])), parts),
            correlation: column(keep, |b, _, i| b.correlation[i], parts),
            duration: column(keep, |b, _, i| b.duration[i], parts),
            access: column(keep, |b, _, i| b.access[i], parts),
            record: keep.iter().map(|k| k.record).collect(),
        };
        drop(located);

        // (batch, row) → final row, for the sparse tables.
        let mut new_of: Vec<Vec<u32>> = parts.iter().map(|(b, _)| vec![u32::MAX; b.len()]).collect();
        for (new, k) in keep.iter().enumerate() {
            new_of[k.batch as usize][k.row as usize] = new as u32;
        }
        let mut access_changes: Vec<(u32, AccessChange)> = Vec::new();
        let mut settings: Vec<(u32, VaultSettings)> = Vec::new();
        let mut odd_correlations = HashMap::new();
        for (bi, (b, _)) in self.parts.iter().enumerate() {
            let rows = &new_of[bi];
            access_changes.extend(kept(&b.access_changes, rows));
            settings.extend(kept(&b.settings, rows));
            odd_correlations.extend(kept(&b.odd_correlations, rows));
        }
        access_changes.sort_by_key(|(row, _)| *row);
        settings.sort_by_key(|(row, _)| *row);
        let failed_status = dicts.statuses.values().iter().map(|s| s.outcome == Outcome::Failure).collect();
        Store { sources, cols, dicts, access_changes, settings, odd_correlations, failed_status }
    }
}
