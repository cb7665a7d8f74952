//! A backend wrapper that writes fewer bytes: ratatui's crossterm backend emits a cursor move (`ESC[r;cH`, 6–8
//! bytes) to skip even one unchanged cell. When the changed cells of a row are separated by a short run of
//! unchanged cells in the same style, re-printing those cells is cheaper than the jump — and prints what is
//! already there. Over a slow SSH link that is a quarter of a row move's bytes.
//!
//! It keeps a copy of what is on screen (everything it has drawn) to know the unchanged cells.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Cell, CellDiffOption};
use ratatui::layout::{Position, Size};

/// Longest run of unchanged cells re-printed instead of jumped over (a jump costs at least 6 bytes).
const GAP: u16 = 6;

pub struct GapFill<B> {
    inner: B,
    /// What the terminal shows, row by row, as far as this backend drew it since the last full clear; cells
    /// never drawn are blank (ratatui's own assumption about a fresh screen).
    shadow: Vec<Vec<Cell>>,
    /// False after a partial clear: the screen is unknown until the next full clear.
    known: bool,
}

impl<B: Backend> GapFill<B> {
    pub fn new(inner: B) -> GapFill<B> {
        GapFill { inner, shadow: Vec::new(), known: true }
    }

    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The cell on screen at (x, y).
    fn at(&self, x: u16, y: u16) -> Cell {
        self.shadow.get(y as usize).and_then(|row| row.get(x as usize)).cloned().unwrap_or_default()
    }

    fn remember(&mut self, x: u16, y: u16, cell: &Cell) {
        let (x, y) = (x as usize, y as usize);
        if self.shadow.len() <= y {
            self.shadow.resize(y + 1, Vec::new());
        }
        let row = &mut self.shadow[y];
        if row.len() <= x {
            row.resize(x + 1, Cell::default());
        }
        row[x] = cell.clone();
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

impl<B: Backend> Backend for GapFill<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut out: Vec<(u16, u16, Cell)> = Vec::new();
        for (x, y, cell) in content {
            let fill = match out.last() {
                Some((px, py, left)) if self.known && *py == y && x > px + 1 && x - px - 1 <= GAP => {
                    self.fillable(y, px + 1, x, left).then_some(px + 1)
                }
                _ => None,
            };
            if let Some(from) = fill {
                for gx in from..x {
                    out.push((gx, y, self.at(gx, y)));
                }
            }
            out.push((x, y, cell.clone()));
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
        self.inner.flush()
    }
}

/// The synchronized-update and clipboard sequences are written around frames, straight to the terminal.
impl<B: Backend + Write> Write for GapFill<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::{CrosstermBackend, TestBackend};
    use ratatui::layout::Rect;
    use ratatui::text::Line;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    const FRAMES: [&str; 2] = ["status: a  b  c  d  e  f", "status: x  b  y  d  z  f"];

    fn options() -> TerminalOptions {
        TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 40, 3)) }
    }

    /// Counts the bytes written through it.
    #[derive(Clone, Default)]
    struct Count(std::rc::Rc<std::cell::Cell<usize>>);

    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.set(self.0.get() + buf.len());
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Bytes written for the second frame (a few scattered cells change).
    fn second_frame_bytes<T: Backend>(t: &mut Terminal<T>, count: &Count) -> usize {
        let mut after_first = 0;
        for (i, text) in FRAMES.iter().enumerate() {
            t.draw(|frame| frame.render_widget(Line::raw(*text), frame.area())).unwrap();
            if i == 0 {
                after_first = count.0.get();
            }
        }
        count.0.get() - after_first
    }

    #[test]
    fn filling_gaps_writes_fewer_bytes_for_the_same_screen() {
        let (a, b) = (Count::default(), Count::default());
        let plain =
            second_frame_bytes(&mut Terminal::with_options(CrosstermBackend::new(a.clone()), options()).unwrap(), &a);
        let filled = second_frame_bytes(
            &mut Terminal::with_options(GapFill::new(CrosstermBackend::new(b.clone())), options()).unwrap(),
            &b,
        );
        assert!(filled < plain, "{filled} B filled vs {plain} B with cursor moves");
        let mut t = Terminal::with_options(GapFill::new(TestBackend::new(40, 3)), options()).unwrap();
        for f in FRAMES {
            t.draw(|frame| frame.render_widget(Line::raw(f), frame.area())).unwrap();
        }
        t.backend().inner().assert_buffer_lines([
            "status: x  b  y  d  z  f                ",
            "                                        ",
            "                                        ",
        ]);
    }
}
