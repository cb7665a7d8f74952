//! Opening inputs: files, directories (recursively, e.g. a storage account's `insights-logs-auditevent/…/PT1H.json`
//! tree), `-` for stdin, gzip transparently, UTF-16 (Windows PowerShell's default) transcoded. Files are
//! memory-mapped; anything that must be decoded first is spooled to an unlinked temporary file and mapped
//! from there, so every source can be re-read later — that is how the detail view shows an original record
//! without the store keeping it in memory.

use std::fs::File;
use std::io::{self, Read, Write};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

/// Decompressed gzip output is capped at this multiple of the compressed size (and at least 4 GiB): a real
/// log compresses 10–30×, a gzip bomb thousands of times.
const MAX_GZIP_RATIO: u64 = 256;
const MIN_GZIP_CAP: u64 = 4 << 30;

#[derive(Debug, Clone)]
pub enum Origin {
    File(PathBuf),
    /// Decoded bytes (gzip, UTF-16, stdin) in an unlinked temporary file.
    Spool(Arc<File>),
    Static(&'static [u8]),
}

/// One input, as loaded.
#[derive(Debug, Clone)]
pub struct Source {
    /// What the user named (path, `-`, `demo:…`), for every message about it.
    pub name: String,
    pub origin: Origin,
    /// Problems with the input as a whole that still let part of it load (a truncated gzip stream).
    pub notes: Vec<String>,
}

/// The bytes of a source: mapped, or static.
pub enum Bytes {
    Mapped(memmap2::Mmap),
    Static(&'static [u8]),
    Empty,
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Static(s) => s,
            Bytes::Empty => &[],
        }
    }
}

fn map(file: &File, populate: bool) -> io::Result<Bytes> {
    if file.metadata()?.len() == 0 {
        return Ok(Bytes::Empty);
    }
    // SAFETY: the mapping is read-only. A file truncated by another process while mapped can fault on access;
    // log files are append-only in practice (Azure appends to PT1H.json), and spools are private to us.
    // `populate` maps every page up front: one pass in the kernel instead of a fault per 4 KiB page.
    let mut options = memmap2::MmapOptions::new();
    if populate {
        options.populate();
    }
    let m = unsafe { options.map(file)? };
    Ok(Bytes::Mapped(m))
}

impl Source {
    /// Maps the source's bytes. Cheap; callers drop the mapping when done so it does not stay resident.
    pub fn bytes(&self) -> io::Result<Bytes> {
        self.mapped(true)
    }

    /// Maps the bytes without reading them in: for touching one record (the detail view), where populating a
    /// gigabyte to read a kilobyte would stall.
    pub fn bytes_lazy(&self) -> io::Result<Bytes> {
        self.mapped(false)
    }

    fn mapped(&self, populate: bool) -> io::Result<Bytes> {
        match &self.origin {
            Origin::File(p) => map(&File::open(p)?, populate),
            Origin::Spool(f) => map(f, populate),
            Origin::Static(s) => Ok(Bytes::Static(s)),
        }
    }

    /// A source for bytes compiled into the binary (the demo dataset); decoded like a file.
    pub fn from_static(name: &str, bytes: &'static [u8]) -> io::Result<Source> {
        match decode(bytes, &mut &bytes[..], bytes.len() as u64)? {
            Some((spool, notes)) => {
                Ok(Source { name: name.to_string(), origin: Origin::Spool(Arc::new(spool)), notes })
            }
            None => Ok(Source { name: name.to_string(), origin: Origin::Static(bytes), notes: vec![] }),
        }
    }
}

impl Source {
    /// A source for bytes fetched at run time (a Log Analytics response): spooled to an unlinked temporary
    /// file, so the detail view can re-read a record later without the bytes staying in memory.
    pub fn from_vec(name: &str, bytes: &[u8]) -> io::Result<Source> {
        let mut file = spool()?;
        file.write_all(bytes)?;
        Ok(Source { name: name.to_string(), origin: Origin::Spool(Arc::new(file)), notes: vec![] })
    }
}

/// An input that could not be opened at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub source: String,
    pub reason: String,
}

/// A stretch of time whose rows could not all be fetched from a live source, and why: shown in the workbench
/// (timeline, status line, load-errors panel) and in the report, never a silent hole.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    pub from: jiff::Timestamp,
    pub to: jiff::Timestamp,
    pub reason: String,
}

/// What a live source says about itself as its sources arrive: the status line, the gaps and the queries it
/// sent (the workbench shows them; the headless commands print the status line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamState {
    /// One line: slices, rows, throttled waits, gaps, follow polls.
    pub status: String,
    /// Stretches that could not be fetched: drawn on the timeline and listed in the load-errors panel.
    pub gaps: Vec<Gap>,
    /// The KQL sent, for the analyst to read and reuse.
    pub queries: Vec<String>,
    /// The sources so far are a complete answer (the fetch, or a follow poll, is done): the store built from
    /// them is final until more arrive, and the detections run on it.
    pub settled: bool,
}

/// A gap as the loader reports an input it could not read: listed, with its reason, in the load-errors panel.
impl From<&Gap> for InputError {
    fn from(gap: &Gap) -> Self {
        InputError { source: format!("GAP {}/{}", gap.from, gap.to), reason: gap.reason.clone() }
    }
}

fn spool() -> io::Result<File> {
    tempfile::tempfile()
}

