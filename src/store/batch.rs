//! What one parallel worker produces from one unit of input: columns of local ids, the local dictionaries they
//! index, and what was rejected or skipped. Text stays borrowed from the input until the merge.

use super::guid;
use super::intern::{TextInterner, TupleInterner};
use crate::event::{AccessChange, Claims, VaultSettings};
use crate::ingest::normalize::claims_of_identity;
use crate::ingest::{Event, RecordRef, Sink};

/// Details kept per batch for rejected / skipped records; all are counted.
pub const DETAIL_CAP: usize = 10_000;

/// Tri-state booleans packed two bits each: 0 unknown, 1 false, 2 true.
pub fn pack_bool(v: Option<bool>) -> u8 {
    match v {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    }
}

pub fn unpack_bool(bits: u8) -> Option<bool> {
    match bits & 3 {
        1 => Some(false),
        2 => Some(true),
        _ => None,
    }
}

/// (HTTP code or 0, status word id in `Batch::status_words`).
pub type StatusKey = (u16, u32);

/// Separates the parts of a composite key (resource id and vault name; the six claims). The parts are split
/// back at the merge.
pub const PART: char = '\u{1f}';

/// What one batch saw of one source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceCounts {
    pub events: u64,
    pub rejected: u64,
    pub skipped: u64,
}

/// A rejected or skipped record: source, byte offset, reason.
pub type Detail = (u32, u64, String);

#[derive(Default)]
pub struct Batch {
    /// The source being parsed now; rows record theirs in `source`.
    current: u32,
    /// Counts per source, in the order sources were parsed.
    pub counts: Vec<(u32, SourceCounts)>,
    pub source: Vec<u32>,
    pub time: Vec<i64>,
    pub vault: Vec<u32>,
    pub operation: Vec<u32>,
    pub status: Vec<u32>,
    pub caller_ip: Vec<u32>,
    pub token_ip: Vec<u32>,
    pub identity: Vec<u32>,
    pub client_app: Vec<u32>,
    pub user_agent: Vec<u32>,
    pub request_uri: Vec<u32>,
    pub object_uri: Vec<u32>,
    pub description: Vec<u32>,
    pub tls: Vec<u32>,
    pub addr_auth: Vec<u32>,
    pub correlation: Vec<u128>,
    pub duration: Vec<u32>,
    /// `isRbacAuthorized` in bits 0–1, `isAccessPolicyMatch` in bits 2–3.
    pub access: Vec<u8>,
    pub record: Vec<RecordRef>,
    pub access_changes: Vec<(u32, AccessChange)>,
    /// Vault configuration carried by an event, by event (few: management records).
    pub settings: Vec<(u32, VaultSettings)>,
    /// Correlation ids that are not GUIDs, by event.
    pub odd_correlations: Vec<(u32, Box<str>)>,

    /// `resource id ␟ vault name`.
    pub vaults: TextInterner,
    pub operations: TextInterner,
    pub status_words: TextInterner,
    pub statuses: TupleInterner<StatusKey>,
    /// Status id by HTTP code for records without a status word — almost all of them — without hashing.
    status_by_code: Vec<u32>,
    pub ips: TextInterner,
    /// `oid ␟ upn ␟ unique_name ␟ appid ␟ idtyp ␟ xms_mirid`.
    pub identities: TextInterner,
    /// Distinct `identity` values as written, and what each resolved to: (identity, token IP, client app) ids,
    /// or why its claims are unreadable.
    identity_raws: TextInterner,
    raw_identities: Vec<Result<(u32, u32, u32), String>>,
    /// Reused buffer for composite keys.
    scratch: String,
    pub apps: TextInterner,
    pub user_agents: TextInterner,
    pub uris: TextInterner,
    pub descriptions: TextInterner,
    pub tls_versions: TextInterner,
    pub addr_auth_types: TextInterner,

    pub rejections: Vec<Detail>,
    pub skips: Vec<Detail>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Starts parsing a unit of `source`, expected to hold about `events` events.
    pub fn begin(&mut self, source: usize, events: usize) {
        self.current = source as u32;
        if self.counts.last().is_none_or(|(s, _)| *s != self.current) {
            self.counts.push((self.current, SourceCounts::default()));
        }
        let n = events;
        self.source.reserve(n);
        self.time.reserve(n);
        for col in [
            &mut self.vault,
            &mut self.operation,
            &mut self.status,
            &mut self.caller_ip,
            &mut self.token_ip,
            &mut self.identity,
            &mut self.client_app,
            &mut self.user_agent,
            &mut self.request_uri,
            &mut self.object_uri,
            &mut self.description,
            &mut self.tls,
            &mut self.addr_auth,
            &mut self.duration,
        ] {
            col.reserve(n);
        }
        self.correlation.reserve(n);
        self.access.reserve(n);
        self.record.reserve(n);
    }

