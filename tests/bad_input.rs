//! Nothing crashes and nothing is lost silently: every rejected record is counted with its source, line and
//! reason, the tolerable oddities of real files are accepted, and hostile input is refused in bounded memory.

mod common;

use common::{gzip, load_files, load_one};

fn line(t: &str, op: &str) -> String {
    format!(
        r#"{{"time":"{t}","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"{op}","category":"AuditEvent","resultType":"Success","callerIpAddress":"10.1.2.3","identity":{{"claim":{{"oid":"o1"}}}},"properties":{{"httpStatusCode":200,"requestUri":"https://kv1.vault.azure.net/secrets/s1/?api-version=7.4"}}}}"#
    )
}

/// `n` distinct events (distinct times), starting at second `from` of the day.
fn lines(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| {
            line(&format!("2026-10-01T{:02}:{:02}:{:02}.0000000Z", i / 3600, i / 60 % 60, i % 60), "SecretGet") + "\n"
        })
        .collect()
}

#[test]
fn bom_crlf_and_unknown_fields_are_accepted() {
    let extra = line("2026-10-01T00:00:59Z", "SecretList").replacen(
        '{',
        r#"{"futureField":{"nested":[1,{"x":null}]},"tenantId":"t","#,
        1,
    );
    let text = format!(
        "\u{feff}{}\r\n{}\r\n{extra}\r\n",
        line("2026-10-01T00:00:01Z", "SecretGet"),
        line("2026-10-01T00:00:02Z", "KeyGet")
    );
    let l = load_one("crlf.json", text.as_bytes());
    assert_eq!((l.store.len() as u64, l.report.rejected()), (3, 0), "{:?}", l.rejections());
    assert_eq!(l.report.inputs[0].format, "auditevent/jsonl");
}

#[test]
fn truncated_last_line_of_a_blob_being_appended() {
    let full = lines(0, 3);
    let partial = &line("2026-10-01T00:01:00Z", "SecretGet")[..120];
    let l = load_one("PT1H.json", format!("{full}{partial}").as_bytes());
    assert_eq!(l.store.len(), 3);
    assert_eq!(l.report.rejected(), 1);
    let r = &l.report.inputs[0].rejections[0];
    assert_eq!(r.line, 4);
    assert!(r.reason.contains("incomplete final line"), "{}", r.reason);
}

#[test]
fn unknown_format_names_the_formats_understood() {
    let l = load_one("notes.txt", b"Meeting notes: rotate the keys on Friday.\n");
    assert_eq!(l.store.len(), 0);
    assert_eq!(l.report.inputs[0].format, "unknown");
    let reason = &l.report.inputs[0].rejections[0].reason;
    assert!(
        reason.contains("not a format kvtrail reads") && reason.contains("AuditEvent") && reason.contains("CSV"),
        "{reason}"
    );
}

#[test]
fn binary_garbage_is_refused_without_panic() {
    let mut state = 0x2545F4914F6CDD1Du64;
    let garbage: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut starts_like_json = garbage.clone();
    starts_like_json[0] = b'{';
    let mut array = garbage.clone();
    array[0] = b'[';
    let l = load_files(&[("a.bin", &garbage), ("b.bin", &starts_like_json), ("c.bin", &array)]);
    assert_eq!(l.store.len(), 0);
    assert!(l.report.inputs.iter().all(|i| i.rejected >= 1), "{:?}", l.report.inputs);
}

#[test]
fn truncated_gzip_keeps_what_came_before() {
    let gz = gzip(lines(0, 2000).as_bytes());
    let cut = &gz[..gz.len() * 2 / 3];
    let l = load_one("PT1H.json.gz", cut);
    assert!(l.store.len() > 100 && l.store.len() < 2000, "{}", l.store.len());
    let reasons = l.rejections();
    assert!(reasons.iter().any(|r| r.contains("gzip stream is truncated")), "{reasons:?}");
}

