//! A pull scanner over JSON bytes that reads only what kvtrail needs and skips the rest without building a
//! tree. Strings are borrowed from the input unless they carry escapes (about 1% of real records do), so a
//! million-record load allocates almost nothing. Nesting is tracked iteratively and capped at [`MAX_DEPTH`]:
//! hostile input cannot overflow the stack.

use std::borrow::Cow;

/// Deepest nesting accepted inside one record. Key Vault records nest four levels; 128 is what serde_json allows.
pub const MAX_DEPTH: u32 = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("JSON ends in the middle of a value")]
    Eof,
    #[error("invalid JSON at byte {at}: expected {expected}, found {}", describe(*found))]
    Unexpected { at: usize, expected: &'static str, found: Option<u8> },
    #[error("invalid JSON at byte {0}: more JSON after the end of the record")]
    Trailing(usize),
    #[error("JSON nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("invalid escape sequence in a string at byte {0}")]
    BadEscape(usize),
    #[error("a record must be a JSON object, found {0}")]
    NotAnObject(&'static str),
}

pub type Result<T> = std::result::Result<T, ScanError>;

/// A scalar value, or the raw bytes of a container for whoever wants to look inside.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Str(Cow<'a, str>),
    /// The number's text, unparsed: callers decide whether it is a status code, a duration or text.
    Num(&'a str),
    Bool(bool),
    Null,
    Object(&'a [u8]),
    Array(&'a [u8]),
}

impl Json<'_> {
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Str(_) => "a string",
            Json::Num(_) => "a number",
            Json::Bool(_) => "a boolean",
            Json::Null => "null",
            Json::Object(_) => "an object",
            Json::Array(_) => "an array",
        }
    }
}

/// Turns string bytes into text: borrowed when valid UTF-8 (the norm); invalid bytes become U+FFFD rather than
/// losing the record.
pub fn text_of(raw: &[u8]) -> Cow<'_, str> {
    // The strict check is several times faster than the lossy one on valid input, which is nearly all input.
    match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

pub struct Scanner<'a> {
    buf: &'a [u8],
    /// The same bytes as text, when they were checked to be UTF-8 up front: strings are then sliced from it
    /// without checking each one again (one pass over a whole record is several times cheaper).
    text: Option<&'a str>,
    pos: usize,
}

fn describe(b: Option<u8>) -> String {
    match b {
        None => "end of input".to_string(),
        Some(c) if c.is_ascii_graphic() => format!("'{}'", c as char),
        Some(c) => format!("byte 0x{c:02x}"),
    }
}

impl<'a> Scanner<'a> {
    pub fn new(buf: &'a [u8]) -> Scanner<'a> {
        Scanner { buf, text: None, pos: 0 }
    }

    /// A scanner over one record, checked as UTF-8 once.
    pub fn record(buf: &'a [u8]) -> Scanner<'a> {
        Scanner { buf, text: std::str::from_utf8(buf).ok(), pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(&c) = self.buf.get(self.pos) {
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            self.pos += 1;
        }
    }

    /// The next significant byte, after whitespace.
    #[inline(always)]
    pub fn peek(&mut self) -> Option<u8> {
        // JSON Lines have no whitespace between tokens: check the current byte before looping.
        match self.buf.get(self.pos) {
            Some(&c) if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') => Some(c),
            _ => {
                self.ws();
                self.buf.get(self.pos).copied()
            }
        }
    }

    fn unexpected<T>(&self, expected: &'static str) -> Result<T> {
        match self.buf.get(self.pos) {
            None => Err(ScanError::Eof),
            found => Err(ScanError::Unexpected { at: self.pos, expected, found: found.copied() }),
        }
    }

    #[inline]
    fn expect(&mut self, c: u8, what: &'static str) -> Result<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.unexpected(what)
        }
    }

    /// The input between two positions, as text (borrowed when the record was checked as UTF-8).
    pub fn text(&self, start: usize, end: usize) -> Cow<'a, str> {
        match self.text.and_then(|t| t.get(start..end)) {
            Some(s) => Cow::Borrowed(s),
            None => text_of(self.buf.get(start..end).unwrap_or_default()),
        }
    }

    /// True when only whitespace remains.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// The raw bytes between the quotes of the string at the cursor, and whether they contain escapes.
    #[inline(always)]
    fn string_raw(&mut self) -> Result<(&'a [u8], bool)> {
        self.expect(b'"', "a string")?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            let rest = &self.buf[self.pos..];
            match find_quote_or_backslash(rest) {
                None => {
                    self.pos = self.buf.len();
                    return Err(ScanError::Eof);
                }
                Some(i) if rest[i] == b'"' => {
                    self.pos += i + 1;
                    return Ok((&self.buf[start..self.pos - 1], escaped));
                }
                Some(i) => {
                    escaped = true;
                    // Skip the backslash and the escaped byte; `\u` digits are checked when unescaping.
                    self.pos += i + 2;
                    if self.pos > self.buf.len() {
                        self.pos = self.buf.len();
                        return Err(ScanError::Eof);
                    }
                }
            }
        }
    }

