//! Output formats. Every writer receives the same time-ordered stream of logical events and decides only how
//! Azure (or the tool an analyst exported with) would have encoded them.

pub mod activity;
pub mod array;
pub mod auditevent;
pub mod az_cli;
pub mod azkv;
pub mod columns;
pub mod csv;
pub mod diagnostics;
pub mod json;
pub mod jsonl;
pub mod query_api;
pub mod records;
pub mod storage;

use std::fs::File;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::Path;

use flate2::{Compression, GzBuilder, write::GzEncoder};

use super::population::World;
use super::record::{AuditEvent, ManagementEvent};
use super::rng::Guid;

/// Dataset-wide values some formats print on every row.
#[derive(Debug, Clone)]
pub struct Context {
    pub tenant_id: Guid,
    /// Log Analytics workspace id: the `TenantId` column of workspace tables.
    pub workspace_id: Guid,
    /// `tenant/mg/…` prefix of Activity Log `properties.hierarchy`.
    pub management_group: String,
}

impl Context {
    pub fn of(world: &World) -> Context {
        Context {
            tenant_id: world.tenant_id,
            workspace_id: world.workspace_id,
            management_group: world.management_group.clone(),
        }
    }
}

/// A consumer of the generated stream.
pub trait Sink {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()>;
    /// Activity Log events: only the Activity Log and storage formats write them; AuditEvent formats drop them.
    fn management(&mut self, _event: &ManagementEvent) -> io::Result<()> {
        Ok(())
    }
    /// Flushes and closes everything (gzip trailers included).
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// One output stream: stdout, a plain file, or a gzip file (deterministic header: mtime 0, no file name).
pub enum Output {
    Stdout(BufWriter<Stdout>),
    File(BufWriter<File>),
    Gzip(BufWriter<GzEncoder<BufWriter<File>>>),
}

const BUFFER: usize = 1 << 20;

impl Output {
    /// `-` is stdout; a name ending in `.gz` is gzip-compressed at `level`.
    pub fn open(path: &Path, level: u32) -> io::Result<Output> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout(BufWriter::with_capacity(BUFFER, io::stdout())));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let file = BufWriter::with_capacity(BUFFER, File::create(path)?);
        if path.extension().is_some_and(|e| e == "gz") {
            let gz = GzBuilder::new().mtime(0).write(file, Compression::new(level));
            Ok(Output::Gzip(BufWriter::with_capacity(BUFFER, gz)))
        } else {
            Ok(Output::File(file))
        }
    }

    /// Before element `count` of a streamed JSON array: `[` first, `,` between.
    pub fn array_item(&mut self, count: u64) -> io::Result<()> {
        self.write_all(if count == 0 { b"[\n" } else { b",\n" })
    }

    /// Closes a streamed JSON array of `count` elements.
    pub fn close_array(&mut self, count: u64) -> io::Result<()> {
        self.write_all(if count == 0 { b"[]\n" } else { b"\n]\n" })
    }

    pub fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::File(w) => w.into_inner().map_err(|e| e.into_error())?.flush(),
            Output::Gzip(w) => {
                let gz = w.into_inner().map_err(|e| e.into_error())?;
                gz.finish()?.flush()
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(w) => w.write(buf),
            Output::Gzip(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::File(w) => w.write_all(buf),
            Output::Gzip(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(w) => w.flush(),
            Output::Gzip(w) => w.flush(),
        }
    }
}

/// Forwards the stream to several sinks (the demo writes AuditEvents and the Activity Log side by side).
pub struct Tee(pub Vec<Box<dyn Sink>>);

impl Sink for Tee {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.audit(event))
    }

    fn management(&mut self, event: &ManagementEvent) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.management(event))
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.0.into_iter().try_for_each(|s| s.finish())
    }
}