/// Copies `reader` into a spool, stopping at `cap` bytes. Returns the spool and whether the stream ended early.
fn spool_from(reader: &mut dyn Read, cap: u64) -> io::Result<(File, Option<String>)> {
    let mut out = io::BufWriter::with_capacity(1 << 20, spool()?);
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    let mut note = None;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                total += n as u64;
                if total > cap {
                    note = Some(format!(
                        "decompressed data exceeds {} MiB (a gzip bomb?); the rest was not read",
                        cap >> 20
                    ));
                    break;
                }
                out.write_all(&buf[..n])?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                note = Some(match e.kind() {
                    io::ErrorKind::UnexpectedEof => format!(
                        "the gzip stream is truncated after {total} decompressed bytes; what came before was loaded"
                    ),
                    _ => format!(
                        "the gzip stream is corrupt after {total} decompressed bytes ({e}); what came before was loaded"
                    ),
                });
                break;
            }
        }
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    Ok((file, note))
}

/// Transcodes UTF-16 (with BOM) to UTF-8 in a spool.
fn spool_utf16(bytes: &[u8], big_endian: bool) -> io::Result<File> {
    let units = bytes[2..]
        .chunks_exact(2)
        .map(|c| if big_endian { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) });
    let mut out = io::BufWriter::new(spool()?);
    let mut tmp = [0u8; 4];
    for ch in char::decode_utf16(units) {
        out.write_all(ch.unwrap_or('\u{FFFD}').encode_utf8(&mut tmp).as_bytes())?;
    }
    out.into_inner().map_err(|e| e.into_error())
}

/// Decodes `head` (the start of the input) if it needs decoding: gzip or UTF-16. `None` when it is plain.
fn decode(head: &[u8], rest: &mut dyn Read, compressed_len: u64) -> io::Result<Option<(File, Vec<String>)>> {
    if head.starts_with(&[0x1f, 0x8b]) {
        let cap = (compressed_len.saturating_mul(MAX_GZIP_RATIO)).max(MIN_GZIP_CAP);
        let (file, note) = spool_from(&mut MultiGzDecoder::new(rest), cap)?;
        return Ok(Some((file, note.into_iter().collect())));
    }
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        let mut all = Vec::new();
        rest.read_to_end(&mut all)?;
        return Ok(Some((spool_utf16(&all, all.starts_with(&[0xfe, 0xff]))?, vec![])));
    }
    Ok(None)
}

fn open_file(path: &Path, name: String) -> Result<Source, InputError> {
    let err = |e: io::Error| InputError { source: name.clone(), reason: e.to_string() };
    let mut file = File::open(path).map_err(err)?;
    let mut head = [0u8; 2];
    let n = file.read(&mut head).map_err(err)?;
    let len = file.metadata().map_err(err)?.len();
    let mut file = File::open(path).map_err(err)?;
    match decode(&head[..n], &mut file, len).map_err(err)? {
        Some((spool, notes)) => Ok(Source { name, origin: Origin::Spool(Arc::new(spool)), notes }),
        None => Ok(Source { name, origin: Origin::File(path.to_path_buf()), notes: vec![] }),
    }
}

/// The subdirectory of a log directory that holds reference data (service tags, Tor lists, …), not logs —
/// the layout of `assets/demo` and what `--intel` reads; commands pick it up with [`intel_dirs`].
pub const INTEL_DIR: &str = "intel";

/// `intel/` directories directly inside the directories among `inputs`.
pub fn intel_dirs(inputs: &[String]) -> Vec<PathBuf> {
    inputs.iter().map(|i| Path::new(i).join(INTEL_DIR)).filter(|p| p.is_dir()).collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        let kind = e.file_type()?;
        // Hidden files, notes (`*.md`) and reference data are not logs, when met while walking a directory
        // (a file named on the command line is always read).
        if name.starts_with('.') || name.to_ascii_lowercase().ends_with(".md") || (kind.is_dir() && name == INTEL_DIR) {
            continue;
        }
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() || path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Opens every input the user named. Directories expand to the files under them, in name order (which for the
/// storage-account layout is time order). Inputs that cannot be opened are returned as errors; the rest load.
pub fn open(inputs: &[String]) -> (Vec<Source>, Vec<InputError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        if input == "-" {
            let stdin = io::stdin();
            let mut lock = stdin.lock();
            let mut head = Vec::new();
            let result = (&mut lock).take(2).read_to_end(&mut head).and_then(|_| {
                let mut chained = io::Cursor::new(head.clone()).chain(&mut lock);
                match decode(&head, &mut chained, u64::MAX / MAX_GZIP_RATIO)? {
                    Some(done) => Ok(done),
                    None => spool_from(&mut chained, u64::MAX).map(|(f, n)| (f, n.into_iter().collect())),
                }
            });
            match result {
                Ok((file, notes)) => {
                    sources.push(Source { name: "-".into(), origin: Origin::Spool(Arc::new(file)), notes })
                }
                Err(e) => errors.push(InputError { source: "-".into(), reason: e.to_string() }),
            }
            continue;
        }
        let path = Path::new(input);
        match std::fs::metadata(path) {
            Err(e) => errors.push(InputError { source: input.clone(), reason: e.to_string() }),
            Ok(m) if m.is_dir() => {
                let mut files = Vec::new();
                match walk(path, &mut files) {
                    Err(e) => errors.push(InputError { source: input.clone(), reason: e.to_string() }),
                    Ok(()) if files.is_empty() => {
                        errors.push(InputError { source: input.clone(), reason: "the directory holds no files".into() })
                    }
                    Ok(()) => {
                        for f in files {
                            match open_file(&f, f.display().to_string()) {
                                Ok(s) => sources.push(s),
                                Err(e) => errors.push(e),
                            }
                        }
                    }
                }
            }
            Ok(_) => match open_file(path, input.clone()) {
                Ok(s) => sources.push(s),
                Err(e) => errors.push(e),
            },
        }
    }
    (sources, errors)
}
