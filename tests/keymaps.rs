//! Keymaps are data and loading them is strict: the shipped files load, the default reaches every action,
//! and each kind of mistake is an error that names the file and the line.

use std::path::{Path, PathBuf};

use kvtrail::tui::action::Action;
use kvtrail::tui::keymap::*;

fn keymaps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("keymaps")
}

/// Every `.toml` in `keymaps/`, so a new file is covered without touching this test.
fn shipped_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(keymaps_dir())
        .expect("keymaps/ is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn keys(s: &str) -> Vec<Key> {
    s.split_whitespace().map(|k| k.parse().unwrap_or_else(|e| panic!("{e}"))).collect()
}

fn seq(s: &str) -> KeySeq {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// Every binding of every context, spelled out, for comparing two maps.
fn all_bindings(map: &Keymap) -> Vec<(Context, String, Action)> {
    Context::ALL
        .into_iter()
        .flat_map(|ctx| map.bindings(ctx).into_iter().map(move |(k, a)| (ctx, k.to_string(), a)))
        .collect()
}

/// Loads `text` as a user file called `mine.toml`, expects an error, and checks it starts with `mine.toml:LINE:`
/// and mentions `needle`.
fn rejects(text: &str, line: usize, needle: &str) -> KeymapError {
    let err = match Keymap::from_str_named(text, "mine.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    };
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("mine.toml:{line}: ")), "wrong file/line: {msg}");
    assert!(msg.contains(needle), "`{needle}` not in: {msg}");
    assert_eq!((err.file(), err.line()), (Some("mine.toml"), Some(line)));
    err
}

#[test]
fn every_shipped_keymap_loads_as_preset_and_as_file() {
    let files = shipped_files();
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let spec = path.to_str().expect("utf-8 path");
        let from_file = Keymap::load(Some(spec)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(from_file.sources().last().map(String::as_str), Some(spec));
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("file stem");
        if PRESETS.contains(&stem) {
            let preset = Keymap::preset(stem).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(all_bindings(&preset), all_bindings(&from_file), "{stem}");
            assert_eq!(preset.sources().last().cloned(), Some(format!("keymaps/{stem}.toml")));
        }
    }
    for name in PRESETS {
        assert!(keymaps_dir().join(format!("{name}.toml")).is_file(), "{name} is embedded but not shipped");
    }
}

#[test]
fn default_reaches_every_action() {
    let map = Keymap::default_map();
    assert_eq!(map.sources(), ["keymaps/default.toml"]);
    for &action in Action::ALL {
        if action == Action::Noop {
            continue;
        }
        let reachable = Context::ALL.into_iter().any(|ctx| !map.keys_for(ctx, action).is_empty());
        assert!(reachable, "no key for `{action}` in the default keymap");
    }
}

#[test]
fn presets_layer_as_documented() {
    assert_eq!(Keymap::preset("vim").expect("vim").sources(), ["keymaps/default.toml", "keymaps/vim.toml"]);
    assert_eq!(Keymap::preset("emacs").expect("emacs").sources(), ["keymaps/default.toml", "keymaps/emacs.toml"]);
    assert_eq!(Keymap::preset("demo").expect("demo").sources(), ["keymaps/demo.toml"]);
    assert!(matches!(Keymap::preset("nano"), Err(KeymapError::NoSuchPreset { .. })));
}

#[test]
fn demo_binds_only_keys_a_presenter_setup_passes_through() {
    let allowed = [
        "up",
        "down",
        "left",
        "right",
        "enter",
        "esc",
        "tab",
        "backtab",
        "backspace",
        "space",
        "pageup",
        "pagedown",
        "home",
        "end",
        "ctrl-c",
    ];
    let map = Keymap::preset("demo").expect("demo");
    for ctx in Context::ALL {
        for (keys, action) in map.bindings(ctx) {
            for key in keys.keys() {
                let ok = allowed.contains(&key.to_string().as_str()) || key.as_char().is_some_and(|c| c != ' ');
                assert!(ok, "demo [{ctx}] binds `{keys}` ({action})");
            }
        }
    }
}