    /// The string at the cursor, unescaped.
    #[inline]
    pub fn string(&mut self) -> Result<Cow<'a, str>> {
        self.ws();
        let at = self.pos;
        let (raw, escaped) = self.string_raw()?;
        if escaped {
            return unescape(raw, at).map(Cow::Owned);
        }
        // The quotes around `raw` are ASCII, so its ends are character boundaries of the checked text.
        let start = at + 1;
        match self.text.and_then(|t| t.get(start..start + raw.len())) {
            Some(s) => Ok(Cow::Borrowed(s)),
            None => Ok(text_of(raw)),
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<()> {
        if self.buf[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.unexpected("true, false or null")
        }
    }

    fn number(&mut self) -> Result<&'a str> {
        let start = self.pos;
        while let Some(&c) = self.buf.get(self.pos) {
            if !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                break;
            }
            self.pos += 1;
        }
        let text = &self.buf[start..self.pos];
        if !text.iter().any(u8::is_ascii_digit) {
            self.pos = start;
            return self.unexpected("a number");
        }
        // Only ASCII digits and signs were accepted, so this cannot fail.
        Ok(std::str::from_utf8(text).unwrap_or("0"))
    }

    /// Reads the value at the cursor: scalars decoded, containers skipped and returned as raw bytes.
    pub fn value(&mut self) -> Result<Json<'a>> {
        match self.peek() {
            Some(b'"') => self.string().map(Json::Str),
            Some(b'{') | Some(b'[') => {
                let start = self.pos;
                let is_object = self.buf[start] == b'{';
                self.skip_value()?;
                let raw = &self.buf[start..self.pos];
                Ok(if is_object { Json::Object(raw) } else { Json::Array(raw) })
            }
            Some(b't') => self.literal(b"true").map(|_| Json::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|_| Json::Bool(false)),
            Some(b'n') => self.literal(b"null").map(|_| Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Num),
            _ => self.unexpected("a JSON value"),
        }
    }

    /// Skips one value of any shape, validating its structure, without recursion.
    pub fn skip_value(&mut self) -> Result<()> {
        // One bit per open container: 1 = object, 0 = array. MAX_DEPTH fits in a u128.
        let mut kinds: u128 = 0;
        let mut depth: u32 = 0;
        'value: loop {
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    if depth == MAX_DEPTH {
                        return Err(ScanError::TooDeep);
                    }
                    kinds = (kinds << 1) | 1;
                    depth += 1;
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        kinds >>= 1;
                        depth -= 1;
                    } else {
                        self.string_raw()?;
                        self.expect(b':', "':' after an object key")?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    if depth == MAX_DEPTH {
                        return Err(ScanError::TooDeep);
                    }
                    kinds <<= 1;
                    depth += 1;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        kinds >>= 1;
                        depth -= 1;
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string_raw()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                _ => return self.unexpected("a JSON value"),
            }
            // After a value: close finished containers, or move to the next member.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let in_object = kinds & 1 == 1;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if in_object {
                            self.string_raw()?;
                            self.expect(b':', "':' after an object key")?;
                        }
                        continue 'value;
                    }
                    Some(b'}') if in_object => {}
                    Some(b']') if !in_object => {}
                    _ => {
                        return self.unexpected(if in_object { "',' or '}'" } else { "',' or ']'" });
                    }
                }
                self.pos += 1;
                kinds >>= 1;
                depth -= 1;
            }
        }
    }

    /// Walks the members of the object at the cursor. `member` is called with each key and must consume the
    /// value (read it or [`Scanner::skip_value`] it).
    pub fn object(&mut self, mut member: impl FnMut(&mut Self, Key<'a>) -> Result<()>) -> Result<()> {
        self.expect(b'{', "'{'")?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let at = self.pos;
            let (raw, escaped) = self.string_raw()?;
            self.expect(b':', "':' after an object key")?;
            let key = if escaped { Key::Owned(unescape(raw, at)?) } else { Key::Raw(raw) };
            member(self, key)?;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.unexpected("',' or '}'"),
            }
        }
    }

    /// Walks the elements of the array at the cursor; `element` must consume each one.
    pub fn array(&mut self, mut element: impl FnMut(&mut Self) -> Result<()>) -> Result<()> {
        self.expect(b'[', "'['")?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            element(self)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.unexpected("',' or ']'"),
            }
        }
    }
}

