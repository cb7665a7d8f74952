//! Copy to the analyst's own clipboard with OSC 52: the terminal emulator on their desk does the copy, so it
//! works over SSH and from a jump box with no display. Inside tmux the sequence is wrapped in tmux's DCS
//! passthrough. The payload is capped like k9s does, since terminals drop oversized sequences silently.

/// Terminals commonly accept OSC 52 payloads up to about 100 KB; k9s caps the encoded payload at 74,994 bytes.
pub const MAX_ENCODED: usize = 74_994;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The escape sequence that puts `text` on the clipboard, or why it cannot.
pub fn osc52(text: &str, in_tmux: bool) -> Result<String, String> {
    let encoded = base64(text.as_bytes());
    if encoded.len() > MAX_ENCODED {
        return Err(format!("{} bytes is too large for the terminal clipboard (OSC 52)", text.len()));
    }
    let seq = format!("\x1b]52;c;{encoded}\x1b\\");
    Ok(if in_tmux {
        // tmux passes a DCS `tmux;` sequence through with every ESC doubled.
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
    }

    #[test]
    fn osc52_wraps_for_tmux_and_caps_the_payload() {
        assert_eq!(osc52("hi", false).unwrap(), "\x1b]52;c;aGk=\x1b\\");
        assert_eq!(osc52("hi", true).unwrap(), "\x1bPtmux;\x1b\x1b]52;c;aGk=\x1b\x1b\\\x1b\\");
        assert!(osc52(&"x".repeat(60_000), false).is_err());
    }
}
