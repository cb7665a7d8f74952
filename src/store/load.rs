//! Loading inputs into a store: open, plan each input, parse every unit in parallel (one batch per unit, no
//! shared state), merge the batches in input order, and report per input what was accepted, rejected, skipped
//! and dropped as a duplicate — with the line and reason of every rejection.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use super::{Batch, Builder, SourceInfo, Store};
use crate::ingest::source::{self, Bytes};
use crate::ingest::{self, InputError, Plan, Source, Unit};

/// Load progress, readable from another thread while loading runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_total: AtomicU64,
    pub bytes_done: AtomicU64,
    pub events: AtomicU64,
    pub rejected: AtomicU64,
}

/// One rejected (or skipped) record: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub source: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InputReport {
    pub source: String,
    /// The detected format: field vocabulary / container, e.g. `auditevent/jsonl`.
    pub format: String,
    pub accepted: u64,
    pub rejected: u64,
    pub duplicates: u64,
    /// Valid records that are not Key Vault audit data (other resources' diagnostics, unrelated Activity Log).
    pub skipped: u64,
    /// The first rejections, in input order (all are counted in `rejected`).
    #[serde(skip)]
    pub rejections: Vec<Rejection>,
    #[serde(skip)]
    pub skips: Vec<Rejection>,
    /// Remarks about the input as a whole.
    #[serde(skip)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub inputs: Vec<InputReport>,
    /// Wall time of each loading phase, in order (for benchmarks and the load status).
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

impl LoadReport {
    pub fn rejected(&self) -> u64 {
        self.inputs.iter().map(|i| i.rejected).sum()
    }

    pub fn rejections(&self) -> impl Iterator<Item = &Rejection> {
        self.inputs.iter().flat_map(|i| i.rejections.iter())
    }
}

/// Wall time per loading phase.
struct Phases {
    done: Vec<(&'static str, std::time::Duration)>,
    clock: std::time::Instant,
}

impl Phases {
    fn start() -> Phases {
        Phases { done: Vec::new(), clock: std::time::Instant::now() }
    }

    /// Ends the phase running since the last lap.
    fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.done.push((name, now - self.clock));
        self.clock = now;
    }

    /// Records a phase timed elsewhere (interleaved phases) and restarts the clock.
    fn add(&mut self, name: &'static str, took: std::time::Duration) {
        self.done.push((name, took));
        self.clock = std::time::Instant::now();
    }
}

fn unit_bytes(unit: &Unit, total: usize) -> u64 {
    match unit {
        Unit::Lines { start, end } => (end - start) as u64,
        Unit::Objects(records) | Unit::Rows { rows: records, .. } => records.iter().map(|r| r.len as u64).sum(),
        Unit::Csv { start, .. } => (total - start) as u64,
    }
}

/// Opens and loads the named inputs (paths, directories, `-`).
pub fn load_paths(inputs: &[String], progress: &Progress) -> (Store, LoadReport) {
    let (sources, errors) = source::open(inputs);
    load(sources, errors, progress)
}

/// Loads opened sources; `errors` are inputs that could not be opened, reported as rejected inputs.
pub fn load(sources: Vec<Source>, errors: Vec<InputError>, progress: &Progress) -> (Store, LoadReport) {
    load_staged(sources, errors, progress, &mut |_| {})
}

/// Input read before the first partial store is offered; each later wave is [`WAVE_GROWTH`] times larger, so
/// the partial stores cost a fraction of the final build however large the input.
const FIRST_WAVE: u64 = 16 << 20;
const WAVE_GROWTH: u64 = 4;

