//! Merging worker batches into the store: local ids become global ids (deriving each distinct value once),
//! then rows are put in time order and duplicates — the same event from overlapping exports or neighbouring
//! blobs — are dropped, keeping the first sighting in input order.

use std::collections::HashMap;

use hashbrown::HashMap as FastMap;
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

/// Derivations already made, by raw text: batches repeat the same values (every hour's blob names the same
/// vaults and callers), and deriving each distinct text once per load instead of once per batch is what keeps
/// the merge cheap.
#[derive(Default)]
struct Memo {
    vaults: FastMap<String, u32>,
    operations: FastMap<Box<str>, u32>,
    statuses: FastMap<String, u32>,
    ips: FastMap<Box<str>, u32>,
    identities: FastMap<String, u32>,
    apps: FastMap<Box<str>, u32>,
    user_agents: FastMap<Box<str>, u32>,
    descriptions: FastMap<Box<str>, u32>,
    tls: FastMap<Box<str>, u32>,
    addr_auth: FastMap<Box<str>, u32>,
    uris: FastMap<Box<str>, UriFacts>,
}

/// The memoized value for `key`, derived with `derive` the first time.
fn memo<K, V: Copy>(map: &mut FastMap<K, V>, key: &str, derive: impl FnOnce() -> V) -> V
where
    K: std::borrow::Borrow<str> + Eq + Hash + for<'k> From<&'k str>,
{
    if let Some(v) = map.get(key) {
        return *v;
    }
    let v = derive();
    map.insert(K::from(key), v);
    v
}

/// Joins optional parts into one memo key.
fn joined(parts: &[Option<&str>]) -> String {
    parts.iter().map(|p| p.unwrap_or("\u{0}")).collect::<Vec<_>>().join("\u{1f}")
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

    /// The batch's rows in global ids.
    fn apply(&self, b: &Batch<'_>) -> Columns {
        let n = b.len();
        let map = |table: &[u32], col: &[u32]| -> Vec<u32> { col.iter().map(|&l| remap(table, l)).collect() };
        let object_uris: Vec<UriFacts> = b.object_uri.iter().map(|&l| self.uri(l)).collect();
        let request_uris: Vec<UriFacts> = b.request_uri.iter().map(|&l| self.uri(l)).collect();
        let mut vault = map(&self.vaults, &b.vault);
        let mut object = Vec::with_capacity(n);
        let mut version = Vec::with_capacity(n);
        for i in 0..n {
            let (o, r) = (object_uris[i], request_uris[i]);
            if vault[i] == 0 {
                vault[i] = if o.vault != 0 { o.vault } else { r.vault };
            }
            let (obj, ver) = if o.object != 0 { (o.object, o.version) } else { (r.object, r.version) };
            object.push(obj);
            version.push(ver);
        }
        let mut dims: [Vec<u32>; Dim::COUNT] = Default::default();
        dims[Dim::CallerIp as usize] = map(&self.ips, &b.caller_ip);
        dims[Dim::Identity as usize] = map(&self.identities, &b.identity);
        dims[Dim::Vault as usize] = vault;
        dims[Dim::Operation as usize] = map(&self.operations, &b.operation);
        dims[Dim::Object as usize] = object;
        dims[Dim::UserAgent as usize] = map(&self.user_agents, &b.user_agent);
        dims[Dim::Status as usize] = map(&self.statuses, &b.status);
        Columns {
            time: b.time.clone(),
            dims,
            token_ip: map(&self.ips, &b.token_ip),
            client_app: map(&self.apps, &b.client_app),
            request_uri: request_uris.iter().map(|u| u.uri).collect(),
            version,
            description: map(&self.descriptions, &b.description),
            tls: map(&self.tls, &b.tls),
            addr_auth: map(&self.addr_auth, &b.addr_auth),
            correlation: b.correlation.clone(),
            duration: b.duration.clone(),
            access: b.access.clone(),
            source: b.source.clone(),
            offset: b.record.iter().map(|r| r.offset).collect(),
            len: b.record.iter().map(|r| r.len).collect(),
        }
    }
}

impl Columns {
    fn append(&mut self, mut part: Columns) {
        self.time.append(&mut part.time);
        for (mine, theirs) in self.dims.iter_mut().zip(part.dims.iter_mut()) {
            mine.append(theirs);
        }
        self.token_ip.append(&mut part.token_ip);
        self.client_app.append(&mut part.client_app);
        self.request_uri.append(&mut part.request_uri);
        self.version.append(&mut part.version);
        self.description.append(&mut part.description);
        self.tls.append(&mut part.tls);
        self.addr_auth.append(&mut part.addr_auth);
        self.correlation.append(&mut part.correlation);
        self.duration.append(&mut part.duration);
        self.access.append(&mut part.access);
        self.source.append(&mut part.source);
        self.offset.append(&mut part.offset);
        self.len.append(&mut part.len);
    }
}

pub struct Builder {
    dicts: Dicts,
    memo: Memo,
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
        Builder {
            dicts: Dicts::default(),
            memo: Memo::default(),
            cols: Columns::default(),
            access_changes: Vec::new(),
            odd_correlations: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.cols.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cols.time.is_empty()
    }

