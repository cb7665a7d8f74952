//! What one parallel worker produces from one unit of input: columns of local ids, the local dictionaries they
//! index, and what was rejected or skipped. Text stays borrowed from the input until the merge.

use std::borrow::Cow;

use super::guid;
use super::intern::Interner;
use crate::event::{AccessChange, Claims};
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

pub type VaultKey<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>);
pub type StatusKey<'a> = (Option<u16>, Option<Cow<'a, str>>);

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
pub struct Batch<'a> {
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
    /// Correlation ids that are not GUIDs, by event.
    pub odd_correlations: Vec<(u32, Box<str>)>,

    pub vaults: Interner<VaultKey<'a>>,
    pub operations: Interner<Cow<'a, str>>,
    pub statuses: Interner<StatusKey<'a>>,
    pub ips: Interner<Cow<'a, str>>,
    pub identities: Interner<Claims<'a>>,
    pub apps: Interner<Cow<'a, str>>,
    pub user_agents: Interner<Cow<'a, str>>,
    pub uris: Interner<Cow<'a, str>>,
    pub descriptions: Interner<Cow<'a, str>>,
    pub tls_versions: Interner<Cow<'a, str>>,
    pub addr_auth_types: Interner<Cow<'a, str>>,

    pub rejections: Vec<Detail>,
    pub skips: Vec<Detail>,
}

impl<'a> Batch<'a> {
    pub fn new() -> Batch<'a> {
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

impl<'a> Sink<'a> for Batch<'a> {
    fn event(&mut self, e: Event<'a>) {
        let index = self.time.len() as u32;
        self.counts().events += 1;
        self.source.push(self.current);
        self.time.push(e.time.0);
        let vault_key =
            (e.resource_id.is_some() || e.resource_name.is_some()).then_some((e.resource_id, e.resource_name));
        self.vault.push(self.vaults.intern_opt(vault_key));
        self.operation.push(self.operations.intern(e.operation));
        let status_key = (e.http_status.is_some() || e.status_word.is_some()).then_some((e.http_status, e.status_word));
        self.status.push(self.statuses.intern_opt(status_key));
        self.caller_ip.push(self.ips.intern_opt(e.caller_ip));
        self.token_ip.push(self.ips.intern_opt(e.token_ip));
        self.identity.push(self.identities.intern(e.claims));
        self.client_app.push(self.apps.intern_opt(e.client_app));
        self.user_agent.push(self.user_agents.intern_opt(e.client_info));
        self.request_uri.push(self.uris.intern_opt(e.request_uri));
        self.object_uri.push(self.uris.intern_opt(e.object_uri));
        self.description.push(self.descriptions.intern_opt(e.result_description));
        self.tls.push(self.tls_versions.intern_opt(e.tls_version));
        self.addr_auth.push(self.addr_auth_types.intern_opt(e.addr_auth_type));
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
