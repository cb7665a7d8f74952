//! `kvtrail gen`: synthetic Azure Key Vault audit traffic, and the bundled demo dataset.
//!
//! One deterministic model (a seeded tenant, a benign traffic model, optional planted attacks) produces one logical
//! stream of events; the writers under [`write`] encode that stream in each format an investigator meets — raw
//! AuditEvent blobs, Event Hub `records` documents, AzureDiagnostics and AZKVAuditLogs exports, the Query API and
//! `az` CLI shapes, the portal CSV, the Activity Log, a whole storage account. Same seed, same events, every format:
//! that is what lets the parsers be tested against each other. Nothing reads the clock, so output is stable forever.

pub mod clients;
pub mod demo;
pub mod intel;
pub mod management;
pub mod mmdb;
pub mod names;
pub mod network;
pub mod population;
pub mod record;
pub mod request;
pub mod rng;
pub mod scenarios;
pub mod time;
pub mod timeline;
pub mod traffic;
pub mod write;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use population::World;
use timeline::Plan;
use write::{Context, Sink};

/// Output encodings of `kvtrail gen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Raw AuditEvent records, one JSON object per line (storage blob body since Nov 2018).
    Jsonl,
    /// `{"records":[…]}` documents (Event Hub messages, pre-2018 blobs), several per file.
    Records,
    /// One JSON array of raw AuditEvent records.
    Array,
    /// AzureDiagnostics rows, JSON array of objects (absent columns omitted).
    Diagnostics,
    /// A Log Analytics Query API response (`tables`/`columns`/`rows`) with AzureDiagnostics columns.
    QueryApi,
    /// `az monitor log-analytics query` output: every value a Python `str()`.
    AzCli,
    /// AZKVAuditLogs rows, JSON array of objects.
    Azkv,
    /// Log Analytics portal "Export to CSV - all columns" of AzureDiagnostics.
    Csv,
    /// Activity Log REST EventData JSON array (management events only).
    Activity,
    /// A storage-account directory tree: insights-logs-auditevent and insights-activity-logs blobs.
    Storage,
}

/// Arguments of `kvtrail gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of AuditEvent records (benign traffic) to generate.
    #[arg(long, default_value_t = 10_000)]
    pub events: u64,
    /// Seed: the same seed gives byte-identical output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output file (`-` for stdout, `.gz` suffix for gzip); a directory for `storage` and `--demo`.
    #[arg(long)]
    pub out: PathBuf,
    /// Output encoding.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Length of the window in days.
    #[arg(long, default_value_t = 7)]
    pub days: u64,
    /// Window start (RFC 3339 timestamp or date, UTC).
    #[arg(long, default_value = "2026-10-01T00:00:00Z")]
    pub start: String,
    /// Write the bundled demo dataset (benign traffic with planted attacks, Activity Log, intel files,
    /// SCENARIOS.md) into the `--out` directory.
    #[arg(long, conflicts_with_all = ["events", "seed", "format", "days", "start"])]
    pub demo: bool,
}

/// Gzip level for `.gz` outputs (fixed so bytes are reproducible).
const GZIP_LEVEL: u32 = 6;

/// Builds the writer for `format`.
pub fn sink_for(format: Format, out: &Path, ctx: Context) -> anyhow::Result<Box<dyn Sink>> {
    use write::*;
    if format == Format::Storage {
        anyhow::ensure!(out.as_os_str() != "-", "--format storage writes a directory tree; give a directory to --out");
        return Ok(Box::new(storage::StorageAccount::new(out, ctx)?));
    }
    let output = Output::open(out, GZIP_LEVEL).with_context(|| format!("opening {}", out.display()))?;
    Ok(match format {
        Format::Jsonl => Box::new(jsonl::JsonLines::new(output)),
        Format::Records => Box::new(records::RecordsDocuments::new(output)),
        Format::Array => Box::new(array::JsonArray::new(output)),
        Format::Diagnostics => Box::new(diagnostics::DiagnosticsRows::new(output, ctx)),
        Format::QueryApi => Box::new(query_api::QueryApiResponse::new(output, ctx)?),
        Format::AzCli => Box::new(az_cli::AzCliRows::new(output, ctx)),
        Format::Azkv => Box::new(azkv::AzkvRows::new(output, ctx)),
        Format::Csv => Box::new(csv::PortalCsv::new(output, ctx)?),
        Format::Activity => Box::new(activity::ActivityArray::new(output, ctx)),
        Format::Storage => anyhow::bail!("--format storage needs a directory"),
    })
}

/// Entry point of `kvtrail gen`.
pub fn run(args: &GenArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    if args.demo {
        let counts = demo::write(&args.out)?;
        eprintln!(
            "kvtrail gen: demo dataset with {} AuditEvent records and {} Activity Log events written to {} in {:.1?}",
            counts.audit,
            counts.management,
            args.out.display(),
            started.elapsed()
        );
        return Ok(());
    }
    anyhow::ensure!(args.days >= 1, "--days must be at least 1");
    let start = time::parse_start(&args.start)?;
    let plan = Plan {
        seed: args.seed,
        events: args.events,
        start,
        days: args.days,
        decommission: args.days >= 2 && args.events >= 20_000,
    };
    let world = World::build(plan.seed, plan.events);
    let mut sink = sink_for(args.format, &args.out, Context::of(&world))?;
    let mut world = world;
    let result = timeline::stream(&mut world, &plan, Vec::new(), sink.as_mut()).and_then(|c| sink.finish().map(|()| c));
    let counts = match result {
        Ok(c) => c,
        // `kvtrail gen --out - | head` closes the pipe early: not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("writing {}", args.out.display())));
        }
    };
    if args.out.as_os_str() != "-" {
        eprintln!(
            "kvtrail gen: {} AuditEvent records and {} Activity Log events ({:?}) written to {} in {:.1?}",
            counts.audit,
            counts.management,
            args.format,
            args.out.display(),
            started.elapsed()
        );
    }
    Ok(())
}
