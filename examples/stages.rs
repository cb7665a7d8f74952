//! Where load time goes: each stage of the record pipeline timed alone, single-threaded, over the lines of a
//! JSON Lines file (a development aid for BENCHMARKS.md; `cargo run --release --example stages -- FILE`).

use std::time::Instant;

use kvtrail::ingest::record::{object_slots, parse_object};
use kvtrail::ingest::scan::Scanner;
use kvtrail::ingest::{RecordRef, Sink, Verdict};
use kvtrail::store::Batch;

fn main() {
    let path = std::env::args().nth(1).expect("usage: stages FILE [LINES]");
    let limit: usize = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(300_000);
    let bytes = std::fs::read(path).expect("readable file");
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).take(limit).collect();
    let n = lines.len() as f64;
    let time = |name: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        println!("{name:<28} {:>7.3} µs/record", t.elapsed().as_secs_f64() * 1e6 / n);
    };
    time("utf-8 check of line", &mut || {
        for l in &lines {
            std::hint::black_box(std::str::from_utf8(l).is_ok());
        }
    });
    time("quote index (SSE2)", &mut || {
        let mut positions: Vec<u32> = Vec::with_capacity(256);
        for l in &lines {
            positions.clear();
            let mut i = 0;
            while i + 16 <= l.len() {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: reads 16 bytes at `i` with `i + 16 <= l.len()`; SSE2 is baseline on x86_64.
                let mut mask = unsafe {
                    use std::arch::x86_64::*;
                    let v = _mm_loadu_si128(l.as_ptr().add(i).cast());
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8))) as u32
                };
                #[cfg(not(target_arch = "x86_64"))]
                let mut mask = 0u32;
                while mask != 0 {
                    positions.push(i as u32 + mask.trailing_zeros());
                    mask &= mask - 1;
                }
                i += 16;
            }
            std::hint::black_box(&positions);
        }
    });
    time("structural skip", &mut || {
        for l in &lines {
            std::hint::black_box(Scanner::new(l).skip_value().is_ok());
        }
    });
    time("slots", &mut || {
        for l in &lines {
            std::hint::black_box(object_slots(l).is_ok());
        }
    });
    time("slots + normalize", &mut || {
        for l in &lines {
            std::hint::black_box(matches!(parse_object(l, RecordRef::default()), Verdict::Event(_)));
        }
    });
    let mut batch = Batch::new();
    time("slots + normalize + intern", &mut || {
        for l in &lines {
            let v = parse_object(l, RecordRef::default());
            batch.verdict(RecordRef::default(), v);
        }
    });
    println!("{} events", batch.len());
}
