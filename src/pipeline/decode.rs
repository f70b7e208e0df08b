//! From bytes to text and a parsed tree, and the findings on the way: not UTF-8, invalid JSON
//! (with a hint at the usual causes), duplicate keys.

use super::locate::set_span;
use super::report::quoted;
use crate::codes;
use crate::diagnostic::{Anchor, Diagnostic};
use crate::json::{LineIndex, Pointer, Span, SpanIndex};

/// The `invalid-json` finding for bytes that stop being UTF-8 at `at`, located in the lossy
/// text (which has the same prefix up to the bad byte), and that text for the snippet.
pub(super) fn not_utf8(
    bytes: &[u8],
    at: usize,
    pointer: Pointer,
    message: String,
) -> (Diagnostic, String) {
    let lossy = String::from_utf8_lossy(bytes).into_owned();
    let mut d = Diagnostic::new(&codes::INVALID_JSON, pointer, message).with_help(utf8_help(bytes));
    let index = LineIndex::new(&lossy);
    set_span(
        &mut d,
        Span {
            start: at,
            end: at + 1,
        },
        &index,
        &lossy,
    );
    (d, lossy)
}

/// The help for bytes that are not UTF-8: UTF-16 named as such.
fn utf8_help(bytes: &[u8]) -> String {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        "the file looks like UTF-16: re-export it as UTF-8".to_owned()
    } else if bytes.starts_with(b"\x1F\x8B") {
        "the file is gzip-compressed: name it with `.gz` at the end (klar-lint decompresses those) or decompress it with `gzip -d`".to_owned()
    } else {
        "Klar reads UTF-8 only: re-export the file as UTF-8 (Latin-1 and Windows-1252 bytes are not valid UTF-8)".to_owned()
    }
}

/// serde_json's message without its " at line L column C" suffix (the location is shown apart).
pub(super) fn syntax_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = full
        .find(" at line ")
        .map_or(full.as_str(), |i| full.get(..i).unwrap_or(&full));
    format!("invalid JSON: {message}")
}

/// A syntax error as the finding says it: the message, the help, and the byte it points at.
pub(super) struct Syntax {
    pub(super) message: String,
    pub(super) help: String,
    pub(super) offset: usize,
}

/// The finding for serde_json's syntax error `e` at `offset` of `text`. A surrogate escape
/// without its other half is named exactly and pointed at (serde_json says "lone leading
/// surrogate" for a lone trailing one, and "unexpected end of hex escape" for `"\ud800"`).
pub(super) fn syntax_error(
    e: &serde_json::Error,
    text: &str,
    offset: usize,
    stdin: bool,
) -> Syntax {
    if let Some((at, escape, high)) = lone_surrogate(e, text, offset) {
        let message = if high {
            format!("invalid JSON: `{escape}` is the first half of a UTF-16 surrogate pair, and no second half (`\\udc00` to `\\udfff`) follows it")
        } else {
            format!("invalid JSON: `{escape}` is the second half of a UTF-16 surrogate pair, with no first half (`\\ud800` to `\\udbff`) before it")
        };
        return Syntax {
            message,
            help: "JSON text must be valid Unicode: send the character itself, or both halves of its pair (`\\ud83d\\ude00` for 😀); a half alone is usually a string cut in the middle of an emoji".to_owned(),
            offset: at,
        };
    }
    Syntax {
        message: syntax_message(e),
        help: syntax_help(e, text, offset, stdin),
        offset,
    }
}

/// The surrogate escape that serde_json's error at `offset` is about: where it starts, its
/// text (`\ud800`) and whether it is a first (high) half. Looks at the few bytes before the
/// error only.
fn lone_surrogate(
    e: &serde_json::Error,
    text: &str,
    offset: usize,
) -> Option<(usize, String, bool)> {
    let message = e.to_string();
    if !message.contains("surrogate") && !message.contains("hex escape") {
        return None;
    }
    let bytes = text.as_bytes();
    let from = offset.saturating_sub(12);
    let mut found = None;
    for at in from..=offset.min(bytes.len()) {
        let Some(escape) = bytes.get(at..at + 6) else {
            break;
        };
        if !escape.starts_with(b"\\u") {
            continue;
        }
        let hex = std::str::from_utf8(escape.get(2..)?).ok()?;
        let Ok(unit) = u16::from_str_radix(hex, 16) else {
            continue;
        };
        if (0xD800..=0xDFFF).contains(&unit) {
            found = Some((
                at,
                String::from_utf8_lossy(escape).into_owned(),
                unit < 0xDC00,
            ));
        }
    }
    found
}

/// The help for a syntax error: the usual causes (a trailing comma, NaN, a cut-off export,
/// one object per line in a `.json` file) named, else "fix the syntax".
pub(super) fn syntax_help(e: &serde_json::Error, text: &str, offset: usize, stdin: bool) -> String {
    let message = e.to_string();
    let before = text.get(..offset).unwrap_or("").trim_end();
    let at = text.get(offset..).unwrap_or("");
    if ["NaN", "Infinity", "-Infinity"]
        .iter()
        .any(|word| at.starts_with(word))
    {
        "JSON has no NaN or Infinity: send a number, or leave the field out".to_owned()
    } else if message.contains("recursion limit") {
        "the document nests deeper than 128 levels; no Klar payload does".to_owned()
    } else if message.contains("trailing comma")
        || (before.ends_with(',')
            && (text
                .get(offset..)
                .unwrap_or("")
                .trim_start()
                .starts_with([']', '}'])))
    {
        "remove the comma before the closing bracket".to_owned()
    } else if message.contains("EOF") {
        "the file ends early: was the export cut off?".to_owned()
    } else if message.contains("key must be a string") {
        "object keys are double-quoted strings".to_owned()
    } else if message.contains("trailing characters") && stdin {
        "standard input holds one JSON document; for one object per line pass `--stdin-filename orders.jsonl` (or the kind you send)"
            .to_owned()
    } else if message.contains("trailing characters") {
        "one file holds one JSON document; for one object per line name the file `.jsonl`"
            .to_owned()
    } else {
        "fix the syntax at this position".to_owned()
    }
}

/// `duplicate-key` for every key that appears twice in one object: serde_json keeps the last
/// value silently, so the text is scanned again (only when the parse saw a repeat).
pub(super) fn duplicate_keys(text: &str, out: &mut Vec<Diagnostic>) {
    let index = LineIndex::new(text);
    for dup in SpanIndex::new(text).duplicate_keys() {
        let mut d = Diagnostic::new(
            &codes::DUPLICATE_KEY,
            dup.pointer.clone(),
            match dup.count {
                2 => format!("{} appears twice in this object", quoted(&dup.key)),
                n => format!("{} appears {n} times in this object", quoted(&dup.key)),
            },
        )
        .with_anchor(Anchor::Key)
        .with_help("keep one: parsers keep only the last value, silently")
        .with_label(dup.pointer.clone(), "first here");
        if let Some(label) = d.labels.first_mut() {
            label.span = Some(dup.first_key_span);
        }
        set_span(&mut d, dup.key_span, &index, text);
        out.push(d);
    }
}
