//! `storage`: a storage account as diagnostic settings fill it (FORMATS §1.1, §4.1) —
//! `insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/…/VAULTS/<NAME>/y=…/m=…/d=…/h=…/m=00/PT1H.json` per vault and
//! hour, and `insights-activity-logs/resourceId=/SUBSCRIPTIONS/<SUB>/y=…/PT1H.json` per subscription and hour.
//! The hour in a blob path is the hour the record was *received*, so records from the last minutes of an hour
//! land in the next hour's blob, as in real accounts.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::activity::resource_log;
use super::json::{Layout, write_value};
use super::{Context, Sink, auditevent};
use crate::generate::record::{AuditEvent, ManagementEvent};
use crate::generate::time::{self, TICKS_PER_SECOND, Ticks};

pub struct StorageAccount {
    root: PathBuf,
    ctx: Context,
    open: HashMap<PathBuf, (Ticks, BufWriter<File>)>,
    created: HashSet<PathBuf>,
    /// Start of the hour of the latest event seen; blobs of earlier hours are complete.
    current_hour: Ticks,
}

fn hour_path(t: Ticks) -> String {
    let c = time::civil(t);
    format!("y={:04}/m={:02}/d={:02}/h={:02}/m=00/PT1H.json", c.year, c.month, c.day, c.hour)
}

impl StorageAccount {
    pub fn new(root: &Path, ctx: Context) -> io::Result<StorageAccount> {
        std::fs::create_dir_all(root)?;
        Ok(StorageAccount {
            root: root.to_path_buf(),
            ctx,
            open: HashMap::new(),
            created: HashSet::new(),
            current_hour: i64::MIN,
        })
    }

    /// Closes blobs whose hour can no longer receive records (events arrive in time order and are received
    /// at or after their own hour).
    fn advance(&mut self, event_time: Ticks) -> io::Result<()> {
        let hour = time::hour_floor(event_time);
        if hour <= self.current_hour {
            return Ok(());
        }
        self.current_hour = hour;
        let done: Vec<PathBuf> = self.open.iter().filter(|(_, (h, _))| *h < hour).map(|(p, _)| p.clone()).collect();
        let mut sorted = done;
        sorted.sort();
        for path in sorted {
            if let Some((_, mut w)) = self.open.remove(&path) {
                w.flush()?;
            }
        }
        Ok(())
    }

    fn blob(&mut self, relative: String, hour: Ticks) -> io::Result<&mut BufWriter<File>> {
        let path = self.root.join(relative);
        if !self.open.contains_key(&path) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // First touch in this run truncates (a re-run overwrites); a later touch appends.
            let file = if self.created.insert(path.clone()) {
                File::create(&path)?
            } else {
                OpenOptions::new().append(true).open(&path)?
            };
            self.open.insert(path.clone(), (hour, BufWriter::with_capacity(64 * 1024, file)));
        }
        match self.open.get_mut(&path) {
            Some((_, w)) => Ok(w),
            None => Err(io::Error::other("blob vanished")),
        }
    }
}

impl Sink for StorageAccount {
    fn audit(&mut self, event: &AuditEvent) -> io::Result<()> {
        self.advance(event.time)?;
        let received = time::hour_floor(event.time + Ticks::from(event.receipt_delay_s) * TICKS_PER_SECOND);
        let relative = format!("insights-logs-auditevent/resourceId={}/{}", event.vault.upper_id, hour_path(received));
        let record = auditevent::record(event);
        let w = self.blob(relative, received)?;
        write_value(w, &record, Layout::Compact, event.escaped)?;
        w.write_all(b"\n")
    }

    fn management(&mut self, event: &ManagementEvent) -> io::Result<()> {
        self.advance(event.time)?;
        let received = time::hour_floor(event.time + event.submission_delay);
        let relative = format!(
            "insights-activity-logs/resourceId=/SUBSCRIPTIONS/{}/{}",
            event.vault.subscription.to_string().to_uppercase(),
            hour_path(received)
        );
        let record = resource_log(event, &self.ctx);
        let w = self.blob(relative, received)?;
        write_value(w, &record, Layout::Compact, false)?;
        w.write_all(b"\n")
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        let mut paths: Vec<PathBuf> = self.open.keys().cloned().collect();
        paths.sort();
        for path in paths {
            if let Some((_, mut w)) = self.open.remove(&path) {
                w.flush()?;
            }
        }
        Ok(())
    }
}
