//! The catalogue's pre-filters (DETECTIONS.md §7.2), applied before any counting, windowing or baselining:
//! routine noise that would otherwise drown every denial and volume rule. Each is decided once per distinct
//! value (operation, status, user agent, app), then the rows are one pass of table lookups.

use serde::Serialize;

use crate::store::{Dim, Store};

/// Azure Resource Graph and Policy Insights index vaults with `VaultGet` all day (Sentinel's allow-list).
pub const INDEXER_APPS: [&str; 2] = ["509e4652-da8d-478d-a730-e9d4a1996ca4", "8cae6e77-e04e-42ce-b5cb-50d82bce26b1"];

/// User agents of infrastructure-as-code tools, whose plans probe for objects and get routine 404s.
const IAC_AGENTS: [&str; 6] = ["terraform", "pulumi", "bicep", "ansible", "crossplane", "hashicorp"];

/// How many rows each pre-filter dropped, so the report can say what was not looked at.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Prefiltered {
    /// `Authentication` with 401: the SDK's unauthenticated first request.
    pub auth_challenges: usize,
    /// 404 on a `*Get` from an IaC tool (`terraform plan`).
    pub iac_not_found: usize,
    /// The Azure Policy scanner (`PolicyScan-GF`).
    pub policy_scans: usize,
    /// `VaultGet` by Azure Resource Graph or Policy Insights.
    pub indexer_vault_gets: usize,
}

impl Prefiltered {
    pub fn total(&self) -> usize {
        self.auth_challenges + self.iac_not_found + self.policy_scans + self.indexer_vault_gets
    }
}

/// The keep mask over rows, and what was dropped.
pub fn keep(store: &Store) -> (Vec<bool>, Prefiltered) {
    let d = &store.dicts;
    let ops = d.operations.values();
    let is_auth: Vec<bool> = ops.iter().map(|o| o.name.eq_ignore_ascii_case("Authentication")).collect();
    let is_get: Vec<bool> = ops.iter().map(|o| o.name.to_ascii_lowercase().ends_with("get")).collect();
    let is_vault_get: Vec<bool> = ops.iter().map(|o| o.name.eq_ignore_ascii_case("VaultGet")).collect();
    let code: Vec<Option<u16>> = d.statuses.values().iter().map(|s| s.code).collect();
    let agents: Vec<(bool, bool)> = (0..d.user_agents.len() as u32)
        .map(|id| {
            let ua = d.user_agents.get(id).to_ascii_lowercase();
            (ua.trim() == "policyscan-gf", IAC_AGENTS.iter().any(|a| ua.contains(a)))
        })
        .collect();
    let indexer_app: Vec<bool> = (0..d.apps.len() as u32).map(|id| is_indexer(d.apps.get(id))).collect();
    let indexer_identity: Vec<bool> =
        d.identities.values().iter().map(|i| i.appid.as_deref().is_some_and(is_indexer)).collect();

    let c = &store.cols;
    let (op, status, ua, ident) = (
        &c.dims[Dim::Operation as usize],
        &c.dims[Dim::Status as usize],
        &c.dims[Dim::UserAgent as usize],
        &c.dims[Dim::Identity as usize],
    );
    let mut counts = Prefiltered::default();
    let keep = (0..store.len())
        .map(|r| {
            let (o, s, u) = (op[r] as usize, code[status[r] as usize], agents[ua[r] as usize]);
            let dropped = if is_auth[o] && s == Some(401) {
                &mut counts.auth_challenges
            } else if is_get[o] && s == Some(404) && u.1 {
                &mut counts.iac_not_found
            } else if u.0 {
                &mut counts.policy_scans
            } else if is_vault_get[o] && (indexer_app[c.client_app[r] as usize] || indexer_identity[ident[r] as usize])
            {
                &mut counts.indexer_vault_gets
            } else {
                return true;
            };
            *dropped += 1;
            false
        })
        .collect();
    (keep, counts)
}

fn is_indexer(app: &str) -> bool {
    INDEXER_APPS.iter().any(|a| a.eq_ignore_ascii_case(app.trim()))
}
