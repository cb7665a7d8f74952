//! The bundled demo dataset, compiled into the binary so `kvtrail demo` works on a jump box with nothing else:
//! benign Key Vault traffic with tabletop scenarios planted in it (`assets/demo/SCENARIOS.md`). It is written by
//! `kvtrail gen --demo`, and a test checks the committed files are exactly what the generator writes.

use std::io;

use crate::ingest::Source;
use crate::intel::{Intel, IntelError};

const AUDIT_EVENTS: &[u8] = include_bytes!("../assets/demo/auditevent.jsonl.gz");
const ACTIVITY_LOG: &[u8] = include_bytes!("../assets/demo/activity-log.json");

/// The reference data shipped with the demo (`assets/demo/intel/`): what the Tor and outside-Azure scenarios
/// are detected with.
const INTEL: [(&str, &[u8]); 3] = [
    (
        "demo:assets/demo/intel/ServiceTags_Public_20261005.json",
        include_bytes!("../assets/demo/intel/ServiceTags_Public_20261005.json"),
    ),
    ("demo:assets/demo/intel/tor-exit-nodes.txt", include_bytes!("../assets/demo/intel/tor-exit-nodes.txt")),
    ("demo:assets/demo/intel/watchlist.txt", include_bytes!("../assets/demo/intel/watchlist.txt")),
];

pub fn intel() -> Result<Intel, IntelError> {
    Intel::from_embedded(&INTEL)
}

/// The demo inputs, named as they are in the repository.
pub fn sources() -> io::Result<Vec<Source>> {
    Ok(vec![
        Source::from_static("demo:assets/demo/auditevent.jsonl.gz", AUDIT_EVENTS)?,
        Source::from_static("demo:assets/demo/activity-log.json", ACTIVITY_LOG)?,
    ])
}