#[test]
fn error_1_toml_syntax_names_the_line() {
    rejects("[global]\n\"q\" = \"quit\n", 2, "TOML syntax error");
    // TOML's own duplicate rule surfaces with the line of the second one.
    rejects("[global]\n\"x\" = \"copy\"\n\n\"x\" = \"help\"\n", 4, "duplicate key");
}

#[test]
fn error_2_unknown_table_or_top_level_key() {
    rejects(
        "extends = \"default\"\n\n[tabel]\n\"x\" = \"copy\"\n",
        3,
        "unknown table `[tabel]`; the contexts are global",
    );
    rejects("colour = \"red\"\n", 1, "unknown top-level key `colour`");
    rejects("[global]\n\"x\" = \"copy\"\n[global.more]\n\"y\" = \"copy\"\n", 3, "the value of [global] `more`");
    rejects("extends = 2\n", 1, "`extends` must be a string");
}

#[test]
fn error_3_unknown_action_suggests_names() {
    let err = rejects("[pivot]\n\"x\" = \"exclude\"\n\"d\" = \"drll\"\n", 3, "unknown action `drll`");
    assert!(err.to_string().starts_with("mine.toml:3: unknown action `drll` (did you mean drill"), "{err}");
}

#[test]
fn error_4_unknown_key_lists_the_forms() {
    let err = rejects("[global]\n\"ctrl-enterr\" = \"copy\"\n", 2, "unknown key `ctrl-enterr`");
    assert!(err.to_string().contains("pageup"), "{err}");
    rejects("[global]\n\"a b c d\" = \"copy\"\n", 2, "at most 3 keys");
    rejects("[global]\n\"shift-1\" = \"copy\"\n", 2, "shifted character");
    rejects("[global]\n\"x\" = \"copy\"\nextends = \"vim\"\n", 3, "before the first [table]");
}

#[test]
fn error_5_same_key_twice_after_normalization() {
    rejects(
        "[global]\n\"G\" = \"bottom\"\n\"shift-g\" = \"top\"\n",
        3,
        "`G` is bound twice in this file (first at line 2)",
    );
    rejects("[table]\n\"ctrl-L\" = \"redraw\"\n\"Ctrl-l\" = \"copy\"\n", 3, "`ctrl-l` is bound twice");
    // The same key in two contexts is not a duplicate: the context wins over global.
    assert!(Keymap::from_str_named("[table]\n\"q\" = \"copy\"\n", "mine.toml").is_ok());
}

