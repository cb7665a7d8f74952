//! A live source's gaps as the timeline draws them: in ticks, clipped to the filter's time window (a timeline
//! drilled to one afternoon must not stretch back to a gap last week), empty ones dropped.

use super::crumbs::Crumbs;
use super::run::StreamState;
use crate::event::Ticks;

/// The gaps the timeline must cover and mark under the current filter, `[from, to)`.
pub fn on_timeline(source: Option<&StreamState>, crumbs: &Crumbs) -> Vec<(Ticks, Ticks)> {
    let Some(source) = source else { return Vec::new() };
    let (lo, hi) = crumbs.window();
    source
        .gaps
        .iter()
        .filter_map(|g| {
            let (from, to) = (Ticks::from_timestamp(g.from)?, Ticks::from_timestamp(g.to)?);
            let (from, to) = (lo.map_or(from, |lo| from.max(lo)), hi.map_or(to, |hi| to.min(hi)));
            (from < to).then_some((from, to))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::source::Gap;

    fn ticks(t: jiff::Timestamp) -> Option<Ticks> {
        Ticks::from_timestamp(t)
    }
    use crate::store::Clause;
    use crate::tui::crumbs::Crumb;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn gaps_are_clipped_to_the_filter_window() {
        let gap = |f: &str, t: &str| Gap { from: at(f), to: at(t), reason: "503".into() };
        let state = StreamState {
            gaps: vec![
                gap("2026-10-01T00:00:00Z", "2026-10-01T02:00:00Z"),
                gap("2026-10-02T00:00:00Z", "2026-10-02T01:00:00Z"),
            ],
            ..StreamState::default()
        };
        let all = on_timeline(Some(&state), &Crumbs::default());
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].0, ticks(at("2026-10-01T00:00:00Z")).expect("in range"));
        assert!(on_timeline(None, &Crumbs::default()).is_empty(), "files have no gaps");

        let one = |s: &str| ticks(at(s));
        let mut crumbs = Crumbs::default();
        crumbs.push(Crumb::plain(Clause::Within { from: one("2026-10-01T01:00:00Z"), to: None }));
        crumbs.push(Crumb::plain(Clause::Within { from: None, to: one("2026-10-01T12:00:00Z") }));
        let clipped = on_timeline(Some(&state), &crumbs);
        assert_eq!(clipped, [(one("2026-10-01T01:00:00Z").expect("t"), one("2026-10-01T02:00:00Z").expect("t"))]);
    }
}
