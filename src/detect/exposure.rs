//! "What must be rotated" (DETECTIONS.md §9): every secret, key or certificate an actor of a medium-or-worse
//! finding successfully read, exported or backed up, from that finding's first event on. A certificate whose
//! addressable secret was read had its private key exported, so the certificate is listed too.

use std::collections::BTreeMap;

use crate::event::ObjectKind;
use crate::store::Dim;

use super::ctx::Ctx;
use super::finding::Finding;
use super::severity::Severity;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposed {
    pub vault: u32,
    pub object: u32,
    /// Identity ids, in first-read order.
    pub read_by: Vec<u32>,
    pub first_read: i64,
    pub last_read: i64,
    /// The object was listed because its certificate's secret (the private key) was read.
    pub via_secret: bool,
}

/// Operations that hand out an object's value (or an encrypted copy of it).
const READS: [&str; 6] = ["SecretGet", "KeyGet", "SecretBackup", "KeyBackup", "CertificateBackup", "SecretRestore"];

pub fn objects(ctx: &Ctx, findings: &[Finding]) -> Vec<Exposed> {
    // The earliest finding time per actor.
    let mut since: BTreeMap<u32, i64> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.severity >= Severity::Medium) {
        for &i in &f.identities {
            let t = since.entry(i).or_insert(f.first);
            *t = (*t).min(f.first);
        }
    }
    if since.is_empty() {
        return Vec::new();
    }
    let reads = ctx.op_set(&READS);
    let d = &ctx.store.dicts;
    let mut out: BTreeMap<u32, Exposed> = BTreeMap::new();
    let mut record = |object: u32, vault: u32, identity: u32, t: i64, via_secret: bool| {
        let e = out.entry(object).or_insert(Exposed {
            vault,
            object,
            read_by: Vec::new(),
            first_read: t,
            last_read: t,
            via_secret,
        });
        if !e.read_by.contains(&identity) {
            e.read_by.push(identity);
        }
        e.first_read = e.first_read.min(t);
        e.last_read = e.last_read.max(t);
    };
    let first = since.values().copied().min().unwrap_or(0);
    let start = ctx.store.cols.time.partition_point(|&t| t < first);
    for r in start..ctx.len() {
        let (identity, object) = (ctx.identity(r), ctx.object(r));
        if object == 0
            || !ctx.ok(r)
            || !reads[ctx.op(r) as usize]
            || since.get(&identity).is_none_or(|&t| ctx.time(r) < t)
        {
            continue;
        }
        let (vault, t) = (ctx.vault(r), ctx.time(r));
        record(object, vault, identity, t, false);
        let o = d.objects.get(object);
        if o.kind == ObjectKind::Secret {
            // The certificate of the same name in the same vault, if the logs know one.
            let key = format!("{}/certificates/{}", o.vault, o.name.to_ascii_lowercase());
            if let Some(cert) = d.objects.find(&key) {
                record(cert, vault, identity, t, true);
            }
        }
    }
    let mut list: Vec<Exposed> = out.into_values().collect();
    list.sort_by(|a, b| {
        (ctx.label(Dim::Vault, a.vault), ctx.label(Dim::Object, a.object))
            .cmp(&(ctx.label(Dim::Vault, b.vault), ctx.label(Dim::Object, b.object)))
    });
    list
}
