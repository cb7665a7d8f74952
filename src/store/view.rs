//! One event as a whole: every normalized field resolved from the columns (for export and the detail view), and
//! the original record re-read from its source.

use std::io;

use serde::Serialize;
use serde_json::{Map, Value};

use super::batch::unpack_bool;
use super::{Dim, SMALL_OVERFLOW, Store, guid};
use crate::event::{AccessChange, VaultSettings};
use crate::ingest::Container;

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct VaultRecord {
    pub name: Option<String>,
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    pub resource_id: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct IdentityRecord {
    pub kind: &'static str,
    /// UPN when known, else object id, else app id.
    pub label: String,
    pub oid: Option<String>,
    pub upn: Option<String>,
    pub unique_name: Option<String>,
    pub appid: Option<String>,
    pub idtyp: Option<String>,
    pub xms_mirid: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ObjectRecord {
    pub kind: &'static str,
    pub name: String,
    pub version: Option<String>,
    /// The unversioned object URI.
    pub uri: String,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct AccessChangeRecord {
    pub change: &'static str,
    pub principal: String,
    pub permissions: String,
}

/// What an event said about its vault's configuration (see [`VaultSettings`]): in JSON, only the members it
/// said.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct SettingsRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rbac_authorization: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purge_protection: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_delete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_delete_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ip_rules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_ip_rules: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub removed_private_endpoint: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostic_audit: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmk_key: Option<String>,
    /// One line for people ([`VaultSettings::describe`]), e.g. `enableRbacAuthorization=false, +ipRule 1.2.3.4/32`:
    /// for the detail pane; not exported, as it repeats the members.
    #[serde(skip)]
    pub summary: String,
}

impl From<&VaultSettings> for SettingsRecord {
    fn from(s: &VaultSettings) -> SettingsRecord {
        let texts = |v: &[Box<str>]| v.iter().map(|r| r.to_string()).collect();
        SettingsRecord {
            rbac_authorization: s.rbac_authorization,
            purge_protection: s.purge_protection,
            soft_delete: s.soft_delete,
            soft_delete_days: s.soft_delete_days,
            default_action: opt(&s.default_action),
            public_network_access: opt(&s.public_network_access),
            bypass: opt(&s.bypass),
            ip_rules: texts(&s.ip_rules),
            added_ip_rules: texts(&s.added_ip_rules),
            removed_private_endpoint: s.removed_private_endpoint,
            diagnostic_audit: s.diagnostic_audit,
            cmk_key: opt(&s.cmk_key),
            summary: s.describe(),
        }
    }
}

/// Every normalized field of one event — the `export` record.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub time: String,
    pub vault: VaultRecord,
    pub operation: String,
    pub object_type: &'static str,
    pub plane: &'static str,
    /// The HTTP status code, when known.
    pub status: Option<u16>,
    /// The status as shown: the code, or a status word (`Started`) when there is no code.
    pub status_text: Option<String>,
    pub outcome: &'static str,
    pub caller_ip: Option<String>,
    pub identity: IdentityRecord,
    /// The token's client app id (for users: the tool they used).
    pub client_app: Option<String>,
    /// The `ipaddr` claim: where the token was issued.
    pub token_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_uri: Option<String>,
    pub object: Option<ObjectRecord>,
    pub correlation_id: Option<String>,
    pub duration_ms: Option<u32>,
    pub tls_version: Option<String>,
    pub rbac_authorized: Option<bool>,
    pub access_policy_match: Option<bool>,
    pub network_authorization: Option<String>,
    pub result_description: Option<String>,
    pub access_changes: Vec<AccessChangeRecord>,
    /// The vault configuration the event carried; absent from JSON when it carried none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsRecord>,
    /// Provenance: the input and the byte offset of the record in it (see `line` for the line number).
    pub source: String,
    pub offset: u64,
    pub line: Option<u64>,
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn small_text(dict: &super::TextDict, id: u16) -> Option<String> {
    if id == SMALL_OVERFLOW { Some("(other)".to_string()) } else { some(dict.get(id as u32)) }
}

fn opt(s: &Option<Box<str>>) -> Option<String> {
    s.as_deref().map(str::to_string)
}

impl Store {
    /// Access-policy / role changes recorded on a row.
    pub fn access_changes_of(&self, row: usize) -> &[(u32, AccessChange)] {
        let r = row as u32;
        let start = self.access_changes.partition_point(|(i, _)| *i < r);
        let end = self.access_changes.partition_point(|(i, _)| *i <= r);
        &self.access_changes[start..end]
    }

    /// The vault configuration recorded on a row, if its record carried any.
    pub fn settings_of(&self, row: usize) -> Option<&VaultSettings> {
        let r = row as u32;
        self.settings.binary_search_by_key(&r, |(i, _)| *i).ok().map(|at| &self.settings[at].1)
    }

    /// The normalized event at `row`. `line` is its line in the source, when the caller computed it.
    pub fn record(&self, row: usize, line: Option<u64>) -> EventRecord {
        let c = &self.cols;
        let d = &self.dicts;
        let vault = d.vaults.get(c.dims[Dim::Vault as usize][row]);
        let op = d.operations.get(c.dims[Dim::Operation as usize][row]);
        let status = d.statuses.get(c.dims[Dim::Status as usize][row]);
        let identity_id = c.dims[Dim::Identity as usize][row];
        let identity = d.identities.get(identity_id);
        let object_id = c.dims[Dim::Object as usize][row];
        let object = (object_id != 0).then(|| {
            let o = d.objects.get(object_id);
            ObjectRecord {
                kind: o.kind.as_str(),
                name: o.name.to_string(),
                version: some(d.versions.get(c.version[row])),
                uri: o.uri(),
            }
        });
        let correlation = match c.correlation[row] {
            guid::NONE => self.odd_correlations.get(&(row as u32)).map(|s| s.to_string()),
            g => Some(guid::format(g)),
        };
        EventRecord {
            time: self.time(row).to_iso(),
            vault: VaultRecord {
                name: some(&vault.name),
                subscription: opt(&vault.subscription),
                resource_group: opt(&vault.resource_group),
                resource_id: opt(&vault.resource_id),
            },
            operation: op.name.to_string(),
            object_type: op.object_type.as_str(),
            plane: op.plane.as_str(),
            status: status.code,
            status_text: some(&status.label),
            outcome: status.outcome.as_str(),
            caller_ip: some(&d.ips.get(c.dims[Dim::CallerIp as usize][row]).text),
            identity: IdentityRecord {
                kind: identity.kind().as_str(),
                label: self.label(Dim::Identity, identity_id).into_owned(),
                oid: opt(&identity.oid),
                upn: opt(&identity.upn),
                unique_name: opt(&identity.unique_name),
                appid: opt(&identity.appid),
                idtyp: opt(&identity.idtyp),
                xms_mirid: opt(&identity.xms_mirid),
            },
            client_app: some(d.apps.get(c.client_app[row])),
            token_ip: some(&d.ips.get(c.token_ip[row]).text),
            user_agent: some(d.user_agents.get(c.dims[Dim::UserAgent as usize][row])),
            request_uri: some(d.uris.get(c.request_uri[row])),
            object,
            correlation_id: correlation,
            duration_ms: (c.duration[row] != u32::MAX).then_some(c.duration[row]),
            tls_version: small_text(&d.tls_versions, c.tls[row]),
            rbac_authorized: unpack_bool(c.access[row]),
            access_policy_match: unpack_bool(c.access[row] >> 2),
            network_authorization: small_text(&d.addr_auth_types, c.addr_auth[row]),
            result_description: some(d.descriptions.get(c.description[row])),
            access_changes: self
                .access_changes_of(row)
                .iter()
                .map(|(_, ch)| AccessChangeRecord {
                    change: ch.kind.as_str(),
                    principal: ch.principal.to_string(),
                    permissions: ch.permissions.to_string(),
                })
                .collect(),
            settings: self.settings_of(row).map(SettingsRecord::from),
            source: self
                .sources
                .get(self.provenance(row).0 as usize)
                .map_or_else(String::new, |s| s.source.name.clone()),
            offset: self.provenance(row).1,
            line,
        }
    }

    /// Line numbers of many rows, reading each source once.
    pub fn lines_of(&self, rows: &[usize]) -> io::Result<Vec<u64>> {
        let mut out = vec![0; rows.len()];
        let mut by_source: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
        for (k, &row) in rows.iter().enumerate() {
            by_source.entry(self.provenance(row).0).or_default().push(k);
        }
        for (src, ks) in by_source {
            let bytes = self.sources[src as usize].source.bytes()?;
            let offsets: Vec<u64> = ks.iter().map(|&k| self.provenance(rows[k]).1).collect();
            for (k, line) in ks.iter().zip(crate::ingest::lines_of(&bytes, &offsets)) {
                out[*k] = line;
            }
        }
        Ok(out)
    }

    /// The original record of `row`, re-read from its source: the JSON object as written, or a row of a table
    /// (Query API, CSV) as named fields.
    pub fn raw_record(&self, row: usize) -> io::Result<Value> {
        let (source, offset) = self.provenance(row);
        let info = &self.sources[source as usize];
        let bytes = info.source.bytes_lazy()?;
        let start = (offset as usize).min(bytes.len());
        let raw = &bytes[start..start + crate::ingest::record_len(&bytes[start..], info.container)];
        let named = |values: Vec<Value>| -> Value {
            let names = info.columns.as_ref().map(|c| c.names.clone()).unwrap_or_default();
            Value::Object(names.into_iter().zip(values).collect::<Map<String, Value>>())
        };
        Ok(match info.container {
            Some(Container::QueryApi) => match serde_json::from_slice::<Vec<Value>>(raw) {
                Ok(values) => named(values),
                Err(_) => Value::String(String::from_utf8_lossy(raw).into_owned()),
            },
            Some(Container::Csv) => {
                let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(raw);
                match r.records().next() {
                    Some(Ok(rec)) => named(rec.iter().map(|f| Value::String(f.to_string())).collect()),
                    _ => Value::String(String::from_utf8_lossy(raw).into_owned()),
                }
            }
            _ => {
                serde_json::from_slice(raw).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(raw).into_owned()))
            }
        })
    }
}
