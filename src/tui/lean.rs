//! The backend wrapper that keeps frames small on a slow link. Two savings, both from knowing what is on
//! screen (a copy of everything it drew):
//!
//! * **gaps**: ratatui's crossterm backend emits a cursor move (`ESC[r;cH`, 6–8 bytes) to skip even one
//!   unchanged cell; when the changed cells of a row are separated by a short run of unchanged cells in the same
//!   style, re-printing those cells is cheaper than the jump — and prints what is already there;
//! * **bands**: when rows moved up or down (the event table scrolled by a row), the terminal is told to scroll
//!   them ([`band`](super::band)) and only what still differs is written.
//!
//! Together they take a one-row move of the selection at 200x60 from ~5 KB to well under 2 KB.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Cell, CellDiffOption};
use ratatui::layout::{Position, Size};
use unicode_width::UnicodeWidthStr;

use super::band;

/// Longest run of unchanged cells re-printed instead of jumped over (a jump costs at least 6 bytes).
const GAP: u16 = band::GAP as u16;

/// Frames that change fewer cells than this are not worth looking for a band in.
const BAND_MIN_CELLS: usize = 64;

pub struct Lean<B> {
    inner: B,
    /// What the terminal shows, row by row, as far as this backend drew it since the last full clear; cells
    /// never drawn are blank (ratatui's own assumption about a fresh screen).
    shadow: Vec<Vec<Cell>>,
    /// False after a partial clear: the screen is unknown until the next full clear.
    known: bool,
}

impl<B: Backend> Lean<B> {
    pub fn new(inner: B) -> Lean<B> {
        Lean { inner, shadow: Vec::new(), known: true }
    }

    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The cell on screen at (x, y).
    fn at(&self, x: u16, y: u16) -> Cell {
        self.shadow.get(y as usize).and_then(|row| row.get(x as usize)).cloned().unwrap_or_default()
    }

    /// Records a cell drawn at (x, y), and the columns a wide character covers ([`band::covered`]: never
    /// whatever was there before — re-printing a stale cell there would cut the wide character in half).
    fn remember(&mut self, x: u16, y: u16, cell: &Cell) {
        let (x, y) = (x as usize, y as usize);
        let width = cell.symbol().width().max(1);
        if self.shadow.len() <= y {
            self.shadow.resize(y + 1, Vec::new());
        }
        let row = &mut self.shadow[y];
        if row.len() < x + width {
            row.resize(x + width, Cell::EMPTY);
        }
        row[x] = cell.clone();
        for c in &mut row[x + 1..x + width] {
            *c = band::covered();
        }
    }

    /// The screen as a full grid covering everything drawn so far and `changed`, for comparing frames row by
    /// row. (Not the terminal's size: what lies beyond was never drawn and is blank either way.)
    fn fill_shadow(&mut self, changed: &[(u16, u16, Cell)]) {
        let w = changed.iter().map(|(x, ..)| *x as usize + 1).chain(self.shadow.iter().map(Vec::len)).max();
        let h = changed.iter().map(|(_, y, _)| *y as usize + 1).max().unwrap_or(0).max(self.shadow.len());
        let w = w.unwrap_or(0);
        self.shadow.resize(h, Vec::new());
        for row in &mut self.shadow {
            row.resize(w, Cell::EMPTY);
        }
    }

    /// Can the unchanged cells `from..to` of row `y` be re-printed in `left`'s style, one column each?
    fn fillable(&self, y: u16, from: u16, to: u16, left: &Cell) -> bool {
        (from..to).all(|x| {
            let c = self.at(x, y);
            c.diff_option == CellDiffOption::None
                && c.fg == left.fg
                && c.bg == left.bg
                && c.modifier == left.modifier
                && c.symbol().len() == 1
        })
    }
}

impl<B> Backend for Lean<B>
where
    B: Backend + Write,
    B::Error: From<io::Error>,
{
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut changed: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        if self.known && !self.shadow.is_empty() && changed.len() >= BAND_MIN_CELLS {
            changed = self.scroll_band(changed)?;
        }
        let mut out: Vec<(u16, u16, Cell)> = Vec::with_capacity(changed.len());
        for (x, y, cell) in changed {
            // The gap starts after the last cell written, which a wide character makes two columns wide.
            let fill = match out.last() {
                Some((px, py, left)) if self.known && *py == y => {
                    let from = px + left.symbol().width().max(1) as u16;
                    (x > from && x - from <= GAP && self.fillable(y, from, x, left)).then_some(from)
                }
                _ => None,
            };
            if let Some(from) = fill {
                for gx in from..x {
                    out.push((gx, y, self.at(gx, y)));
                }
            }
            out.push((x, y, cell));
        }
        for (x, y, c) in &out {
            self.remember(*x, *y, c);
        }
        self.inner.draw(out.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.known = false;
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()?;
        self.shadow.clear();
        self.known = true;
        Ok(())
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)?;
        if clear_type == ClearType::All {
            self.shadow.clear();
            self.known = true;
        } else {
            self.known = false;
        }
        Ok(())
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Backend::flush(&mut self.inner)
    }
}

