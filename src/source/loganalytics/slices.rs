//! Cutting a time range into slices the Query API answers completely: it returns at most 500,000 rows or
//! ~64 MB per query (FORMATS.md §7.5), saying so only with a `PartialError` beside the rows. The server counts
//! rows per time bin first; consecutive bins are grouped into slices of at most `max_rows` expected rows, and
//! the slices tile the whole range — stretches without rows included, so a row that arrives late still falls
//! inside some slice.

use jiff::{SignedDuration, Timestamp};

use super::answer::Answer;

/// Rows the server counted from `start` to the next bin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bin {
    pub start: Timestamp,
    pub count: u64,
}

/// `[from, to)` and the rows the server counted in it (`None`: not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    pub from: Timestamp,
    pub to: Timestamp,
    pub expected: Option<u64>,
}

/// Bin widths tried, in seconds, finest first.
const WIDTHS: [i64; 8] = [1, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400];
/// The count query returns at most this many bins.
const MAX_BINS: i64 = 5000;

/// The finest bin width that keeps the count query's answer small for `[from, to)`.
pub fn bin_width(from: Timestamp, to: Timestamp) -> i64 {
    let span = to.duration_since(from).as_secs().max(1);
    WIDTHS.into_iter().find(|w| span / w <= MAX_BINS).unwrap_or(WIDTHS[WIDTHS.len() - 1])
}

/// The next finer width below `width`, to recount a bin that alone holds too many rows.
pub fn finer(width: i64) -> Option<i64> {
    WIDTHS.into_iter().rev().find(|w| *w < width)
}

/// Reads `summarize count() by bin(TimeGenerated, …)`: rows of `[count, time]` or `[time, count]`.
pub fn bins(body: &[u8]) -> Result<Vec<Bin>, String> {
    let answer = Answer::parse(body, "count answer")?;
    let mut out = Vec::new();
    for row in answer.rows() {
        let time = row.iter().find_map(|v| v.as_str().and_then(|s| s.parse::<Timestamp>().ok()));
        let count = row.iter().find_map(serde_json::Value::as_u64);
        match (time, count) {
            (Some(start), Some(count)) => out.push(Bin { start, count }),
            _ => return Err(format!("count answer: unexpected row {}", serde_json::Value::from(row.clone()))),
        }
    }
    out.sort_by_key(|b| b.start);
    Ok(out)
}

/// The first number of the first row (a `| count` answer).
pub fn number(body: &[u8]) -> Result<u64, String> {
    let answer = Answer::parse(body, "count answer")?;
    answer
        .rows()
        .next()
        .and_then(|r| r.iter().find_map(serde_json::Value::as_u64))
        .ok_or_else(|| "count answer without a number".to_string())
}

/// Groups `bins` (sorted) into slices tiling `[from, to)`, each expected to hold at
/// most `max_rows` — unless one bin alone holds more (the caller recounts it finer).
pub fn plan(from: Timestamp, to: Timestamp, bins: &[Bin], max_rows: u64) -> Vec<Slice> {
    let mut slices = Vec::new();
    let mut start = from;
    let mut rows = 0u64;
    for bin in bins.iter().filter(|b| b.count > 0) {
        // A bin may begin before `from` (bins are aligned); it still belongs to the slice that holds `from`.
        let bin_start = bin.start.max(from);
        if rows > 0 && rows + bin.count > max_rows && bin_start > start {
            slices.push(Slice { from: start, to: bin_start, expected: Some(rows) });
            start = bin_start;
            rows = 0;
        }
        rows += bin.count;
    }
    if start < to {
        slices.push(Slice { from: start, to, expected: Some(rows) });
    }
    slices
}

/// The two halves of a slice (neither counted), or `None` when it is one second or less.
pub fn halves(slice: &Slice) -> Option<(Slice, Slice)> {
    let span = slice.to.duration_since(slice.from);
    if span <= SignedDuration::from_secs(1) {
        return None;
    }
    let mid = slice.from + span / 2;
    Some((Slice { from: slice.from, to: mid, expected: None }, Slice { from: mid, to: slice.to, expected: None }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn slices_tile_the_range_and_respect_the_row_limit() {
        let bins = [
            Bin { start: t("2026-10-01T00:00:00Z"), count: 60 },
            Bin { start: t("2026-10-01T01:00:00Z"), count: 50 },
            Bin { start: t("2026-10-01T03:00:00Z"), count: 30 },
            Bin { start: t("2026-10-01T04:00:00Z"), count: 20 },
        ];
        let (from, to) = (t("2026-10-01T00:00:00Z"), t("2026-10-01T06:00:00Z"));
        let slices = plan(from, to, &bins, 100);
        assert_eq!(plan(from, to, &bins, 99).len(), 3);
        assert_eq!(
            slices,
            vec![
                Slice { from, to: t("2026-10-01T01:00:00Z"), expected: Some(60) },
                Slice { from: t("2026-10-01T01:00:00Z"), to, expected: Some(100) },
            ]
        );
        assert_eq!(plan(from, to, &[], 100), vec![Slice { from, to, expected: Some(0) }]);
        let big = [Bin { start: t("2026-10-01T02:00:00Z"), count: 500 }];
        assert_eq!(plan(from, to, &big, 100), vec![Slice { from, to, expected: Some(500) }]);
    }

    #[test]
    fn widths_keep_the_count_answer_small() {
        let from = t("2026-10-01T00:00:00Z");
        assert_eq!(bin_width(from, t("2026-10-01T01:00:00Z")), 1);
        assert_eq!(bin_width(from, t("2026-10-08T00:00:00Z")), 300);
        assert_eq!(bin_width(from, t("2027-10-01T00:00:00Z")), 6 * 3600);
        assert_eq!(finer(3600), Some(900));
        assert_eq!(finer(1), None);
    }

    #[test]
    fn count_answers_are_read_in_either_column_order() {
        let body = br#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"count_","type":"long"}],"rows":[["2026-10-01T01:00:00Z",5],["2026-10-01T00:00:00Z",7]]}]}"#;
        let b = bins(body).unwrap();
        assert_eq!(b[0], Bin { start: t("2026-10-01T00:00:00Z"), count: 7 });
        assert_eq!(number(br#"{"tables":[{"rows":[[42]]}]}"#), Ok(42));
        assert!(bins(br#"{"tables":[{"rows":[["x"]]}]}"#).is_err());
    }
}
