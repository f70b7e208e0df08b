//! Byte offsets to 1-based line and column, and `serde_json`'s error positions back to bytes.

/// The byte offset at which each line of a text starts.
///
/// Lines end at `\n`; a `\r` just before it is part of the line end, not of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line; the first entry is always 0.
    starts: Vec<usize>,
    /// `(byte offset, chars before it)` every `CHECKPOINT` bytes, so a column on a very long
    /// line (a minified 25 MB array) costs at most `CHECKPOINT` bytes of counting, not the line.
    checkpoints: Vec<(usize, usize)>,
}

/// Bytes between two character-count checkpoints.
const CHECKPOINT: usize = 4096;

impl LineIndex {
    /// Indexes the line starts of `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut checkpoints = vec![(0, 0)];
        let mut chars = 0;
        let mut at = 0;
        while at + CHECKPOINT < text.len() {
            let next = floor_char_boundary(text, at + CHECKPOINT);
            chars += text.get(at..next).map_or(0, |s| s.chars().count());
            checkpoints.push((next, chars));
            at = next;
        }
        Self {
            starts,
            checkpoints,
        }
    }

    /// Chars in `text[..offset]` (`offset` on a char boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let k = self
            .checkpoints
            .partition_point(|&(byte, _)| byte <= offset);
        let (byte, chars) = self
            .checkpoints
            .get(k.saturating_sub(1))
            .copied()
            .unwrap_or((0, 0));
        chars + text.get(byte..offset).map_or(0, |s| s.chars().count())
    }

    /// The 1-based line and 1-based column of `offset` in `text` (the text this index was built
    /// from). The column counts Unicode scalar values (chars) from the line start. The offset is
    /// clamped to `text.len()` and moved back to a char boundary. The `\n` of a `\r\n` line end
    /// reports the column of its `\r`.
    #[must_use]
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = floor_char_boundary(text, offset);
        if offset > 0
            && text.as_bytes().get(offset) == Some(&b'\n')
            && text.as_bytes().get(offset - 1) == Some(&b'\r')
        {
            offset -= 1;
        }
        // The number of line starts at or before `offset`; at least 1, as the first is 0.
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.line_start(line).unwrap_or(0).min(offset);
        let column = if offset - start <= CHECKPOINT {
            text.get(start..offset).map_or(0, |s| s.chars().count()) + 1
        } else {
            self.chars_before(text, offset) - self.chars_before(text, start) + 1
        };
        (line, column)
    }

    /// The byte offset of a position `serde_json` reports in `serde_json::Error::line()` and
    /// `column()`, clamped to `text` and moved back to a char boundary.
    ///
    /// `serde_json` counts columns in bytes: column `c` is the `c`-th byte of the line, the byte it
    /// stopped at (`read.rs`, `position_of_index`: the bytes consumed since the last `\n`). It
    /// reports column 0 when it stopped right at a line start, as for an empty input or an end
    /// of file just after a newline; that maps to the line start. At the end of the input the
    /// column counts every byte on the line, so such an error lands on the line's last byte.
    #[must_use]
    pub fn offset_of(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(start) = self.line_start(line.max(1)) else {
            return text.len();
        };
        let offset = start.saturating_add(column.saturating_sub(1));
        floor_char_boundary(text, offset)
    }

    /// Byte offset where the 1-based `line` starts; `None` past the last line.
    fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }
}