impl<B> Lean<B>
where
    B: Backend + Write,
    B::Error: From<io::Error>,
{
    /// If scrolling a band of rows first makes this frame cheaper, scrolls it and returns the cells that still
    /// differ; otherwise returns `changed` (ratatui's diff against the screen) as it is.
    fn scroll_band(&mut self, changed: Vec<(u16, u16, Cell)>) -> Result<Vec<(u16, u16, Cell)>, B::Error> {
        self.fill_shadow(&changed);
        let mut next = self.shadow.clone();
        for (x, y, cell) in &changed {
            next[*y as usize][*x as usize] = cell.clone();
        }
        for row in &mut next {
            band::mark_covered(row);
        }
        let Some(band) = band::choose(&self.shadow, &next) else { return Ok(changed) };
        self.inner.write_all(band.escape().as_bytes())?;
        band.apply(&mut self.shadow);
        // Inside the band the new frame against the shifted screen, cell by cell (covered columns are written by
        // their wide character); elsewhere ratatui's diff stands.
        let inside = |y: u16| (band.top..band.end).contains(&(y as usize));
        let mut out: Vec<(u16, u16, Cell)> = Vec::with_capacity(changed.len());
        let mut rest = changed.into_iter().filter(|(_, y, _)| !inside(*y)).peekable();
        for (y, row) in next.into_iter().enumerate() {
            let y = y as u16;
            if inside(y) {
                let screen = &self.shadow[y as usize];
                out.extend(
                    row.into_iter()
                        .enumerate()
                        .filter(|(x, c)| *c != screen[*x] && !band::is_covered(c))
                        .map(|(x, c)| (x as u16, y, c)),
                );
            } else {
                while let Some(cell) = rest.next_if(|(_, cy, _)| *cy == y) {
                    out.push(cell);
                }
            }
        }
        Ok(out)
    }
}