    /// Makes room for `n` more events.
    pub fn reserve(&mut self, n: usize) {
        let c = &mut self.cols;
        c.time.reserve(n);
        for d in &mut c.dims {
            d.reserve(n);
        }
        for col in [
            &mut c.token_ip,
            &mut c.client_app,
            &mut c.request_uri,
            &mut c.version,
            &mut c.description,
            &mut c.tls,
            &mut c.addr_auth,
            &mut c.duration,
            &mut c.source,
            &mut c.len,
        ] {
            col.reserve(n);
        }
        c.correlation.reserve(n);
        c.access.reserve(n);
        c.offset.reserve(n);
    }

    /// Appends a batch (rows stay in arrival order until [`Builder::finish`]).
    pub fn add(&mut self, b: Batch<'_>) {
        self.add_all(vec![b]);
    }

    /// Appends batches in order. Dictionaries are merged one batch after another (cheap: once per distinct
    /// value); the per-row remapping, which is most of the work, runs in parallel.
    pub fn add_all(&mut self, batches: Vec<Batch<'_>>) {
        let remaps: Vec<Remap> = batches.iter().map(|b| self.remap(b)).collect();
        let parts: Vec<Columns> = batches.par_iter().zip(remaps.par_iter()).map(|(b, r)| r.apply(b)).collect();
        for (b, part) in batches.into_iter().zip(parts) {
            let base = self.cols.time.len() as u32;
            self.cols.append(part);
            self.access_changes.extend(b.access_changes.into_iter().map(|(i, ch)| (base + i, ch)));
            self.odd_correlations.extend(b.odd_correlations.into_iter().map(|(i, s)| (base + i, s)));
        }
    }

    /// Local id → global id tables for one batch, deriving what the store has not seen yet.
    fn remap(&mut self, b: &Batch<'_>) -> Remap {
        let d = &mut self.dicts;
        let m = &mut self.memo;
        let vaults: Vec<u32> = b
            .vaults
            .keys()
            .iter()
            .map(|(rid, name)| {
                memo(&mut m.vaults, &joined(&[rid.as_deref(), name.as_deref()]), || {
                    let from_id = rid.as_deref().and_then(Vault::from_resource_id);
                    let v = from_id.or_else(|| name.as_deref().map(|n| Vault::named(n.trim())));
                    v.map_or(0, |v| vault_id(d, v))
                })
            })
            .collect();
        let operations: Vec<u32> = b
            .operations
            .keys()
            .iter()
            .map(|op| {
                memo(&mut m.operations, op, || d.operations.intern(&Operation::key(op), || Operation::classify(op)))
            })
            .collect();
        let statuses: Vec<u32> = b
            .statuses
            .keys()
            .iter()
            .map(|(code, word)| {
                let key = joined(&[code.map(|c| c.to_string()).as_deref(), word.as_deref()]);
                memo(&mut m.statuses, &key, || {
                    let label =
                        code.map_or_else(|| word.as_deref().unwrap_or("").trim().to_string(), |c| c.to_string());
                    let outcome = code.map_or_else(|| Outcome::of_status_word(&label), Outcome::of_http);
                    d.statuses.intern(&label, || StatusValue { label: label.clone().into(), code: *code, outcome })
                })
            })
            .collect();
        let ips: Vec<u32> = b
            .ips
            .keys()
            .iter()
            .map(|text| {
                memo(&mut m.ips, text, || {
                    let addr = ip::parse(text);
                    let key = addr.map_or_else(|| text.trim().to_string(), |a| a.to_string());
                    d.ips.intern(&key, || IpValue { text: key.clone().into(), addr })
                })
            })
            .collect();
        let identities: Vec<u32> = b
            .identities
            .keys()
            .iter()
            .map(|c| {
                let key = joined(&[
                    c.oid.as_deref(),
                    c.upn.as_deref(),
                    c.unique_name.as_deref(),
                    c.appid.as_deref(),
                    c.idtyp.as_deref(),
                    c.xms_mirid.as_deref(),
                ]);
                memo(&mut m.identities, &key, || {
                    let principal = c.principal_key();
                    if principal.is_empty() {
                        return 0;
                    }
                    let identity = c.to_identity();
                    d.identities.upsert(&principal, || identity.clone(), |old| old.absorb(&identity))
                })
            })
            .collect();
        fn texts(
            memo_map: &mut FastMap<Box<str>, u32>,
            dict: &mut super::TextDict,
            keys: &[std::borrow::Cow<'_, str>],
            fold: fn(&str) -> String,
        ) -> Vec<u32> {
            keys.iter().map(|k| memo(memo_map, k, || dict.intern_text(&fold(k)))).collect()
        }
        let apps = texts(&mut m.apps, &mut d.apps, b.apps.keys(), |a| a.trim().to_ascii_lowercase());
        let user_agents = texts(&mut m.user_agents, &mut d.user_agents, b.user_agents.keys(), |t| t.trim().to_string());
        let descriptions =
            texts(&mut m.descriptions, &mut d.descriptions, b.descriptions.keys(), |t| t.trim().to_string());
        let tls = texts(&mut m.tls, &mut d.tls_versions, b.tls_versions.keys(), |t| t.trim().to_string());
        let addr_auth =
            texts(&mut m.addr_auth, &mut d.addr_auth_types, b.addr_auth_types.keys(), |t| t.trim().to_string());
        let uris: Vec<UriFacts> = b
            .uris
            .keys()
            .iter()
            .map(|u| {
                memo(&mut m.uris, u, || {
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
            })
            .collect();

        Remap { vaults, operations, statuses, ips, identities, apps, user_agents, descriptions, tls, addr_auth, uris }
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