/// Loads like [`load`], and while a large input is still loading hands `partial` a store of what has loaded so
/// far (after 16 MB, 64 MB, 256 MB, … of input), so the workbench can be used before loading ends.
pub fn load_staged(
    sources: Vec<Source>,
    errors: Vec<InputError>,
    progress: &Progress,
    partial: &mut dyn FnMut(Store),
) -> (Store, LoadReport) {
    let mut phases = Phases::start();
    let maps: Vec<io::Result<Bytes>> = sources.iter().map(Source::bytes).collect();
    let total: u64 = maps.iter().flatten().map(|b| b.len() as u64).sum();
    progress.bytes_total.fetch_add(total, Ordering::Relaxed);
    let plans: Vec<Result<Plan, String>> = maps
        .par_iter()
        .map(|m| match m {
            Ok(bytes) => ingest::plan(bytes),
            Err(e) => Err(format!("cannot read: {e}")),
        })
        .collect();
    let infos: Vec<SourceInfo> = sources
        .iter()
        .zip(&plans)
        .zip(&maps)
        .map(|((src, plan), bytes)| {
            let bytes: &[u8] = bytes.as_deref().unwrap_or_default();
            let (format, container, columns) = match plan {
                Ok(p) => (ingest::format_label(bytes, p), p.container, p.columns.clone()),
                Err(_) => ("unknown".to_string(), None, None),
            };
            SourceInfo { source: src.clone(), format, container, columns }
        })
        .collect();
    phases.lap("map and plan");

    let work: Vec<(usize, &Unit, u64)> = plans
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.as_ref().ok()?)))
        .flat_map(|(i, p)| p.units.iter().map(move |u| (i, u)))
        .map(|(i, u)| (i, u, maps[i].as_deref().map_or(0, |b| unit_bytes(u, b.len()))))
        .collect();
    let mut reports: Vec<InputReport> =
        sources.iter().map(|s| InputReport { source: s.name.clone(), ..InputReport::default() }).collect();
    let mut rejection_offsets: Vec<Vec<(u64, String)>> = vec![Vec::new(); sources.len()];
    let mut skip_offsets: Vec<Vec<(u64, String)>> = vec![Vec::new(); sources.len()];
    let mut builder = Builder::new();
    let (mut start, mut wave_bytes) = (0, FIRST_WAVE);
    let (mut parse_time, mut merge_time) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    while start < work.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < work.len() && (bytes < wave_bytes || end == start) {
            bytes += work[end].2;
            end += 1;
        }
        let wave = &work[start..end];
        let clock = std::time::Instant::now();
        let batches = parse_wave(wave, &maps, progress);
        parse_time += clock.elapsed();
        let clock = std::time::Instant::now();
        for batch in &batches {
            for (src, c) in &batch.counts {
                let r = &mut reports[*src as usize];
                r.accepted += c.events;
                r.rejected += c.rejected;
                r.skipped += c.skipped;
            }
            for (details, into) in [(&batch.rejections, &mut rejection_offsets), (&batch.skips, &mut skip_offsets)] {
                for (src, offset, reason) in details {
                    let list = &mut into[*src as usize];
                    if list.len() < super::DETAIL_CAP {
                        list.push((*offset, reason.clone()));
                    }
                }
            }
        }
        builder.add_all(batches);
        merge_time += clock.elapsed();
        start = end;
        if start < work.len() {
            partial(builder.snapshot(infos.clone()));
            wave_bytes = wave_bytes.saturating_mul(WAVE_GROWTH);
        }
    }
    phases.add("parse", parse_time);
    phases.add("merge", merge_time);

    for (i, plan) in plans.into_iter().enumerate() {
        let r = &mut reports[i];
        let name = &sources[i].name;
        let bytes: &[u8] = maps[i].as_deref().unwrap_or_default();
        match &plan {
            Ok(p) => {
                for (offset, reason) in &p.errors {
                    r.rejected += 1;
                    rejection_offsets[i].push((*offset, reason.clone()));
                }
                for (at, reason) in &p.skipped {
                    r.skipped += 1;
                    skip_offsets[i].push((at.offset, reason.clone()));
                }
            }
            Err(reason) => {
                r.rejected += 1;
                rejection_offsets[i].push((0, reason.clone()));
            }
        }
        for note in &sources[i].notes {
            r.rejected += 1;
            rejection_offsets[i].push((bytes.len() as u64, note.clone()));
        }
        r.format = infos[i].format.clone();
        if r.format.starts_with("unknown/") && r.accepted == 0 && r.skipped == 0 {
            r.notes.push(format!("no Key Vault records found; kvtrail understands {}", ingest::FORMATS_UNDERSTOOD));
        }
        let with_lines = |list: &mut Vec<(u64, String)>| -> Vec<super::Rejection> {
            list.sort_by_key(|(o, _)| *o);
            let offsets: Vec<u64> = list.iter().map(|(o, _)| *o).collect();
            let lines = ingest::lines_of(bytes, &offsets);
            list.drain(..)
                .zip(lines)
                .map(|((_, reason), line)| super::Rejection { source: name.clone(), line, reason })
                .collect()
        };
        r.rejections = with_lines(&mut rejection_offsets[i]);
        r.skips = with_lines(&mut skip_offsets[i]);
    }
    drop(sources);
    // Release the mappings: the store never needs the input bytes resident. Unmapping a large populated file
    // takes a while in the kernel, so it runs beside the merge and is awaited before returning.
    let unmapping = std::thread::spawn(move || drop(maps));
    phases.lap("report");

    let (store, duplicates) = builder.finish(infos);
    let _ = unmapping.join();
    phases.lap("sort and deduplicate");
    for (r, d) in reports.iter_mut().zip(duplicates) {
        r.duplicates = d;
        r.accepted -= d;
    }
    for e in errors {
        reports.push(InputReport {
            source: e.source.clone(),
            format: "unreadable".into(),
            rejected: 1,
            rejections: vec![super::Rejection { source: e.source, line: 0, reason: e.reason }],
            ..InputReport::default()
        });
    }
    (store, LoadReport { inputs: reports, phases: phases.done })
}

/// Parses a run of units in parallel. About two batches per thread rather than one per unit: enough to balance
/// uneven units, few enough that merging is cheap. `fold` over an indexed iterator keeps each batch's units
/// contiguous and the batches in input order, so "first sighting wins" de-duplication still means first in
/// input order.
fn parse_wave(wave: &[(usize, &Unit, u64)], maps: &[io::Result<Bytes>], progress: &Progress) -> Vec<Batch> {
    let min_units = wave.len().div_ceil(2 * rayon::current_num_threads()).max(1);
    wave.par_iter()
        .with_min_len(min_units)
        .fold(Batch::new, |mut batch, &(i, unit, unit_len)| {
            if let Ok(bytes) = &maps[i] {
                // Real records are 1–2 KB; sizing for 1 KB over-reserves a little address space, never memory.
                batch.begin(i, unit_len as usize / 1024);
                let (events, rejected) = (batch.len(), batch.rejections.len());
                ingest::parse_unit(bytes, unit, &mut batch);
                progress.bytes_done.fetch_add(unit_len, Ordering::Relaxed);
                progress.events.fetch_add((batch.len() - events) as u64, Ordering::Relaxed);
                progress.rejected.fetch_add((batch.rejections.len() - rejected) as u64, Ordering::Relaxed);
            }
            batch
        })
        .collect()
}