/// The synchronized-update and clipboard sequences are written around frames, straight to the terminal.
impl<B: Backend + Write> Write for Lean<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    //! The bytes are checked by replaying them into a terminal emulator (the `vt100` crate) and comparing its
    //! screen, cell by cell, with what ratatui rendered — so a wrong scroll or a wrong fill shows as a wrong cell.

    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use ratatui::backend::CrosstermBackend;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Line;
    use ratatui::widgets::Paragraph;
    use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

    /// Draws one frame of a test.
    type Render = Box<dyn Fn(&mut Frame)>;

    /// Collects the bytes written through it.
    #[derive(Clone, Default)]
    struct Wire(Rc<RefCell<Vec<u8>>>);

    impl Write for Wire {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn terminal<B: Backend>(backend: B, w: u16, h: u16) -> Terminal<B> {
        let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, h)) };
        Terminal::with_options(backend, options).unwrap()
    }

    fn emulated(color: vt100::Color) -> Color {
        match color {
            vt100::Color::Default => Color::Reset,
            vt100::Color::Idx(i) => Color::Indexed(i),
            vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
        }
    }

    /// The emulator's screen shows exactly `frame`: symbols, colours, bold and reverse.
    fn assert_shows(screen: &vt100::Screen, frame: &Buffer, step: usize) {
        let mut hidden = 0;
        for y in 0..frame.area.height {
            for x in 0..frame.area.width {
                let want = &frame[(x, y)];
                if hidden > 0 {
                    hidden -= 1;
                    continue;
                }
                hidden = unicode_width::UnicodeWidthStr::width(want.symbol()).saturating_sub(1);
                let got = screen.cell(y, x).expect("cell on screen");
                let symbol = if got.has_contents() { got.contents() } else { " " };
                let style = (emulated(got.fgcolor()), emulated(got.bgcolor()), got.bold(), got.inverse());
                let wanted = (
                    want.fg,
                    want.bg,
                    want.modifier.contains(Modifier::BOLD),
                    want.modifier.contains(Modifier::REVERSED),
                );
                assert_eq!((symbol, style), (want.symbol(), wanted), "frame {step}, cell ({x}, {y})");
            }
        }
    }

    /// Draws each frame through the lean backend into an emulator, checking the screen after every frame;
    /// returns the bytes each frame took, and the bytes plain crossterm took for the same frames.
    fn replay(w: u16, h: u16, frames: &[Render]) -> (Vec<usize>, Vec<usize>) {
        let (lean, plain) = (Wire::default(), Wire::default());
        let mut t = terminal(Lean::new(CrosstermBackend::new(lean.clone())), w, h);
        let mut p = terminal(CrosstermBackend::new(plain.clone()), w, h);
        let mut emulator = vt100::Parser::new(h.try_into().unwrap(), w.try_into().unwrap(), 0);
        let (mut lean_sizes, mut plain_sizes) = (Vec::new(), Vec::new());
        for (step, render) in frames.iter().enumerate() {
            let frame = t.draw(|f| render(f)).unwrap().buffer.clone();
            p.draw(|f| render(f)).unwrap();
            let bytes = lean.0.borrow_mut().split_off(0);
            lean_sizes.push(bytes.len());
            plain_sizes.push(plain.0.borrow_mut().split_off(0).len());
            emulator.process(&bytes);
            assert_shows(emulator.screen(), &frame, step);
        }
        (lean_sizes, plain_sizes)
    }

    #[test]
    fn filling_gaps_writes_fewer_bytes_for_the_same_screen() {
        let frames: Vec<Render> = ["status: a  b  c  d  e  f", "status: x  b  y  d  z  f"]
            .into_iter()
            .map(|text| Box::new(move |f: &mut Frame| f.render_widget(Line::raw(text), f.area())) as _)
            .collect();
        let (lean, plain) = replay(40, 3, &frames);
        assert!(lean[1] < plain[1], "{} B filled vs {} B with cursor moves", lean[1], plain[1]);
    }

    /// A table of `rows` visible lines scrolled to `top` with the selection on `selected`, a side pane, a
    /// header and a status line — the workbench's shape in miniature. Some rows hold wide characters.
    fn table(top: usize, selected: usize, side: bool) -> Render {
        Box::new(move |f: &mut Frame| {
            let area = f.area();
            let table_w = if side { area.width * 2 / 3 } else { area.width };
            let body = area.height - 2;
            f.render_widget(Line::raw(format!("events {selected}")), Rect::new(0, 0, area.width, 1));
            let lines: Vec<Line> = (top..top + body as usize)
                .map(|i| {
                    let wide = if i % 7 == 3 { "秘密" } else { "ab" };
                    let text = format!(
                        "2026-10-01 00:{:02}:{:02} op{:<4} {wide} 10.0.{}.{}",
                        i / 60 % 60,
                        i % 60,
                        i * 7 % 13,
                        i % 5,
                        i % 251
                    );
                    let style = if i == selected {
                        Style::new().add_modifier(Modifier::REVERSED)
                    } else if i % 4 == 1 {
                        Style::new().fg(Color::Indexed(1)).bg(Color::Indexed(8))
                    } else {
                        Style::new().add_modifier(Modifier::BOLD)
                    };
                    Line::styled(text, style)
                })
                .collect();
            f.render_widget(Paragraph::new(lines), Rect::new(0, 1, table_w, body));
            if side {
                let detail: Vec<Line> =
                    (0..body).map(|r| Line::raw(format!("field{r}: value of {selected}"))).collect();
                f.render_widget(Paragraph::new(detail), Rect::new(table_w, 1, area.width - table_w, body));
            }
            f.render_widget(
                Line::raw(format!("{} of 500", selected + 1)),
                Rect::new(0, area.height - 1, area.width, 1),
            );
        })
    }

    /// The selection walks down past the bottom (the table scrolls a row per move), then back up past the top.
    fn walk(rows: usize, moves: usize, side: bool) -> Vec<Render> {
        let mut frames = Vec::new();
        let (mut top, mut selected) = (0usize, 0usize);
        for step in 0..2 * moves {
            if step < moves {
                selected += 1;
                top = top.max((selected + 1).saturating_sub(rows));
            } else {
                selected -= 1;
                top = top.min(selected);
            }
            frames.push(table(top, selected, side));
        }
        frames
    }

    #[test]
    fn a_scrolling_table_is_scrolled_by_the_terminal_and_the_screen_stays_exact() {
        for (side, w) in [(false, 60u16), (true, 90)] {
            let (lean, plain) = replay(w, 14, &walk(12, 40, side));
            let (lean_total, plain_total): (usize, usize) = (lean.iter().sum(), plain.iter().sum());
            assert!(lean_total * 3 < plain_total * 2, "side pane {side}: {lean_total} B vs {plain_total} B plain");
        }
    }

    #[test]
    fn frames_after_a_band_and_a_resize_are_still_exact() {
        let mut frames = walk(12, 20, true);
        frames.push(Box::new(|f: &mut Frame| f.render_widget(Line::raw("cleared"), f.area())));
        frames.extend(walk(12, 15, false));
        replay(90, 14, &frames);
    }
}