/// The first `"` or `\\` in `s`: the inner loop of JSON parsing. Sixteen bytes at a time with SSE2, which
/// every x86_64 processor has; eight bytes at a time in a register elsewhere.
#[inline(always)]
fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
        // SAFETY: SSE2 is enabled for this build (checked by the `cfg` above; it is part of the x86_64
        // baseline). Each load reads 16 bytes at `i` with `i + 16 <= s.len()`, inside `s`; `loadu` needs no
        // alignment.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            while i + 16 <= s.len() {
                let v = _mm_loadu_si128(s.as_ptr().add(i).cast());
                let hits = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
                if hits != 0 {
                    return Some(i + hits.trailing_zeros() as usize);
                }
                i += 16;
            }
        }
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while i + 8 <= s.len() {
        let Ok(chunk) = <[u8; 8]>::try_from(&s[i..i + 8]) else { break };
        let v = u64::from_le_bytes(chunk);
        // The lowest flagged byte of the zero-byte test is always a true match.
        let hits = zero_byte(v ^ (ONES * b'"' as u64)) | zero_byte(v ^ (ONES * b'\\' as u64));
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&c| c == b'"' || c == b'\\').map(|j| i + j)
}

/// An object key: raw bytes (the norm) or unescaped text (keys like `http:\/\/schemas…`).
pub enum Key<'a> {
    Raw(&'a [u8]),
    Owned(String),
}

impl Key<'_> {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Key::Raw(b) => b,
            Key::Owned(s) => s.as_bytes(),
        }
    }
}

fn hex4(raw: &[u8], i: usize, at: usize) -> Result<u32> {
    let digits = raw.get(i..i + 4).ok_or(ScanError::BadEscape(at + i))?;
    let mut v = 0u32;
    for &d in digits {
        let n = (d as char).to_digit(16).ok_or(ScanError::BadEscape(at + i))?;
        v = v * 16 + n;
    }
    Ok(v)
}

/// Decodes JSON escapes. Lone surrogates become U+FFFD (attackers write them; they are not worth a rejection).
pub fn unescape(raw: &[u8], at: usize) -> Result<String> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *raw.get(i + 1).ok_or(ScanError::BadEscape(at + i))?;
        i += 2;
        let ch = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(raw, i, at)?;
                i += 4;
                if (0xD800..0xDC00).contains(&hi) && raw.get(i) == Some(&b'\\') && raw.get(i + 1) == Some(&b'u') {
                    let lo = hex4(raw, i + 2, at)?;
                    if (0xDC00..0xE000).contains(&lo) {
                        i += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{FFFD}')
                    } else {
                        '\u{FFFD}'
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{FFFD}')
                }
            }
            _ => return Err(ScanError::BadEscape(at + i - 2)),
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

