//! Which rows to scroll before a frame is written. When the event table scrolls by a row, every visible row
//! changes — into the row that was next to it. A terminal shifts full-width rows between margins (DECSTBM, then
//! line feeds or reverse indexes) for a couple of dozen bytes, leaving only the new row and whatever beside the
//! band did not move to be written: over SSH, the difference between ~5 KB and a few hundred bytes per move.
//!
//! The band is chosen by cost, not by asking the table: for each shift, each row's bytes with and without it,
//! and the run of rows that saves the most (Kadane's maximum subarray). Rows beside the table that did not move
//! (a findings list) count against the shift, so a band is only taken when it pays. Both grids hold a wide
//! character's covered columns as [`covered`] cells, so a wide character moves with its row like any other.
//!
//! Only VT100 sequences are used (margins, cursor position, line feed, reverse index): the Linux console,
//! tmux, screen and every SSH client know them.

use ratatui::buffer::{Cell, CellDiffOption};
use unicode_width::UnicodeWidthStr;

/// Shifts tried, in rows; positive moves the content up (the table scrolled down).
const SHIFTS: [isize; 6] = [1, -1, 2, -2, 3, -3];
/// What a cursor jump costs (`ESC[rr;ccH`), and the run of unchanged cells re-printed rather than jumped over.
pub const JUMP: usize = 8;
pub const GAP: usize = 6;
/// The scroll's own bytes: margins set and reset, a cursor move, the line feeds.
const OVERHEAD: usize = 24;

/// Rows `top..end` (0-based) to scroll by `shift` rows: positive moves their content up, leaving `shift` blank
/// rows at the bottom of the band; negative moves it down, blank rows at the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub top: usize,
    pub end: usize,
    pub shift: isize,
}

impl Band {
    /// The bytes that make the terminal scroll the band (margins reset afterwards; the cursor ends at home, so
    /// the frame that follows must position it — ratatui's backends always start a frame with a move).
    pub fn escape(&self) -> String {
        let (top, last) = (self.top + 1, self.end);
        let n = self.shift.unsigned_abs();
        if self.shift > 0 {
            format!("\x1b[{top};{last}r\x1b[{last};1H{}\x1b[r", "\n".repeat(n))
        } else {
            format!("\x1b[{top};{last}r\x1b[{top};1H{}\x1b[r", "\x1bM".repeat(n))
        }
    }

    /// Does to `rows` what the escape does to the screen.
    pub fn apply(&self, rows: &mut [Vec<Cell>]) {
        let n = self.shift.unsigned_abs();
        let band = &mut rows[self.top..self.end];
        let blanks = if self.shift > 0 {
            band.rotate_left(n);
            band.len() - n..band.len()
        } else {
            band.rotate_right(n);
            0..n
        };
        for row in &mut band[blanks] {
            row.fill(Cell::EMPTY);
        }
    }
}

/// The cell behind the second column of a wide character: nothing is ever written there (writing the wide
/// character covers it), and nothing may be re-printed there.
pub fn covered() -> Cell {
    let mut cell = Cell::EMPTY;
    cell.set_symbol("");
    cell
}

pub fn is_covered(cell: &Cell) -> bool {
    cell.symbol().is_empty()
}

/// Marks the columns each wide character of `row` covers (ratatui leaves whatever was there).
pub fn mark_covered(row: &mut [Cell]) {
    let mut x = 0;
    while x < row.len() {
        let width = row[x].symbol().width().max(1);
        for c in row.iter_mut().skip(x + 1).take(width - 1) {
            *c = covered();
        }
        x += width;
    }
}

/// Estimated bytes to turn `old` into `new` on one row: the changed cells, plus a jump before each run of them
/// (or the re-printed gap when it is short, as the writer does).
pub fn row_cost(new: &[Cell], old: &[Cell]) -> usize {
    let mut bytes = 0;
    let mut last: Option<usize> = None;
    for (x, (n, o)) in new.iter().zip(old).enumerate() {
        if n == o || is_covered(n) {
            continue;
        }
        bytes += n.symbol().len();
        bytes += match last {
            Some(l) if x - l - 1 <= GAP => x - l - 1,
            _ => JUMP,
        };
        last = Some(x);
    }
    bytes
}

/// A row every cell of which is drawn normally (no widget asked ratatui to skip or force a width).
fn plain(row: &[Cell]) -> bool {
    row.iter().all(|c| c.diff_option == CellDiffOption::None)
}