/// `offset` clamped to `text.len()` and moved back to the nearest char boundary.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    // A char is at most 4 bytes, so this loops at most 3 times; 0 is always a boundary.
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_on_a_long_line_use_checkpoints_and_agree_with_counting() {
        let line: String = (0..20_000)
            .map(|i| if i % 7 == 0 { 'é' } else { 'a' })
            .collect();
        let text = format!("x\n{line}😀{line}\nend");
        let index = super::LineIndex::new(&text);
        for offset in [2, 3, 5000, 9001, 30_000, text.len() - 4] {
            let offset = super::floor_char_boundary(&text, offset);
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected = text[start..offset].chars().count() + 1;
            assert_eq!(index.line_col(&text, offset).1, expected, "offset {offset}");
        }
    }

    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn at(text: &str, offset: usize) -> (usize, usize) {
        LineIndex::new(text).line_col(text, offset)
    }

    #[test]
    fn ascii() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2\n}";
        let b = text.find("\"b\"").unwrap();
        assert_eq!(at(text, 0), (1, 1));
        assert_eq!(at(text, 1), (1, 2));
        assert_eq!(at(text, 2), (2, 1));
        assert_eq!(at(text, b), (3, 3));
        assert_eq!(at(text, text.len() - 1), (4, 1));
    }

    #[test]
    fn multi_byte_chars_count_once() {
        let text = "{\"é😀中文\": 1}\n[\"😀\", 2]";
        let one = text.find('1').unwrap();
        // `{` `"` é 😀 中 文 `"` `:` ` ` then `1`: nine chars before it.
        assert_eq!(at(text, one), (1, 10));
        let two = text.find('2').unwrap();
        // `[` `"` 😀 `"` `,` ` ` then `2`.
        assert_eq!(at(text, two), (2, 7));
        // Inside 😀 (4 bytes) the offset moves back to its start.
        let emoji = text.find('😀').unwrap();
        for inside in emoji..emoji + 4 {
            assert_eq!(at(text, inside), (1, 4));
        }
    }

    #[test]
    fn crlf() {
        let text = "[\r\n  1,\r\n\t\"x\"\r\n]";
        let one = text.find('1').unwrap();
        assert_eq!(at(text, one), (2, 3));
        let x = text.find('"').unwrap();
        assert_eq!(at(text, x), (3, 2));
        let close = text.find(']').unwrap();
        assert_eq!(at(text, close), (4, 1));
        // The `\r` and `\n` of a line end share a column.
        let cr = text.find('\r').unwrap();
        assert_eq!(at(text, cr), (1, 2));
        assert_eq!(at(text, cr + 1), (1, 2));
    }

    #[test]
    fn end_of_file_and_beyond() {
        let text = "[1]\n";
        assert_eq!(at(text, text.len()), (2, 1));
        assert_eq!(at(text, text.len() + 100), (2, 1));
        assert_eq!(at("é", 99), (1, 2));
        assert_eq!(at("", 0), (1, 1));
        assert_eq!(at("", 5), (1, 1));
    }

    #[test]
    fn offset_of_clamps() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset_of(text, 0, 0), 0);
        assert_eq!(index.offset_of(text, 2, 1), 3);
        assert_eq!(index.offset_of(text, 2, 99), text.len());
        assert_eq!(index.offset_of(text, 99, 1), text.len());
    }

    /// `serde_json`'s error position for `text`, turned into a byte offset.
    fn error_offset(text: &str) -> (usize, serde_json::Error) {
        let err = serde_json::from_str::<Value>(text).unwrap_err();
        let offset = LineIndex::new(text).offset_of(text, err.line(), err.column());
        (offset, err)
    }

    #[test]
    fn offset_of_inverts_serde_json_errors() {
        let head = "{\n  \"naïve café\": \"😀\",\n";

        // Trailing comma: serde_json stops at the `}`.
        let text = format!("{head}  \"b\": 1,\n}}");
        let (offset, err) = error_offset(&text);
        assert_eq!(offset, text.rfind('}').unwrap());
        assert_eq!(err.line(), 4);
        let (line, col) = LineIndex::new(&text).line_col(&text, offset);
        assert_eq!((line, col), (4, 1));

        // A missing comma on line 3: it stops at the second key's quote.
        let text = format!("{head}  \"b\": 1 \"c\": 2}}");
        let (offset, err) = error_offset(&text);
        assert_eq!(offset, text.find("\"c\"").unwrap());
        assert_eq!(err.line(), 3);
        assert_eq!(LineIndex::new(&text).line_col(&text, offset), (3, 10));

        // An unterminated string at the end of the input: its last byte.
        let text = format!("{head}  \"abc");
        let (offset, err) = error_offset(&text);
        assert_eq!(offset, text.len() - 1);
        assert_eq!(err.line(), 3);

        // An unexpected non-ASCII char where a value belongs: its first byte.
        let text = format!("{head}  \"b\": é\n}}");
        let (offset, err) = error_offset(&text);
        assert_eq!(offset, text.find("é\n").unwrap());
        assert_eq!(LineIndex::new(&text).line_col(&text, offset), (3, 8));
        assert_eq!(err.line(), 3);

        // CRLF: the `\r` counts as a byte of the line for serde_json.
        let text = "[1,\r\n 2,\r\n]";
        let (offset, _) = error_offset(text);
        assert_eq!(offset, text.find(']').unwrap());

        // End of input right after a newline: column 0, the line start.
        let text = "[1,\n";
        let (offset, err) = error_offset(text);
        assert_eq!(err.column(), 0);
        assert_eq!(offset, text.len());
        assert_eq!(error_offset("").0, 0);
    }

    proptest! {
        #[test]
        fn line_col_matches_a_naive_count(text in "(a|é|😀|中|\n|\r\n| ){0,30}", offset in 0usize..120) {
            let (line, col) = at(&text, offset);
            let mut o = offset.min(text.len());
            while !text.is_char_boundary(o) { o -= 1; }
            if text[..o].ends_with('\r') && text[o..].starts_with('\n') { o -= 1; }
            let before = &text[..o];
            let naive_line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let naive_col = before[line_start..].chars().count() + 1;
            prop_assert_eq!((line, col), (naive_line, naive_col));
            // offset_of with a byte column inverts it for in-line offsets.
            let index = LineIndex::new(&text);
            prop_assert_eq!(index.offset_of(&text, line, o - line_start + 1), o);
        }
    }
}
