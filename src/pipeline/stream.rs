//! A large top-level array, streamed: its elements found by a quick scan, then parsed, checked and
//! freed chunk by chunk, in parallel, so memory holds the text and one chunk of trees.

use rayon::prelude::*;

use super::decode::duplicate_keys;
use super::envelope::{reject_batch, undocumented_endpoint};
use super::finish::ids_unreadable;
use super::object::{Cap, Checked};
use super::report::{FileReport, Source};
use super::tap::{Feed, Taken};
use super::{Pipeline, CHUNK_BYTES, CHUNK_OBJECTS, PARALLEL_MIN};
use crate::diagnostic::Diagnostic;
use crate::json::{parse_document, Pointer};
use crate::payload;
use crate::rule::FileState;

impl Pipeline {
    /// The fast path for the common case, a top-level array whose kind and version are known
    /// without reading every object: the elements are found by a quick scan, then parsed and
    /// checked chunk by chunk, in parallel, so memory holds the text plus one chunk of parsed
    /// values instead of the whole tree. Returns `None` (and the whole-document path runs)
    /// for anything else: another shape, a syntax error (reported there, at its exact place),
    /// deep nesting, a kind that cannot be told, or a version only the content could tell.
    pub(super) fn lint_array_streamed(&self, path: &str, text: &str) -> Option<FileReport> {
        let split = split_array(text)?;
        // serde_json's recursion limit counts from the document's root; stay far from it.
        if split.max_depth > STREAM_MAX_DEPTH {
            return None;
        }
        let elements = split.elements;
        let parse = |&(start, end): &(usize, usize)| parse_document(text.get(start..end)?).ok();
        let (kind, kind_source) = if let (Some(kind), source) = self.detect_kind(path, None) {
            (kind, source)
        } else {
            // As `sniff_document` does for an array: the first 16 objects.
            let mut found = None;
            for element in elements.iter().take(16) {
                if let Some(kind) = payload::sniff_object(&parse(element)?.value) {
                    found = Some(kind);
                    break;
                }
            }
            (found?, Some(Source::Content))
        };
        let (version, version_source) = self.detect_version(path, &[]);
        // The content was not read: trust the answer only where the content could not have
        // changed it (no object can name `bundledProducts`, not even through a `\u` escape).
        if !matches!(
            version_source,
            Source::Flag | Source::FileName | Source::Folder
        ) && (text.contains("bundledProducts") || text.contains("\\u"))
        {
            return None;
        }
        let mut report = FileReport::new(path);
        report.kind = Some(kind);
        report.kind_source = kind_source;
        report.api_version = Some(version);
        report.version_source = Some(version_source);
        report.objects = elements.len();
        let mut diagnostics: Vec<Diagnostic> = undocumented_endpoint(kind, version, version_source)
            .into_iter()
            .collect();
        if kind.wrapped_in_items() {
            diagnostics.push(super::envelope::bare_array(kind));
        }
        self.batch_envelope(kind, elements.len(), &Pointer::root(), &mut diagnostics);
        let mut state = FileState::default();
        let tap = Taken::take();
        // With a tap (`split`), objects leave as each chunk is completed: an element that does
        // not parse must send the file down the whole-document path before the first does.
        if tap.is_some() && serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
            return None;
        }
        let mut cap = Cap {
            before_objects: diagnostics.len(),
            truncated: &mut report.truncated,
            floor: None,
            path,
            feed: Feed::elements(tap, text, &elements, (kind, version)),
        };
        let mut has_duplicate_keys = false;
        let mut first = 0;
        for chunk in chunks(&elements, |&(start, end)| end - start) {
            // Each element is parsed, checked and freed in one step, on one thread, while its
            // tree is in cache; an element that does not parse sends the file down the whole
            // document path, which reports the syntax error at its place.
            let step = |(i, element): (usize, &(usize, usize))| {
                let parsed = parse(element)?;
                let ptr = Pointer::root().index(first + i);
                let checked = self.check_object(version, kind, &parsed.value, ptr);
                Some((checked, parsed.has_duplicate_keys))
            };
            let done: Vec<(Checked, bool)> = if !self.parallel || chunk.len() < PARALLEL_MIN {
                chunk.iter().enumerate().map(step).collect::<Option<_>>()?
            } else {
                chunk
                    .par_iter()
                    .enumerate()
                    .map(step)
                    .collect::<Option<_>>()?
            };
            first += chunk.len();
            let (checked, duplicates): (Vec<Checked>, Vec<bool>) = done.into_iter().unzip();
            has_duplicate_keys |= duplicates.contains(&true);
            if let Some(feed) = cap.feed.as_mut() {
                feed.chunk(first - chunk.len(), duplicates);
            }
            let go_on = self.finish_chunk(
                version,
                kind,
                checked,
                &mut state,
                &mut report.revenue,
                &mut diagnostics,
                &mut cap,
            );
            if !go_on {
                break;
            }
        }
        if has_duplicate_keys {
            duplicate_keys(text, &mut diagnostics);
        }
        diagnostics.extend(ids_unreadable(&state));
        self.finish_document(&mut report, diagnostics, text);
        reject_batch(&mut report);
        Some(report)
    }
}

