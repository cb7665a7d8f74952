//! A mutation fuzzer that runs on stable Rust: seeds from every fixture, mutated (bit flips, truncation,
//! splicing, structural bytes, deep nesting, huge values, type swaps), fed through the format sniffer, the
//! framer, every record parser and the store build. Any panic fails the test and saves the input.
//!
//! `cargo test --test fuzz` runs a fixed, deterministic budget. For a long run:
//! `KVTRAIL_FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture` (seeded from the clock; prints
//! the number of inputs tried).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use kvtrail::ingest::{self, Unit};
use kvtrail::store::{Batch, Builder, Dim, Selection};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<Vec<u8>> =
        std::fs::read_dir(dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
    out.sort();
    out.push(br#"{"records":[{"time":"2026-01-01T00:00:00Z","operationName":"SecretGet","properties":{"httpStatusCode":200}}]}"#.to_vec());
    out.push(b"[]".to_vec());
    out
}

const TOKENS: [&[u8]; 16] = [
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"null",
    b"\"None\"",
    b"\\u00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"1e999",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 => data.truncate(rng.below(len + 1)),
            2 if len > 0 => {
                let i = rng.below(len);
                let j = (i + rng.below(64)).min(len);
                data.drain(i..j);
            }
            3 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(len + 1);
                data.splice(i..i, t.iter().copied());
            }
            4 => {
                // Splice in a piece of another seed.
                let other = &seeds[rng.below(seeds.len())];
                let a = rng.below(other.len() + 1);
                let b = (a + rng.below(256)).min(other.len());
                let i = rng.below(len + 1);
                data.splice(i..i, other[a..b].iter().copied());
            }
            5 => {
                let depth = 1 + rng.below(3000);
                let i = rng.below(len + 1);
                let open = if rng.below(2) == 0 { b'[' } else { b'{' };
                data.splice(i..i, std::iter::repeat_n(open, depth));
            }
            6 if len > 0 => {
                // Duplicate a range (repeated records, repeated keys).
                let a = rng.below(len);
                let b = (a + rng.below(512)).min(len);
                let piece = data[a..b].to_vec();
                data.splice(b..b, piece);
            }
            7 => {
                let i = rng.below(len + 1);
                let n = rng.below(4096);
                data.splice(i..i, std::iter::repeat_n(b'A', n));
            }
            8 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            _ => {
                // A value of the wrong type where a string was.
                if let Some(i) = data.windows(2).position(|w| w == b":\"").filter(|_| rng.below(2) == 0) {
                    let replacement: &[u8] = [b"{}".as_slice(), b"[1,2]", b"12", b"true", b"null"][rng.below(5)];
                    data.splice(i + 1..i + 2, replacement.iter().copied());
                }
            }
        }
    }
    data
}

/// Everything ingest and the store do with bytes, for one input.
fn exercise(bytes: &[u8]) {
    let mut builder = Builder::new();
    let mut batch = Batch::new();
    if let Ok(plan) = ingest::plan(bytes) {
        let _ = ingest::format_label(bytes, &plan);
        for unit in &plan.units {
            batch.begin(0, 16);
            ingest::parse_unit(bytes, unit, &mut batch);
            if let Unit::Lines { .. } = unit {
                let _ = ingest::lines_of(bytes, &[0, bytes.len() as u64 / 2, u64::MAX]);
            }
        }
    }
    builder.add(batch);
    let (store, _) = builder.finish(Vec::new());
    for dim in Dim::ALL {
        for f in store.facets(dim, &Selection::All(store.len())) {
            let _ = store.label(dim, f.id);
        }
    }
    for row in 0..store.len().min(8) {
        let _ = store.record(row, None);
    }
    let text = String::from_utf8_lossy(bytes);
    let _ = kvtrail::ingest::dynamic::parse(&text);
    let _ = kvtrail::event::Ticks::parse_any(&text);
    let _ = kvtrail::event::ObjectRef::parse(&text);
    let _ = kvtrail::event::Vault::from_resource_id(&text);
    let _ = kvtrail::event::ip::parse(&text);
}

#[test]
fn fuzz_ingest_and_store() {
    let seconds: Option<u64> = std::env::var("KVTRAIL_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok());
    let seed = if seconds.is_some() {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
    } else {
        0x9E37_79B9_7F4A_7C15
    };
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let budget = if seconds.is_some() { u64::MAX } else { 10_000 };
    let seeds = seeds();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut tried = 0u64;
    while tried < budget && deadline.is_none_or(|d| Instant::now() < d) {
        let input = mutate(&mut rng, &seeds);
        if catch_unwind(AssertUnwindSafe(|| exercise(&input))).is_err() {
            let path = std::env::temp_dir().join(format!("kvtrail-fuzz-crash-{seed:x}-{tried}.bin"));
            std::fs::write(&path, &input).unwrap();
            panic!("input {tried} (seed {seed:#x}) panicked; saved to {}", path.display());
        }
        tried += 1;
    }
    println!("fuzz: {tried} inputs in {:.1?} without a panic (seed {seed:#x})", started.elapsed());
}
