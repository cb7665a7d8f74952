//! Events held column-wise: every text dimension interned into a dictionary, so a filter is a selection over
//! integer columns and a facet recount is a counting loop. Pure and synchronous; loading is in [`load`].
//!
//! Rows are in time order. The raw record is not kept: [`Store::raw_record`] re-reads it from its source.

mod batch;
mod build;
mod dict;
mod facet;
mod filter;
mod filter_expr;
pub mod guid;
mod intern;
pub mod load;
pub mod remote;
mod view;

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

pub use batch::{Batch, DETAIL_CAP};
pub use build::Builder;
pub use dict::{Dict, TextDict};
pub use facet::FacetRow;
pub use filter::{Clause, Filter, FuzzyCache, Selection, fuzzy_is_match, fuzzy_matcher};
pub use filter_expr::FilterError;
pub use load::{InputReport, LoadReport, Progress, Rejection};
pub use view::{EventRecord, ObjectRecord, SettingsRecord};

use crate::event::{AccessChange, Identity, ObjectRef, Operation, Outcome, Ticks, Vault, VaultSettings};
use crate::ingest::{Container, Source, record::Columns as TableColumns};

/// The pivot dimensions: each is an interned column with total / failed facet counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    CallerIp,
    Identity,
    Vault,
    Operation,
    Object,
    UserAgent,
    Status,
}

impl Dim {
    pub const ALL: [Dim; 7] =
        [Dim::CallerIp, Dim::Identity, Dim::Vault, Dim::Operation, Dim::Object, Dim::UserAgent, Dim::Status];
    pub const COUNT: usize = Dim::ALL.len();

    pub fn name(self) -> &'static str {
        match self {
            Dim::CallerIp => "caller_ip",
            Dim::Identity => "identity",
            Dim::Vault => "vault",
            Dim::Operation => "operation",
            Dim::Object => "object",
            Dim::UserAgent => "user_agent",
            Dim::Status => "status",
        }
    }

    /// By name, with the short aliases people type (`ip`, `op`, `ua`, `user`).
    pub fn parse(name: &str) -> Option<Dim> {
        Some(match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "caller_ip" | "ip" | "callerip" => Dim::CallerIp,
            "identity" | "user" | "principal" => Dim::Identity,
            "vault" => Dim::Vault,
            "operation" | "op" => Dim::Operation,
            "object" | "obj" => Dim::Object,
            "user_agent" | "ua" | "client" | "clientinfo" => Dim::UserAgent,
            "status" => Dim::Status,
            _ => return None,
        })
    }
}

/// A caller IP: the canonical address when it parses, the text as written otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpValue {
    pub text: Box<str>,
    pub addr: Option<IpAddr>,
}

/// An HTTP status, or a status word when no code is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusValue {
    pub label: Box<str>,
    pub code: Option<u16>,
    pub outcome: Outcome,
}

/// Every dictionary of the store. Id 0 of each means "absent".
#[derive(Clone)]
pub struct Dicts {
    pub ips: Dict<IpValue>,
    pub identities: Dict<Identity>,
    pub vaults: Dict<Vault>,
    pub operations: Dict<Operation>,
    pub objects: Dict<ObjectRef>,
    pub statuses: Dict<StatusValue>,
    pub user_agents: TextDict,
    pub apps: TextDict,
    pub uris: TextDict,
    pub versions: TextDict,
    pub descriptions: TextDict,
    pub tls_versions: TextDict,
    pub addr_auth_types: TextDict,
}

impl Default for Dicts {
    fn default() -> Self {
        let none =
            || ObjectRef { kind: crate::event::ObjectKind::Other, vault: "".into(), name: "".into(), version: None };
        Dicts {
            ips: Dict::new(IpValue { text: "".into(), addr: None }),
            identities: Dict::new(Identity::default()),
            vaults: Dict::new(Vault::default()),
            operations: Dict::new(Operation::classify("")),
            objects: Dict::new(none()),
            statuses: Dict::new(StatusValue { label: "".into(), code: None, outcome: Outcome::Unknown }),
            user_agents: TextDict::text(""),
            apps: TextDict::text(""),
            uris: TextDict::text(""),
            versions: TextDict::text(""),
            descriptions: TextDict::text(""),
            tls_versions: TextDict::text(""),
            addr_auth_types: TextDict::text(""),
        }
    }
}

/// The event columns, one entry per event.
#[derive(Default)]
pub struct Columns {
    pub time: Vec<i64>,
    /// One column per [`Dim`], indexed by `Dim as usize`.
    pub dims: [Vec<u32>; Dim::COUNT],
    pub token_ip: Vec<u32>,
    pub client_app: Vec<u32>,
    pub request_uri: Vec<u32>,
    pub version: Vec<u32>,
    pub description: Vec<u32>,
    /// TLS version and network authorization type: a handful of values, so 16-bit ids (see [`SMALL_OVERFLOW`]).
    pub tls: Vec<u16>,
    pub addr_auth: Vec<u16>,
    pub correlation: Vec<u128>,
    /// Milliseconds; `u32::MAX` when unknown.
    pub duration: Vec<u32>,
    pub access: Vec<u8>,
    /// Source index and byte offset of the original record, packed by [`provenance::pack`].
    pub record: Vec<u64>,
}

