//! Puts benign hours and planted scenarios into one time-ordered stream, holding at most an hour (plus spill-over)
//! of events in memory, so million-event datasets stream straight to the writer.

use std::io;

use super::population::World;
use super::record::Generated;
use super::time::{TICKS_PER_HOUR, Ticks};
use super::traffic::Benign;
use super::write::Sink;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    pub events: u64,
    pub start: Ticks,
    pub days: u64,
    /// Decommission the sandbox vault (vault delete/recover/purge on the Activity Log side).
    pub decommission: bool,
}

/// How many events of each plane were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub audit: u64,
    pub management: u64,
}

fn emit(sink: &mut dyn Sink, counts: &mut Counts, g: &Generated) -> io::Result<()> {
    match g {
        Generated::Audit(e) => {
            counts.audit += 1;
            sink.audit(e)
        }
        Generated::Management(m) => {
            counts.management += 1;
            sink.management(m)
        }
    }
}

/// Generates the benign traffic of `plan`, merges `planted` (time-ordered) into it and feeds `sink`.
pub fn stream(world: &mut World, plan: &Plan, planted: Vec<Generated>, sink: &mut dyn Sink) -> io::Result<Counts> {
    let mut benign = Benign::new(plan.seed, plan.events, plan.start, plan.days, plan.decommission);
    let mut counts = Counts::default();
    let mut planted = planted.into_iter().peekable();
    let mut carry: Vec<Generated> = Vec::new();
    for h in 0..benign.hours() {
        let hour_end = benign.hour_start(h) + TICKS_PER_HOUR;
        let mut buffer = std::mem::take(&mut carry);
        benign.hour(world, h, &mut buffer);
        while let Some(g) = planted.next_if(|g| g.time() < hour_end) {
            buffer.push(g);
        }
        // Stable sort: simultaneous events keep their generation order, so output is deterministic.
        buffer.sort_by_key(Generated::time);
        let split = buffer.partition_point(|g| g.time() < hour_end);
        carry = buffer.split_off(split);
        for g in &buffer {
            emit(sink, &mut counts, g)?;
        }
    }
    carry.extend(planted);
    carry.sort_by_key(Generated::time);
    for g in &carry {
        emit(sink, &mut counts, g)?;
    }
    Ok(counts)
}