#[test]
fn error_6_chord_prefix_conflicts() {
    let err =
        rejects("[table]\n\"g\" = \"top\"\n\"g g\" = \"bottom\"\n", 3, "[table] `g g` conflicts with [table] `g`");
    assert!(err.to_string().contains("(mine.toml:2)"), "{err}");
    rejects(
        "[global]\n\"g\" = \"top\"\n\n[detail]\n\"g g\" = \"bottom\"\n",
        5,
        "[detail] `g g` conflicts with [global] `g`",
    );
    rejects(
        "[findings]\n\"g\" = \"top\"\n\n[global]\n\"g g\" = \"bottom\"\n",
        5,
        "[global] `g g` conflicts with [findings] `g`",
    );
    // Against a preset: vim binds "g g", so a user's "g" is the later one.
    let err =
        rejects("extends = \"vim\"\n[global]\n\"g\" = \"copy\"\n", 3, "[global] `g` conflicts with [global] `g g`");
    assert!(err.to_string().contains("(keymaps/vim.toml:"), "{err}");
    // Unbinding the chord in the same layer resolves it.
    let ok = Keymap::from_str_named("extends = \"vim\"\n[global]\n\"g g\" = \"noop\"\n\"g\" = \"top\"\n", "mine.toml");
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn error_7_escape_hatches_cannot_be_rebound_or_unbound() {
    rejects("[global]\n\"ctrl-c\" = \"copy\"\n", 2, "`ctrl-c` is reserved for `quit`");
    rejects("[global]\n\"ctrl-c\" = \"noop\"\n", 2, "reserved for `quit`");
    rejects("[global]\n\"esc\" = \"noop\"\n", 2, "`esc` is reserved for `cancel`");
    rejects("[prompt]\n\"esc\" = \"prompt_clear\"\n", 2, "[prompt] `esc` is reserved for `cancel`");
    rejects("[table]\n\"ctrl-c\" = \"copy\"\n", 2, "[table] `ctrl-c` is reserved for `quit`");
    // A base layer has to bind them itself.
    rejects("extends = \"none\"\n[global]\n\"q\" = \"quit\"\n", 1, "[global] must bind `ctrl-c` to `quit`");
    rejects(
        "extends = \"none\"\n[global]\n\"ctrl-c\" = \"quit\"\n\"esc\" = \"cancel\"\n",
        1,
        "[prompt] must bind `esc` to `cancel`",
    );
    // Redundant or harmless: binding to the same action, or unbinding outside global (global still applies).
    let ok = Keymap::from_str_named("[global]\n\"ctrl-c\" = \"quit\"\n[table]\n\"ctrl-c\" = \"noop\"\n", "mine.toml");
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn error_8_prompt_actions_only_in_the_prompt() {
    rejects("[table]\n\"ctrl-w\" = \"prompt_delete_word\"\n", 2, "prompt_* actions only work in [prompt]");
    assert!(Keymap::from_str_named("[prompt]\n\"ctrl-k\" = \"prompt_clear\"\n", "mine.toml").is_ok());
}

#[test]
fn extends_must_name_a_preset() {
    rejects("\n\nextends = \"vi\"\n", 3, "names no preset");
    rejects("[global]\n\"x\" = 1\n", 2, "must be an action name string");
}

#[test]
fn user_layers_replace_and_unbind() {
    let text = "[global]\n\"q\" = \"noop\"\n\"Q\" = \"quit\"\n\"y\" = \"help\"\n";
    let map = Keymap::from_str_named(text, "mine.toml").expect("loads");
    assert_eq!(map.sources(), ["keymaps/default.toml", "mine.toml"]);
    assert_eq!(map.lookup(Context::Global, &keys("q")), Lookup::None);
    assert_eq!(map.lookup(Context::Global, &keys("Q")), Lookup::Action(Action::Quit));
    assert_eq!(map.lookup(Context::Global, &keys("y")), Lookup::Action(Action::Help));
    assert_eq!(map.origin(Context::Global, &seq("y")), Some(("mine.toml", 4)));
    // Untouched default bindings stay, with their origin.
    assert_eq!(map.lookup(Context::Global, &keys("?")), Lookup::Action(Action::Help));
    assert_eq!(map.origin(Context::Global, &seq("ctrl-c")).map(|(f, _)| f), Some("keymaps/default.toml"));
    assert!(map.keys_for(Context::Global, Action::Copy).is_empty());

    let vim_plus =
        Keymap::from_str_named("extends = \"vim\"\n[table]\n\"J\" = \"page_down\"\n", "mine.toml").expect("loads");
    assert_eq!(vim_plus.sources(), ["keymaps/default.toml", "keymaps/vim.toml", "mine.toml"]);
    assert_eq!(vim_plus.lookup(Context::Global, &keys("j")), Lookup::Action(Action::Down));
    assert_eq!(vim_plus.lookup(Context::Table, &keys("J")), Lookup::Action(Action::PageDown));
    assert_eq!(vim_plus.lookup(Context::Table, &keys("enter")), Lookup::Action(Action::OpenDetail));
}

/// The queries overlay is a context of its own, like the load-errors overlay: `K` opens it in every preset
/// built on the default, and a user file can bind keys inside it.
#[test]
fn queries_overlay_has_a_key_and_a_context() {
    for name in ["default", "vim", "emacs"] {
        let map = Keymap::preset(name).expect("preset");
        assert_eq!(map.lookup(Context::Global, &keys("K")), Lookup::Action(Action::ShowQueries), "{name}");
    }
    let map = Keymap::from_str_named("[queries]\n\"c\" = \"copy\"\n", "mine.toml").expect("loads");
    assert_eq!(map.lookup(Context::Queries, &keys("c")), Lookup::Action(Action::Copy));
    assert_eq!(Context::from_name("queries"), Some(Context::Queries));
    assert!(map.describe().contains("[queries]"));
}

#[test]
fn chords_are_pending_then_an_action() {
    let map = Keymap::preset("emacs").expect("emacs");
    assert_eq!(map.lookup(Context::Global, &keys("ctrl-x")), Lookup::Pending);
    assert_eq!(map.lookup(Context::Global, &keys("ctrl-x ctrl-c")), Lookup::Action(Action::Quit));
    assert_eq!(map.lookup(Context::Global, &keys("ctrl-x q")), Lookup::None);
    assert_eq!(map.lookup(Context::Global, &keys("alt-<")), Lookup::Action(Action::Top));
    assert_eq!(map.lookup(Context::Prompt, &keys("ctrl-g")), Lookup::Action(Action::Cancel));
    // The context alone: the caller falls back to global.
    assert_eq!(map.lookup(Context::Table, &keys("ctrl-x")), Lookup::None);
}

#[test]
fn check_shows_merged_bindings_with_descriptions_and_origins() {
    let out = check("vim").expect("vim checks");
    assert!(out.contains("keymaps/default.toml\n"), "{out}");
    assert!(out.contains("\"g g\" = \"top\""), "{out}");
    assert!(out.contains("# go to the first row  (from keymaps/vim.toml:"), "{out}");
    assert!(out.contains("# quit kvtrail  (from keymaps/default.toml:"), "{out}");
    assert!(out.contains("[prompt]\n"), "{out}");
    let err = check("no/such/keymap.toml").expect_err("missing file");
    assert!(err.to_string().starts_with("no/such/keymap.toml: cannot read"), "{err}");
}

#[test]
fn describe_output_loads_back_to_the_same_map() {
    for name in PRESETS {
        let map = Keymap::preset(name).expect("preset");
        let again = Keymap::from_str_named(&map.describe(), "described.toml").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(all_bindings(&again), all_bindings(&map), "{name}");
    }
}

#[test]
fn config_dir_file_is_used_when_present_and_strict() {
    let dir = tempfile::tempdir().expect("temp dir");
    let none = Keymap::load_from_config_dir(dir.path()).expect("no file: default");
    assert_eq!(none.sources(), ["keymaps/default.toml"]);

    let file = dir.path().join("kvtrail").join("keymap.toml");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, "extends = \"emacs\"\n[global]\n\"Q\" = \"quit\"\n").expect("write");
    let user = Keymap::load_from_config_dir(dir.path()).expect("user file");
    assert_eq!(user.sources().last().map(String::as_str), file.to_str());
    assert_eq!(user.lookup(Context::Global, &keys("ctrl-x ctrl-c")), Lookup::Action(Action::Quit));
    assert_eq!(user.lookup(Context::Global, &keys("Q")), Lookup::Action(Action::Quit));

    // A broken file is an error naming it, not a quiet fallback to the default.
    std::fs::write(&file, "[global]\n\"q\" = \"qiut\"\n").expect("write");
    let err = Keymap::load_from_config_dir(dir.path()).expect_err("broken file");
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}:2: unknown action `qiut`", file.display())), "{msg}");
}
