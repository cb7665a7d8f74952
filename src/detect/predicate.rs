//! A rule's `Match` compiled against one store: each condition becomes a truth table over a dictionary
//! (operations, statuses, user agents, apps, identities), so testing a row is a handful of array lookups
//! whatever the text conditions were.

use crate::event::IdentityKind;
use crate::store::Dim;

use super::ctx::Ctx;
use super::spec::{Match, OutcomeSpec};

pub struct Pred {
    ops: Option<Vec<bool>>,
    status: Option<Vec<bool>>,
    agents: Option<Vec<bool>>,
    apps: Option<Vec<bool>>,
    kinds: Option<Vec<bool>>,
}

/// `*`-glob, case-insensitive (`"*Purge"`, `"Secret*"`).
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !t.starts_with(first) || !t[first.len()..].ends_with(last) || t.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &t[first.len()..t.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

fn table(n: usize, f: impl Fn(u32) -> bool) -> Vec<bool> {
    (0..n as u32).map(f).collect()
}

fn kind_name(k: IdentityKind) -> &'static str {
    match k {
        IdentityKind::User => "user",
        IdentityKind::ServicePrincipal => "service_principal",
        IdentityKind::ManagedIdentity => "managed_identity",
        IdentityKind::Anonymous => "anonymous",
    }
}

impl Pred {
    pub fn compile(ctx: &Ctx, m: &Match) -> Pred {
        let d = &ctx.store.dicts;
        let ops = (!m.operation.is_empty()).then(|| {
            table(d.operations.len(), |id| id != 0 && m.operation.iter().any(|p| glob(p, &d.operations.get(id).name)))
        });
        let wants_status = m.outcome.is_some_and(|o| o != OutcomeSpec::Any) || !m.status.is_empty();
        let status = wants_status.then(|| {
            table(d.statuses.len(), |id| {
                let s = d.statuses.get(id);
                let outcome = match m.outcome {
                    Some(OutcomeSpec::Ok) => s.outcome == crate::event::Outcome::Success,
                    Some(OutcomeSpec::Failed) => s.outcome == crate::event::Outcome::Failure,
                    Some(OutcomeSpec::Denied) => matches!(s.code, Some(401 | 403)),
                    Some(OutcomeSpec::Any) | None => true,
                };
                outcome && (m.status.is_empty() || s.code.is_some_and(|c| m.status.contains(&c)))
            })
        });
        let agents = (!m.user_agent.is_empty()).then(|| {
            let needles: Vec<String> = m.user_agent.iter().map(|s| s.to_ascii_lowercase()).collect();
            table(d.user_agents.len(), |id| {
                let ua = d.user_agents.get(id).to_ascii_lowercase();
                needles.iter().any(|n| ua.contains(n.as_str()))
            })
        });
        let apps = (!m.app_id.is_empty() || !m.not_app_id.is_empty()).then(|| {
            let is = |list: &[String], app: &str| list.iter().any(|a| a.eq_ignore_ascii_case(app.trim()));
            table(d.apps.len(), |id| {
                let app = d.apps.get(id);
                (m.app_id.is_empty() || is(&m.app_id, app)) && !is(&m.not_app_id, app)
            })
        });
        let kinds = (!m.identity_kind.is_empty()).then(|| {
            table(ctx.store.cardinality(Dim::Identity), |id| {
                let k = if id == 0 { IdentityKind::Anonymous } else { d.identities.get(id).kind() };
                m.identity_kind.iter().any(|w| w.eq_ignore_ascii_case(kind_name(k)))
            })
        });
        Pred { ops, status, agents, apps, kinds }
    }

    #[inline]
    pub fn test(&self, ctx: &Ctx, row: usize) -> bool {
        let c = &ctx.store.cols;
        let at = |t: &Option<Vec<bool>>, id: u32| t.as_ref().is_none_or(|t| t[id as usize]);
        at(&self.ops, c.dims[Dim::Operation as usize][row])
            && at(&self.status, c.dims[Dim::Status as usize][row])
            && at(&self.agents, c.dims[Dim::UserAgent as usize][row])
            && at(&self.apps, c.client_app[row])
            && at(&self.kinds, c.dims[Dim::Identity as usize][row])
    }
}

/// The identity-kind names a rule may use.
pub const KIND_NAMES: [&str; 4] = ["user", "service_principal", "managed_identity", "anonymous"];

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("*Purge", "SecretPurge"));
        assert!(glob("secret*", "SecretGet"));
        assert!(glob("SecretGet", "secretget"));
        assert!(!glob("SecretGet", "SecretGetDeleted"));
        assert!(glob("*List*", "KeyListVersions"));
        assert!(!glob("a*a", "a"));
        assert!(glob("*", "anything"));
    }
}
