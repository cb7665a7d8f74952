//! placeholder until the keymap lands