    /// The identity id of a set of claims (0 for none).
    fn identity_of(&mut self, c: &Claims<'_>) -> u32 {
        let parts = [&c.oid, &c.upn, &c.unique_name, &c.appid, &c.idtyp, &c.xms_mirid];
        if parts.iter().all(|p| p.is_none()) {
            return 0;
        }
        self.scratch.clear();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                self.scratch.push(PART);
            }
            self.scratch.push_str(p.as_deref().unwrap_or(""));
        }
        self.identities.intern(&self.scratch)
    }

    /// Identity, token IP and client app ids of an `identity` value, reading its claims the first time.
    fn resolve_identity(&mut self, raw: &str) -> Result<(u32, u32, u32), String> {
        let id = self.identity_raws.intern(raw) as usize;
        if id > self.raw_identities.len() {
            let resolved = claims_of_identity(raw).map(|(claims, token_ip)| {
                (
                    self.identity_of(&claims),
                    self.ips.intern_opt(token_ip.as_deref()),
                    self.apps.intern_opt(claims.appid.as_deref()),
                )
            });
            self.raw_identities.push(resolved);
        }
        self.raw_identities[id - 1].clone()
    }

    fn counts(&mut self) -> &mut SourceCounts {
        if self.counts.is_empty() {
            self.counts.push((self.current, SourceCounts::default()));
        }
        let last = self.counts.len() - 1;
        &mut self.counts[last].1
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }
}

impl<'a> Sink<'a> for Batch {
    fn event(&mut self, e: Event<'a>) {
        let (identity, token_ip, client_app) = match e.identity_raw.as_deref() {
            Some(raw) => match self.resolve_identity(raw) {
                Ok(ids) => ids,
                Err(reason) => return self.reject(e.record, reason),
            },
            None => (self.identity_of(&e.claims), 0, 0),
        };
        let token_ip = if e.token_ip.is_some() { self.ips.intern_opt(e.token_ip.as_deref()) } else { token_ip };
        let client_app =
            if e.client_app.is_some() { self.apps.intern_opt(e.client_app.as_deref()) } else { client_app };
        let index = self.time.len() as u32;
        self.counts().events += 1;
        self.source.push(self.current);
        self.time.push(e.time.0);
        self.scratch.clear();
        if e.resource_id.is_some() || e.resource_name.is_some() {
            self.scratch.push_str(e.resource_id.as_deref().unwrap_or(""));
            self.scratch.push(PART);
            self.scratch.push_str(e.resource_name.as_deref().unwrap_or(""));
        }
        self.vault.push(if self.scratch.is_empty() { 0 } else { self.vaults.intern(&self.scratch) });
        self.operation.push(self.operations.intern(&e.operation));
        let status = match (e.http_status, e.status_word.as_deref()) {
            (None, None) => 0,
            (code, None) => {
                let code = code.unwrap_or(0) as usize;
                if self.status_by_code.len() <= code {
                    self.status_by_code.resize(code + 1, 0);
                }
                if self.status_by_code[code] == 0 {
                    self.status_by_code[code] = self.statuses.intern((code as u16, 0));
                }
                self.status_by_code[code]
            }
            (code, Some(word)) => {
                let word = self.status_words.intern(word);
                self.statuses.intern((code.unwrap_or(0), word))
            }
        };
        self.status.push(status);
        self.caller_ip.push(self.ips.intern_opt(e.caller_ip.as_deref()));
        self.token_ip.push(token_ip);
        self.identity.push(identity);
        self.client_app.push(client_app);
        self.user_agent.push(self.user_agents.intern_opt(e.client_info.as_deref()));
        self.request_uri.push(self.uris.intern_opt(e.request_uri.as_deref()));
        self.object_uri.push(self.uris.intern_opt(e.object_uri.as_deref()));
        self.description.push(self.descriptions.intern_opt(e.result_description.as_deref()));
        self.tls.push(self.tls_versions.intern_opt(e.tls_version.as_deref()));
        self.addr_auth.push(self.addr_auth_types.intern_opt(e.addr_auth_type.as_deref()));
        let correlation = match e.correlation_id.as_deref() {
            None | Some("") => guid::NONE,
            Some(text) => guid::parse(text).or_else(|| guid::parse(text.trim())).unwrap_or_else(|| {
                self.odd_correlations.push((index, text.into()));
                guid::NONE
            }),
        };
        self.correlation.push(correlation);
        self.duration.push(e.duration_ms.unwrap_or(u32::MAX));
        self.access.push(pack_bool(e.rbac_authorized) | (pack_bool(e.access_policy_match) << 2));
        self.record.push(e.record);
        self.access_changes.extend(e.access_changes.into_iter().map(|c| (index, c)));
        if let Some(settings) = e.settings {
            self.settings.push((index, *settings));
        }
    }

    fn reject(&mut self, at: RecordRef, reason: String) {
        self.counts().rejected += 1;
        if self.rejections.len() < DETAIL_CAP {
            self.rejections.push((self.current, at.offset, reason));
        }
    }

    fn skip(&mut self, at: RecordRef, reason: String) {
        self.counts().skipped += 1;
        if self.skips.len() < DETAIL_CAP {
            self.skips.push((self.current, at.offset, reason));
        }
    }
}