#[test]
fn a_hundred_megabyte_line_is_rejected_and_the_rest_loads() {
    let mut text = lines(0, 2);
    text.push_str(r#"{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","resultDescription":""#);
    text.push_str(&"A".repeat(100 << 20));
    text.push_str("\"}\n");
    text.push_str(&lines(10, 1));
    let l = load_one("huge.jsonl", text.as_bytes());
    assert_eq!(l.store.len(), 3);
    assert_eq!(l.report.rejected(), 1);
    let r = &l.report.inputs[0].rejections[0];
    assert_eq!(r.line, 3);
    assert!(r.reason.contains("exceeds the 16 MiB"), "{}", r.reason);
}

#[test]
fn ten_thousand_deep_nesting_is_rejected() {
    let deep = format!(
        r#"{{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","x":{}1{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let jsonl = format!("{}{deep}\n{}", lines(0, 1), lines(10, 1));
    let array =
        format!("[{},{deep},{}]", line("2026-10-01T00:00:01Z", "KeyGet"), line("2026-10-01T00:00:02Z", "KeyGet"));
    let l = load_files(&[("deep.jsonl", jsonl.as_bytes()), ("deep.json", array.as_bytes())]);
    assert_eq!(l.store.len(), 4, "{:?}", l.rejections());
    assert_eq!(l.report.rejected(), 2);
    assert!(l.rejections().iter().all(|r| r.contains("nested deeper than 128")), "{:?}", l.rejections());
}

#[test]
fn wrong_field_types_are_rejected_naming_the_field() {
    let bad = [
        r#"{"time":12345,"operationName":"SecretGet"}"#,
        r#"{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","properties":{"httpStatusCode":{"code":200}}}"#,
        r#"{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","callerIpAddress":["1.2.3.4"]}"#,
        r#"{"time":"not a time","operationName":"SecretGet"}"#,
        r#"{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","durationMs":"fast"}"#,
        r#"{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","properties":{"httpStatusCode":999}}"#,
        r#"{"time":"2026-10-01T00:00:00Z"}"#,
        r#"["not","an","object"]"#,
        r#"{"time":"2026-10-01T00:00:00Z","operationName":"SecretGet","properties":{"isRbacAuthorized":"maybe"}}"#,
    ];
    let text = format!("{}{}\n{}", lines(0, 1), bad.join("\n"), lines(10, 1));
    let l = load_one("types.jsonl", text.as_bytes());
    assert_eq!(l.store.len(), 2);
    let got = l.rejections();
    let expected = [
        "2: time: expected a timestamp string, found a number",
        "3: httpStatusCode: expected a number, found an object",
        "4: callerIpAddress: expected text, found an array",
        "5: time: cannot read \"not a time\" as a timestamp",
        "6: durationMs: expected a number, found \"fast\"",
        "7: httpStatusCode: 999 is not an HTTP status",
        "8: no operationName",
        "9: a record must be a JSON object, found an array",
        "10: isRbacAuthorized: expected true or false, found \"maybe\"",
    ];
    assert_eq!(got, expected);
}

#[test]
fn damaged_element_inside_an_array_document() {
    let text = format!(
        "[\n{},\n{{\"time\": oops}},\n{}\n]\n",
        line("2026-10-01T00:00:01Z", "SecretGet"),
        line("2026-10-01T00:00:02Z", "SecretGet")
    );
    let l = load_one("export.json", text.as_bytes());
    // The damaged record is framed by bracket balance and rejected alone.
    assert_eq!(l.store.len(), 2, "{:?}", l.rejections());
    assert_eq!(l.rejections().len(), 1);
    assert!(l.rejections()[0].starts_with("3: "), "{:?}", l.rejections());
}

#[test]
fn truncated_array_document_keeps_complete_records() {
    let text = format!(
        "[{},{},{}",
        line("2026-10-01T00:00:01Z", "A"),
        line("2026-10-01T00:00:02Z", "B"),
        &line("2026-10-01T00:00:03Z", "C")[..50]
    );
    let l = load_one("cut.json", text.as_bytes());
    assert_eq!(l.store.len(), 2);
    assert!(l.rejections()[0].contains("ends early"), "{:?}", l.rejections());
}

#[test]
fn utf16_from_windows_powershell() {
    let text = format!("[{}]", line("2026-10-01T00:00:01Z", "SecretGet"));
    let mut bytes = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let l = load_one("ActivityLog.json", &bytes);
    assert_eq!(l.store.len(), 1, "{:?}", l.rejections());
}

#[test]
fn empty_files_and_missing_paths() {
    let l = load_files(&[("empty.json", b""), ("blank.json", b"\n\n  \n")]);
    assert_eq!((l.store.len() as u64, l.report.rejected()), (0, 0));
    let (store, report) =
        kvtrail::store::load::load_paths(&["/nonexistent/PT1H.json".to_string()], &Default::default());
    assert_eq!(store.len(), 0);
    assert_eq!(report.inputs[0].format, "unreadable");
    assert!(report.inputs[0].rejections[0].reason.contains("No such file"), "{:?}", report.inputs[0]);
}

#[test]
fn invalid_utf8_in_strings_is_replaced_not_fatal() {
    let mut bytes = line("2026-10-01T00:00:01Z", "SecretGet").into_bytes();
    let at = bytes.windows(8).position(|w| w == b"10.1.2.3").unwrap();
    bytes[at] = 0xff;
    let l = load_one("bad-utf8.jsonl", &bytes);
    assert_eq!(l.store.len(), 1);
    assert_eq!(l.only().caller_ip.as_deref(), Some("\u{fffd}0.1.2.3"));
}