impl Scanner<'_> {
    /// Skips one value by bracket balance only, without a depth limit or structural checks. Used to *frame*
    /// records inside documents, so that one malformed or absurdly deep record is rejected on its own when it
    /// is parsed instead of ending the document; and to find the extent of values that are parsed strictly
    /// later (a token's identity, parsed once per distinct text).
    pub fn skip_balanced(&mut self) -> Result<()> {
        if !matches!(self.peek(), Some(b'{' | b'[')) {
            return self.skip_value();
        }
        let mut depth: u64 = 0;
        loop {
            let Some(i) = find_structural(&self.buf[self.pos..]) else {
                self.pos = self.buf.len();
                return Err(ScanError::Eof);
            };
            self.pos += i;
            match self.buf[self.pos] {
                b'"' => {
                    self.string_raw()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                _ => {
                    self.pos += 1;
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// The first `"`, `{`, `}`, `[` or `]` in `s`, sixteen bytes at a time where SSE2 is available.
#[inline(always)]
fn find_structural(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
        // SAFETY: as in `find_quote_or_backslash`: SSE2 is enabled, and every load is inside `s`.
        unsafe {
            let wanted = [b'"', b'{', b'}', b'[', b']'].map(|c| _mm_set1_epi8(c as i8));
            while i + 16 <= s.len() {
                let v = _mm_loadu_si128(s.as_ptr().add(i).cast());
                let any =
                    wanted.iter().fold(_mm_cmpeq_epi8(v, wanted[0]), |acc, w| _mm_or_si128(acc, _mm_cmpeq_epi8(v, *w)));
                let hits = _mm_movemask_epi8(any);
                if hits != 0 {
                    return Some(i + hits.trailing_zeros() as usize);
                }
                i += 16;
            }
        }
    }
    s[i..].iter().position(|c| matches!(c, b'"' | b'{' | b'}' | b'[' | b']')).map(|j| i + j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(s: &str) -> Result<usize> {
        let mut sc = Scanner::new(s.as_bytes());
        sc.skip_value()?;
        Ok(sc.pos())
    }

    #[test]
    fn skips_valid_values() {
        for v in
            [r#"{}"#, r#"[]"#, r#"{"a":[1,2,{"b":null}],"c":"x\"y"}"#, r#"-1.5e3"#, r#"true"#, r#"[[[]]]"#, r#""\\""#]
        {
            assert_eq!(skip(v), Ok(v.len()), "{v}");
        }
    }

    #[test]
    fn rejects_broken_values() {
        for v in [
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"[1 2]"#,
            r#"{"a":1]"#,
            r#"[1}"#,
            r#"tru"#,
            r#"{"a":"#,
            r#""abc"#,
            r#"{,}"#,
            "x",
        ] {
            assert!(skip(v).is_err(), "{v}");
        }
    }

    #[test]
    fn quote_search_agrees_with_a_plain_search() {
        let mut state = 7u64;
        for len in 0..200 {
            for _ in 0..20 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        [b'a', b'"', b'\\', 0x80, 0xff, b'!', b'#', b'['][(state >> 61) as usize]
                    })
                    .collect();
                let plain = s.iter().position(|&c| c == b'"' || c == b'\\');
                assert_eq!(find_quote_or_backslash(&s), plain, "{s:?}");
            }
        }
    }

    #[test]
    fn structural_search_agrees_with_a_plain_search() {
        let mut state = 11u64;
        for len in 0..100 {
            for _ in 0..30 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        [b'a', b'"', b'{', b'}', b'[', b']', b'y', b'Y', b'_', b'\x7f', b'9', b'z']
                            [(state >> 60) as usize % 12]
                    })
                    .collect();
                let plain = s.iter().position(|c| matches!(c, b'"' | b'{' | b'}' | b'[' | b']'));
                assert_eq!(find_structural(&s), plain, "{s:?}");
            }
        }
    }

    #[test]
    fn depth_is_capped_without_recursion() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(skip(&deep), Err(ScanError::TooDeep));
        let ok = "[".repeat(MAX_DEPTH as usize) + &"]".repeat(MAX_DEPTH as usize);
        assert!(skip(&ok).is_ok());
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut sc = Scanner::new(br#""plain""#);
        assert!(matches!(sc.string().unwrap(), Cow::Borrowed("plain")));
        let mut sc = Scanner::new(br#""a\"b\u00e9\/\ud83d\ude00""#);
        assert_eq!(sc.string().unwrap(), "a\"bé/😀");
        let mut sc = Scanner::new(br#""lone \ud800 x""#);
        assert_eq!(sc.string().unwrap(), "lone \u{FFFD} x");
        let mut sc = Scanner::new(br#""bad \q""#);
        assert!(sc.string().is_err());
        let mut sc = Scanner::new(b"\"\xff\xfe\"");
        assert_eq!(sc.string().unwrap(), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn checked_records_slice_strings_after_whitespace() {
        let mut sc = Scanner::record("{ \"k\" :   \"vé\" , \"e\": \"a\\nb\" }".as_bytes());
        let mut seen = vec![];
        sc.object(|sc, _| {
            seen.push(sc.string()?);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["vé", "a\nb"]);
        assert!(matches!(seen[0], Cow::Borrowed(_)));
    }

    #[test]
    fn object_walk_reads_members() {
        let mut sc = Scanner::new(br#" { "a" : 1 , "b\/c" : {"x":[1]}, "d":"e" } "#);
        let mut seen = vec![];
        sc.object(|sc, k| {
            seen.push((String::from_utf8_lossy(k.bytes()).into_owned(), sc.value()?));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen[0], ("a".into(), Json::Num("1")));
        assert_eq!(seen[1], ("b/c".into(), Json::Object(br#"{"x":[1]}"#)));
        assert_eq!(seen[2], ("d".into(), Json::Str("e".into())));
        assert!(sc.at_end());
    }
}
