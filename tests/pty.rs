//! End to end: the real binary in a real pseudo-terminal (tmux), driven by keystrokes, read back from the
//! screen. `.ci/run` installs tmux when it is missing.

use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16, command: &str) -> Tmux {
        let socket = format!("kvtrail-test-{}", std::process::id());
        let t = Tmux { socket };
        let out =
            t.run(&["new-session", "-d", "-s", "main", "-x", &width.to_string(), "-y", &height.to_string(), command]);
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .output()
            .expect("tmux is installed (.ci/run installs it)")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "main", k]);
            sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the screen shows every one of `texts`, or fails with the screen.
    fn wait_for(&self, texts: &[&str]) -> String {
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

#[test]
fn the_real_binary_in_a_terminal() {
    let bin = env!("CARGO_BIN_EXE_kvtrail");
    let t = Tmux::start(100, 30, &format!("sh -c '{bin} demo; echo kvtrail-exited-$?; sleep 60'"));
    let first = t.wait_for(&["1 Caller IP", "5 Events", "loaded in", "4,964 / 4,964 events"]);
    assert!(first.contains("Enter detail"), "the hint bar is there:\n{first}");

    // Drill into the second vault, then narrow by operation: the breadcrumbs and the counts follow.
    t.keys(&["3", "Down", "Enter"]);
    let drilled = t.wait_for(&["vault="]);
    assert!(!drilled.contains("4,964 / 4,964"), "{drilled}");
    t.keys(&["4", "Enter"]);
    t.wait_for(&["vault=", " › op="]);

    // Fuzzy prompt in the event table, per keystroke.
    t.keys(&["5", "/", "b", "r", "k"]);
    t.wait_for(&["/Events brk"]);
    t.keys(&["Escape", "C"]);
    t.wait_for(&["all events", "4,964 / 4,964 events"]);

    // Help is generated from the keymap; Esc closes it.
    t.keys(&["?"]);
    t.wait_for(&["keys (Esc closes)", "focus_next"]);
    t.keys(&["Escape", "q"]);
    let after = t.wait_for(&["kvtrail-exited-0"]);
    // The alternate screen is gone: the workbench's frame no longer shows.
    assert!(!after.contains("5 Events"), "terminal not restored:\n{after}");
}
