//! The analyst's sensitive-object watchlist (break-glass credentials, signing keys): a finding that touches a
//! watched object is raised one severity level and says which entry matched. The catalogue has no id of its
//! own for this — it sharpens the rules that already fired.

use crate::intel::Intel;

use super::ctx::Ctx;
use super::finding::Finding;

pub fn escalate(ctx: &Ctx, intel: &Intel, findings: &mut [Finding]) {
    let Some(list) = &intel.watchlist else { return };
    let d = &ctx.store.dicts;
    for f in findings.iter_mut() {
        let hit = f.objects.iter().find_map(|&o| {
            let obj = d.objects.get(o);
            list.matches(&obj.vault, obj.kind, &obj.name).map(|e| (obj.path(), e))
        });
        if let Some((object, entry)) = hit {
            f.severity = f.severity.raised();
            f.explanation
                .push_str(&format!(" It touches {object}, on the sensitive-object watchlist ({}).", entry.pattern));
        }
    }
}
