//! Turning an analyst's text file into lines. Lists get edited on Windows as often as anywhere: a UTF-8 byte-order
//! mark, CRLF line ends and UTF-16 from PowerShell's `Out-File` are all accepted, and bytes that are not text
//! become U+FFFD (so the line is reported as bad instead of the whole file failing).

use std::borrow::Cow;

/// The text of a file's bytes.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest);
    }
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        let units = rest.chunks_exact(2).map(|c| unit([c[0], c[1]]));
        Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    String::from_utf8_lossy(bytes)
}

/// Non-blank lines that are not `#` comments, trimmed, with their 1-based numbers.
pub fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim();
        (!line.is_empty() && !line.starts_with('#')).then_some((i + 1, line))
    })
}

/// Like [`content_lines`], and a trailing `# comment` is removed too. Only for lists whose values can never
/// contain `#` (addresses, ASNs, Key Vault names).
pub fn value_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    content_lines(text).filter_map(|(n, line)| {
        let value = line.split_once('#').map_or(line, |(v, _)| v).trim();
        (!value.is_empty()).then_some((n, value))
    })
}

/// The first comma-separated field, without surrounding quotes or spaces (CSV exports quote everything).
pub fn first_field(line: &str) -> &str {
    unquote(line.split(',').next().unwrap_or(line))
}

/// A CSV field without spaces and one pair of surrounding double quotes.
pub fn unquote(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(f).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBFa\r\nb"), "a\r\nb");
        let le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("1.2.3.4\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&le), "1.2.3.4\n");
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("x".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&be), "x");
        assert_eq!(decode(b"a\xFFb"), "a\u{FFFD}b");
        // An odd trailing byte of UTF-16 is dropped, not a panic.
        assert_eq!(decode(b"\xFF\xFEa\0b"), "a");
    }

    #[test]
    fn comments_and_blanks() {
        let text = "# header\n\n  1.2.3.4  \r\n5.6.7.8 # office\n   # indented comment\n#\n";
        assert_eq!(content_lines(text).collect::<Vec<_>>(), vec![(3, "1.2.3.4"), (4, "5.6.7.8 # office")]);
        assert_eq!(value_lines(text).collect::<Vec<_>>(), vec![(3, "1.2.3.4"), (4, "5.6.7.8")]);
    }

    #[test]
    fn csv_fields() {
        assert_eq!(first_field("\"1.2.3.0/24\",\"Provider\""), "1.2.3.0/24");
        assert_eq!(first_field(" 1.2.3.0/24 "), "1.2.3.0/24");
        assert_eq!(unquote("\""), "\"");
    }
}
