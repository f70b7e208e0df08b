//! From bytes to text and a parsed tree, and the findings on the way: not UTF-8, invalid JSON
//! (with a hint at the usual causes), duplicate keys.

use super::locate::set_span;
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
            format!("`{}` appears twice in this object", dup.key),
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
