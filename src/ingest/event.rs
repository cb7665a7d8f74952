//! The record every format is normalized into, before interning: field meanings unified, text still borrowed
//! from the input. Deriving values (vault from resource id, principal from claims, object from URI) happens
//! once per distinct text in the store, not once per record.

use std::borrow::Cow;

use crate::event::{AccessChange, Claims, Ticks, VaultSettings};

/// Where a record sits inside its source: enough to show the original again, without keeping it in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RecordRef {
    /// Byte offset in the source's (decompressed) bytes.
    pub offset: u64,
    pub len: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event<'a> {
    pub time: Ticks,
    /// An ARM id naming the vault (or something under it).
    pub resource_id: Option<Cow<'a, str>>,
    /// A bare vault name (`Resource` column).
    pub resource_name: Option<Cow<'a, str>>,
    pub operation: Cow<'a, str>,
    pub http_status: Option<u16>,
    /// A status word when no HTTP code is known (Activity Log `Started`, `Failed`…).
    pub status_word: Option<Cow<'a, str>>,
    pub result_description: Option<Cow<'a, str>>,
    pub caller_ip: Option<Cow<'a, str>>,
    /// The `ipaddr` claim: the address the token was issued to.
    pub token_ip: Option<Cow<'a, str>>,
    pub client_info: Option<Cow<'a, str>>,
    pub request_uri: Option<Cow<'a, str>>,
    /// `properties.id`: the object (or vault) URI the request addressed.
    pub object_uri: Option<Cow<'a, str>>,
    pub correlation_id: Option<Cow<'a, str>>,
    pub duration_ms: Option<u32>,
    pub tls_version: Option<Cow<'a, str>>,
    pub addr_auth_type: Option<Cow<'a, str>>,
    pub rbac_authorized: Option<bool>,
    pub access_policy_match: Option<bool>,
    /// Claims from flattened columns (Log Analytics exports, Activity Log).
    pub claims: Claims<'a>,
    /// The `identity` value as written, when the record carries one: the sink reads its claims with
    /// [`claims_of_identity`](super::normalize::claims_of_identity), once per distinct value.
    pub identity_raw: Option<Cow<'a, str>>,
    /// The client app id of the token (for users: the tool they used; for workloads: themselves).
    pub client_app: Option<Cow<'a, str>>,
    pub access_changes: Vec<AccessChange>,
    /// What the record says about the vault's configuration; `None` for all but a few management records.
    /// Boxed so that the event every other record fills stays small.
    pub settings: Option<Box<VaultSettings>>,
    pub record: RecordRef,
}

fn own(v: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    v.map(|s| Cow::Owned(s.into_owned()))
}

impl Event<'_> {
    /// Detaches the event from its input, for the rare records parsed from a temporary buffer (JSON text
    /// inside a string, Activity Log documents).
    pub fn into_owned(self) -> Event<'static> {
        Event {
            time: self.time,
            resource_id: own(self.resource_id),
            resource_name: own(self.resource_name),
            operation: Cow::Owned(self.operation.into_owned()),
            http_status: self.http_status,
            status_word: own(self.status_word),
            result_description: own(self.result_description),
            caller_ip: own(self.caller_ip),
            token_ip: own(self.token_ip),
            client_info: own(self.client_info),
            request_uri: own(self.request_uri),
            object_uri: own(self.object_uri),
            correlation_id: own(self.correlation_id),
            duration_ms: self.duration_ms,
            tls_version: own(self.tls_version),
            addr_auth_type: own(self.addr_auth_type),
            rbac_authorized: self.rbac_authorized,
            access_policy_match: self.access_policy_match,
            claims: Claims {
                oid: own(self.claims.oid),
                upn: own(self.claims.upn),
                unique_name: own(self.claims.unique_name),
                appid: own(self.claims.appid),
                idtyp: own(self.claims.idtyp),
                xms_mirid: own(self.claims.xms_mirid),
            },
            identity_raw: own(self.identity_raw),
            client_app: own(self.client_app),
            access_changes: self.access_changes,
            settings: self.settings,
            record: self.record,
        }
    }
}

/// What parsing one record produced.
// The event is the common case by far; boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Verdict<'a> {
    Event(Event<'a>),
    /// A valid record that is not Key Vault audit data (another resource's diagnostics, an Activity Log event
    /// about something else). Counted, not an error.
    Skip(String),
    Reject(String),
}

/// Receives what the parsers produce. The store's batch builder implements it; tests collect into vectors.
pub trait Sink<'a> {
    fn event(&mut self, event: Event<'a>);
    fn reject(&mut self, at: RecordRef, reason: String);
    fn skip(&mut self, at: RecordRef, reason: String);

    fn verdict(&mut self, at: RecordRef, verdict: Verdict<'a>) {
        match verdict {
            Verdict::Event(e) => self.event(e),
            Verdict::Skip(r) => self.skip(at, r),
            Verdict::Reject(r) => self.reject(at, r),
        }
    }
}
