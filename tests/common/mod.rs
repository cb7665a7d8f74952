//! Shared helpers for the integration tests: write inputs to a temporary directory, load them, read fields.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use kvtrail::store::load::{self, LoadReport};
use kvtrail::store::{EventRecord, Progress, Store};

pub struct Loaded {
    pub store: Store,
    pub report: LoadReport,
    pub dir: tempfile::TempDir,
}

impl Loaded {
    pub fn records(&self) -> Vec<EventRecord> {
        (0..self.store.len()).map(|i| self.store.record(i, None)).collect()
    }

    pub fn only(&self) -> EventRecord {
        assert_eq!(self.store.len(), 1, "expected one event; report: {:?}", self.report);
        self.store.record(0, None)
    }

    pub fn rejections(&self) -> Vec<String> {
        self.report.rejections().map(|r| format!("{}: {}", r.line, r.reason)).collect()
    }
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Loads files given as (name, content) from a fresh temporary directory.
pub fn load_files(files: &[(&str, &[u8])]) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<String> = files.iter().map(|(n, b)| write(dir.path(), n, b).display().to_string()).collect();
    let (store, report) = load::load_paths(&paths, &Progress::default());
    Loaded { store, report, dir }
}

pub fn load_one(name: &str, bytes: &[u8]) -> Loaded {
    load_files(&[(name, bytes)])
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}