/// The band that saves the most bytes turning `old` into `new` (equal-sized grids of equal-length rows, wide
/// characters' columns [marked](mark_covered)), if any saves more than the scroll costs.
pub fn choose(old: &[Vec<Cell>], new: &[Vec<Cell>]) -> Option<Band> {
    let h = old.len();
    if new.len() != h || h < 2 {
        return None;
    }
    let width = old[0].len();
    let blank = vec![Cell::EMPTY; width];
    let simple: Vec<bool> = old.iter().zip(new).map(|(o, n)| plain(o) && plain(n)).collect();
    let stay: Vec<usize> = new.iter().zip(old).map(|(n, o)| row_cost(n, o)).collect();
    let mut best: Option<(usize, Band)> = None;
    for shift in SHIFTS {
        let n = shift.unsigned_abs();
        if n >= h {
            continue;
        }
        // Rows that receive shifted content, and the gain of each.
        let rows = if shift > 0 { 0..h - n } else { n..h };
        let source = |r: usize| if shift > 0 { r + n } else { r - n };
        let gains = rows.clone().map(|r| {
            let s = source(r);
            (simple[r] && simple[s]).then(|| stay[r] as isize - row_cost(&new[r], &old[s]) as isize)
        });
        let Some((sum, a, b)) = max_run(rows.start, gains) else { continue };
        // The rows the scroll leaves blank, just past the shifted run.
        let blanks = if shift > 0 { b + 1..b + 1 + n } else { a - n..a };
        if blanks.end > h || !blanks.clone().all(|r| simple[r]) {
            continue;
        }
        let blank_gain: isize = blanks.map(|r| stay[r] as isize - row_cost(&new[r], &blank) as isize).sum();
        let total = sum + blank_gain - OVERHEAD as isize;
        if total > 0 && best.as_ref().is_none_or(|(t, _)| total as usize > *t) {
            let (top, end) = if shift > 0 { (a, b + 1 + n) } else { (a - n, b + 1) };
            best = Some((total as usize, Band { top, end, shift }));
        }
    }
    best.map(|(_, band)| band)
}

/// The contiguous run with the largest positive sum, over rows numbered from `first`; `None` breaks a run.
fn max_run(first: usize, gains: impl Iterator<Item = Option<isize>>) -> Option<(isize, usize, usize)> {
    let mut best: Option<(isize, usize, usize)> = None;
    let mut run: Option<(isize, usize)> = None;
    for (i, gain) in gains.enumerate() {
        let r = first + i;
        let Some(g) = gain else {
            run = None;
            continue;
        };
        let (sum, start) = match run {
            Some((s, start)) if s > 0 => (s + g, start),
            _ => (g, r),
        };
        run = Some((sum, start));
        if sum > 0 && best.is_none_or(|(b, ..)| sum > b) {
            best = Some((sum, start, r));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(lines: &[&str]) -> Vec<Vec<Cell>> {
        lines
            .iter()
            .map(|l| {
                l.chars()
                    .map(|c| {
                        let mut cell = Cell::EMPTY;
                        cell.set_char(c);
                        cell
                    })
                    .collect()
            })
            .collect()
    }

    const OLD: [&str; 6] = [
        "header: events                          ",
        "2026-10-01 00:01:58 VaultGet     200 a  ",
        "2026-10-01 00:03:10 Authenticate 401 b  ",
        "2026-10-01 00:03:11 KeyEncrypt   200 c  ",
        "2026-10-01 00:03:27 KeyDecrypt   200 d  ",
        "status: 1 of 4                          ",
    ];
    const NEW: [&str; 6] = [
        "header: events                          ",
        "2026-10-01 00:03:10 Authenticate 401 b  ",
        "2026-10-01 00:03:11 KeyEncrypt   200 c  ",
        "2026-10-01 00:03:27 KeyDecrypt   200 d  ",
        "2026-10-01 00:04:34 SecretGet    200 e  ",
        "status: 2 of 4                          ",
    ];

    #[test]
    fn a_table_that_scrolled_down_a_row_is_scrolled_up_between_its_own_rows() {
        let band = choose(&grid(&OLD), &grid(&NEW)).expect("a band pays");
        assert_eq!(band, Band { top: 1, end: 5, shift: 1 });
        let mut shifted = grid(&OLD);
        band.apply(&mut shifted);
        let left: usize = grid(&NEW).iter().zip(&shifted).map(|(n, o)| row_cost(n, o)).sum();
        assert!(left < 60, "only the new row and the status change: {left} B");
    }

    #[test]
    fn and_scrolled_back_up_it_scrolls_down() {
        assert_eq!(choose(&grid(&NEW), &grid(&OLD)), Some(Band { top: 1, end: 5, shift: -1 }));
    }

    #[test]
    fn nothing_moved_or_everything_changed_means_no_band() {
        assert_eq!(choose(&grid(&OLD), &grid(&OLD)), None);
        let other: Vec<String> = OLD.iter().map(|l| l.replace(['0', '2'], "9")).collect();
        let other: Vec<&str> = other.iter().map(String::as_str).collect();
        assert_eq!(choose(&grid(&OLD), &grid(&other)), None);
    }

    #[test]
    fn wide_characters_move_with_their_rows() {
        let (mut old, mut new) = (grid(&OLD), grid(&NEW));
        old[3][37].set_symbol("秘");
        mark_covered(&mut old[3]);
        new[2][37].set_symbol("秘");
        mark_covered(&mut new[2]);
        assert!(is_covered(&new[2][38]) && !is_covered(&new[2][37]));
        let band = choose(&old, &new).expect("a band pays");
        assert_eq!(band, Band { top: 1, end: 5, shift: 1 });
        band.apply(&mut old);
        assert_eq!(row_cost(&new[2], &old[2]), 0);
    }

    #[test]
    fn the_escape_sets_margins_scrolls_and_resets() {
        let up = Band { top: 1, end: 5, shift: 2 };
        assert_eq!(up.escape(), "\x1b[2;5r\x1b[5;1H\n\n\x1b[r");
        let down = Band { top: 0, end: 3, shift: -1 };
        assert_eq!(down.escape(), "\x1b[1;3r\x1b[1;1H\x1bM\x1b[r");
    }
}
