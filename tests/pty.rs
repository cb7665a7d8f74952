//! End to end: the real binary in a real pseudo-terminal (tmux), driven by keystrokes, read back from the
//! screen. `.ci/run` installs tmux when it is missing.

#[path = "common/tmux.rs"]
mod tmux;

use tmux::Tmux;

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
