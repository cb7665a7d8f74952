//! The terminal: entering and leaving raw mode and the alternate screen, and putting everything back however
//! the program ends — normal exit (the guard's `Drop`), an error (the same), or a panic (the hook, which runs
//! before the panic message so the message is readable). Each frame is wrapped in a synchronized update
//! (DEC 2026) and leaves in one buffered write, so a slow SSH link never shows a half-drawn screen.

use std::io::{self, BufWriter, Stdout, Write};

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode,
    enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::lean::Lean;

/// Crossterm writing into one buffer per frame, behind the lean writer (gaps re-printed, scrolled rows scrolled by
/// the terminal: fewer bytes per frame over SSH).
pub type Backend = Lean<CrosstermBackend<BufWriter<Stdout>>>;

/// Restores the terminal. Safe to call more than once and from the panic hook.
fn restore() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Owns the terminal while the workbench runs; dropping it restores the terminal.
pub struct Screen {
    pub terminal: Terminal<Backend>,
}

impl Screen {
    pub fn enter(mouse: bool) -> io::Result<Screen> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(out, EnterAlternateScreen, EnableBracketedPaste, cursor::Hide)?;
        if mouse {
            execute!(out, EnableMouseCapture)?;
        }
        // One frame, one write: a 1 MiB buffer holds even a full repaint of a large terminal.
        let backend = Lean::new(CrosstermBackend::new(BufWriter::with_capacity(1 << 20, io::stdout())));
        let terminal = Terminal::new(backend)?;
        Ok(Screen { terminal })
    }

    /// Draws one frame inside a synchronized update. Only changed cells are written (ratatui diffs frames).
    pub fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.terminal.draw(render)?;
        queue!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        self.terminal.backend_mut().flush()
    }

    /// Writes raw bytes between frames (the OSC 52 clipboard sequence).
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        out.write_all(bytes)?;
        out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.terminal.backend_mut().flush();
        restore();
    }
}