/// Arrays nested deeper than this take the whole-document path, whose parse enforces
/// serde_json's recursion limit from the document's root.
const STREAM_MAX_DEPTH: usize = 64;

/// Smaller documents are parsed whole: the streamed path's scan for the elements costs more
/// than it saves on a file of a few dozen orders (a tenth of a one-order file's time).
pub(super) const STREAM_MIN_BYTES: usize = 64 * 1024;

/// Splits `items` into runs of at most `CHUNK_OBJECTS` items and about `CHUNK_BYTES` bytes.
fn chunks<T>(items: &[T], size: impl Fn(&T) -> usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut n = 0;
        while n < CHUNK_OBJECTS && bytes < CHUNK_BYTES {
            let Some(item) = rest.get(n) else { break };
            bytes += size(item);
            n += 1;
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    })
}

/// The elements of a top-level JSON array, as byte ranges.
struct ArraySplit {
    elements: Vec<(usize, usize)>,
    /// Deepest nesting seen, the array itself counting 1.
    max_depth: usize,
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Finds the elements of a top-level array with a quick scan that follows strings and
/// nesting but does not validate: each element is then parsed on its own, and anything odd
/// (not an array, unbalanced, a missing or extra comma, trailing text) gives `None`, so the
/// whole-document parse reports the syntax error at its exact place.
fn split_array(text: &str) -> Option<ArraySplit> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if *b.get(i)? != b'[' {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut elements = Vec::new();
    let mut max_depth = 1;
    if *b.get(i)? == b']' {
        i += 1;
    } else {
        loop {
            let start = i;
            let mut depth = 0usize;
            loop {
                match *b.get(i)? {
                    b'"' => {
                        i += 1;
                        loop {
                            match *b.get(i)? {
                                b'\\' => i += 2,
                                b'"' => break,
                                _ => i += 1,
                            }
                        }
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b'[' | b'{' => {
                        depth += 1;
                        max_depth = max_depth.max(depth + 1);
                        i += 1;
                    }
                    b']' | b'}' => {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => break,
                    _ => i += 1,
                }
            }
            if i == start {
                return None;
            }
            elements.push((start, i));
            i = skip_ws(b, i);
            match *b.get(i)? {
                b',' => i = skip_ws(b, i + 1),
                b']' => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(b, i) == b.len()).then_some(ArraySplit {
        elements,
        max_depth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_array_finds_the_elements_or_declines() {
        let elements = |text: &str| -> Option<Vec<String>> {
            split_array(text).map(|s| {
                s.elements
                    .iter()
                    .map(|&(a, b)| text[a..b].to_owned())
                    .collect()
            })
        };
        assert_eq!(elements("[]"), Some(vec![]));
        assert_eq!(elements(" \n[ \t]\r\n"), Some(vec![]));
        assert_eq!(
            elements(r#"[1,-2.5e3 , "a\"]}," ,{"k":[1,{"x":"]"}]},[[]],true,null]"#),
            Some(
                [
                    "1",
                    "-2.5e3",
                    r#""a\"]},""#,
                    r#"{"k":[1,{"x":"]"}]}"#,
                    "[[]]",
                    "true",
                    "null"
                ]
                .map(str::to_owned)
                .to_vec()
            )
        );
        assert_eq!(
            elements("[\"é\\\\\", {}]"),
            Some(vec!["\"é\\\\\"".to_owned(), "{}".to_owned()])
        );
        for declined in [
            "", "{}", "[", "[1", "[1,]", "[,1]", "[1 2]", "[1] x", "[1]]", "[{]", "[\"a]",
            "[{} {}]", "x[1]", "[1,,2]",
        ] {
            assert!(elements(declined).is_none(), "{declined:?}");
        }
        assert_eq!(split_array("[[[1]], 2]").map(|s| s.max_depth), Some(3));
    }
}