/// The 16-bit id that the 65,535th and every later distinct value of a small dimension share. Real logs have a
/// few TLS versions; only a hostile file gets here, and its surplus values read as one.
pub const SMALL_OVERFLOW: u16 = u16::MAX;

/// Where a record came from, in 8 bytes: the source index in the top 24 bits, the byte offset in the low 40
/// (16 million inputs of up to 1 TiB each).
pub mod provenance {
    const OFFSET_BITS: u32 = 40;
    const OFFSET_MASK: u64 = (1 << OFFSET_BITS) - 1;

    pub fn pack(source: u32, offset: u64) -> u64 {
        ((source as u64) << OFFSET_BITS) | offset.min(OFFSET_MASK)
    }

    pub fn source(packed: u64) -> u32 {
        (packed >> OFFSET_BITS) as u32
    }

    pub fn offset(packed: u64) -> u64 {
        packed & OFFSET_MASK
    }
}

/// A loaded input, kept so its records can be shown again.
#[derive(Clone)]
pub struct SourceInfo {
    pub source: Source,
    pub format: String,
    pub container: Option<Container>,
    /// Column names for row formats (Query API, CSV), to show a row as named fields.
    pub columns: Option<Arc<TableColumns>>,
}

pub struct Store {
    pub sources: Vec<SourceInfo>,
    pub cols: Columns,
    pub dicts: Dicts,
    /// Access-policy and role changes, by event, in event order.
    pub access_changes: Vec<(u32, AccessChange)>,
    /// What events said about their vault's configuration, by event, in event order (at most one per event):
    /// see [`Store::settings_of`].
    pub settings: Vec<(u32, VaultSettings)>,
    /// Correlation ids that were not GUIDs, by event.
    pub odd_correlations: std::collections::HashMap<u32, Box<str>>,
    /// Per status id: does it mean failure? (kept beside the dictionary for the counting loops)
    failed_status: Vec<bool>,
}

impl Store {
    pub fn len(&self) -> usize {
        self.cols.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cols.time.is_empty()
    }

    /// Source index and byte offset of a row's original record.
    pub fn provenance(&self, row: usize) -> (u32, u64) {
        let p = self.cols.record[row];
        (provenance::source(p), provenance::offset(p))
    }

    /// The row holding the event recorded at `provenance` with this time (rows are in time order).
    pub fn row_of(&self, time: Ticks, provenance: (u32, u64)) -> Option<usize> {
        let from = self.cols.time.partition_point(|&t| t < time.0);
        (from..self.len()).take_while(|&r| self.cols.time[r] == time.0).find(|&r| self.provenance(r) == provenance)
    }

    pub fn time(&self, row: usize) -> Ticks {
        Ticks(self.cols.time[row])
    }

    pub fn first_time(&self) -> Option<Ticks> {
        self.cols.time.first().map(|&t| Ticks(t))
    }

    pub fn last_time(&self) -> Option<Ticks> {
        self.cols.time.last().map(|&t| Ticks(t))
    }

    /// Did this row's request fail?
    pub fn failed(&self, row: usize) -> bool {
        self.failed_status[self.cols.dims[Dim::Status as usize][row] as usize]
    }

    pub fn column(&self, dim: Dim) -> &[u32] {
        &self.cols.dims[dim as usize]
    }

    /// Number of ids in a dimension's dictionary (including the reserved 0).
    pub fn cardinality(&self, dim: Dim) -> usize {
        let d = &self.dicts;
        match dim {
            Dim::CallerIp => d.ips.len(),
            Dim::Identity => d.identities.len(),
            Dim::Vault => d.vaults.len(),
            Dim::Operation => d.operations.len(),
            Dim::Object => d.objects.len(),
            Dim::UserAgent => d.user_agents.len(),
            Dim::Status => d.statuses.len(),
        }
    }

    /// What people read for a value: the IP, the identity's UPN (else object id, else app id), the vault name, …
    pub fn label(&self, dim: Dim, id: u32) -> Cow<'_, str> {
        let d = &self.dicts;
        if id == 0 {
            return Cow::Borrowed(match dim {
                Dim::Identity => "anonymous",
                Dim::Vault => "(unknown vault)",
                _ => "(none)",
            });
        }
        match dim {
            Dim::CallerIp => Cow::Borrowed(&d.ips.get(id).text),
            Dim::Identity => Cow::Borrowed(d.identities.get(id).label()),
            Dim::Vault => Cow::Borrowed(&d.vaults.get(id).name),
            Dim::Operation => Cow::Borrowed(&d.operations.get(id).name),
            Dim::Object => {
                let o = d.objects.get(id);
                Cow::Owned(format!("{}/{}/{}", o.vault, o.kind.collection(), o.name))
            }
            Dim::UserAgent => Cow::Borrowed(d.user_agents.get(id)),
            Dim::Status => Cow::Borrowed(&d.statuses.get(id).label),
        }
    }

    /// The first id of `dim` that `text` names (see [`Store::resolve`]).
    pub fn find(&self, dim: Dim, text: &str) -> Option<u32> {
        self.resolve(dim, text).first().copied()
    }
}
