//! JSON plumbing: RFC 6901 pointers, the duplicate-aware parse, byte spans and line/column.

pub mod file;
pub mod line_index;
pub mod parse;
pub mod pointer;
pub mod spans;

pub use file::read_capped_regular;
pub use line_index::LineIndex;
pub use parse::{parse_document, Parsed};
pub use pointer::{Pointer, PointerError};
pub use spans::{DuplicateKey, Located, Span, SpanIndex};
