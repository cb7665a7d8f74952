//! The bundled demo dataset, compiled into the binary so `kvtrail demo` works on a jump box with nothing else:
//! benign Key Vault traffic with tabletop scenarios planted in it (`assets/demo/SCENARIOS.md`). It is written by
//! `kvtrail gen --demo`, and a test checks the committed files are exactly what the generator writes.

use std::io;

use crate::ingest::Source;

const AUDIT_EVENTS: &[u8] = include_bytes!("../assets/demo/auditevent.jsonl.gz");
const ACTIVITY_LOG: &[u8] = include_bytes!("../assets/demo/activity-log.json");

/// The demo inputs, named as they are in the repository.
pub fn sources() -> io::Result<Vec<Source>> {
    Ok(vec![
        Source::from_static("demo:assets/demo/auditevent.jsonl.gz", AUDIT_EVENTS)?,
        Source::from_static("demo:assets/demo/activity-log.json", ACTIVITY_LOG)?,
    ])
}
