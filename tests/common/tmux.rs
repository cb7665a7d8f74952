//! A real pseudo-terminal for end-to-end tests: tmux on a socket of the test's own, driven by keystrokes and
//! read back from the screen. `.ci/run` installs tmux when it is missing.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(width: u16, height: u16, command: &str) -> Tmux {
        // One server per test: tests of one binary run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("kvtrail-test-{}-{n}", std::process::id());
        let t = Tmux { socket };
        let out =
            t.run(&["new-session", "-d", "-s", "main", "-x", &width.to_string(), "-y", &height.to_string(), command]);
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .output()
            .expect("tmux is installed (.ci/run installs it)")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "main", k]);
            sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the screen shows every one of `texts`, or fails with the screen.
    pub fn wait_for(&self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "waited for {texts:?}; the screen is:\n{screen}");
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
