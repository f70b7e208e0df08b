//! The diagnostic every output format renders: plain data, built by rules and the linter, with
//! the code it carries (`RuleMeta`, for a rule or a built-in code) and the code's `Category`.

use std::fmt;

use serde::Serialize;

use crate::fix::Fix;
use crate::json::{Pointer, Span};
use crate::payload::{ApiVersion, PayloadKind};

/// What a rule is about. Borrowed from clippy's idea of groups: each has one meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Syntax, types, required and unknown fields, the request envelope.
    Schema,
    /// Prices, taxes, discounts, checksums, bundles: what revenue is computed from.
    Money,
    /// References between objects and duplicates.
    Integrity,
    /// Timestamps.
    Dates,
    /// Statuses, currency and country codes, and how Klar maps them.
    Mapping,
    /// Request limits: batch sizes.
    Limits,
    /// Version mismatches.
    Compat,
    /// Problems of the run itself: unreadable files, unknown kinds, internal errors.
    Tool,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 8] = [
        Category::Schema,
        Category::Money,
        Category::Integrity,
        Category::Dates,
        Category::Mapping,
        Category::Limits,
        Category::Compat,
        Category::Tool,
    ];

    /// The lower-case name used by `--select` and in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Schema => "schema",
            Category::Money => "money",
            Category::Integrity => "integrity",
            Category::Dates => "dates",
            Category::Mapping => "mapping",
            Category::Limits => "limits",
            Category::Compat => "compat",
            Category::Tool => "tool",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Everything known about a rule or built-in code without running it.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case name, as used in configs: `zero-date`.
    pub name: &'static str,
    /// What the rule is about.
    pub category: Category,
    /// Severity unless the configuration says otherwise.
    pub severity: Severity,
    /// API versions the rule is declared for. It also runs on the versions checked as one of
    /// them (04.2024 and 06.2024 as 12.2022, see [`ApiVersion::checked_as`]):
    /// [`RuleMeta::run_versions`] lists them all.
    pub versions: &'static [ApiVersion],
    /// Payload kinds the rule applies to.
    pub kinds: &'static [PayloadKind],
    /// A rule that checks totals: its finding is dropped on a line that already has a finding
    /// from a rule that is not derived (one root cause, one diagnostic).
    pub derived: bool,
    /// Produced by the linter itself rather than by a `Rule` implementation.
    pub builtin: bool,
    /// The documentation page (Markdown), from the doc comment.
    pub docs: &'static str,
}

impl RuleMeta {
    /// The documentation with the doc comment's leading space removed from each line.
    #[must_use]
    pub fn page(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence under "What it does", for `klar-lint rules` and SARIF.
    #[must_use]
    pub fn summary(&self) -> String {
        let paragraph = self.first_paragraph();
        let end = paragraph
            .match_indices(". ")
            .map(|(i, _)| i)
            .find(|&i| {
                !paragraph
                    .get(..i)
                    .is_some_and(|s| s.ends_with("e.g") || s.ends_with("i.e"))
            })
            .map_or(paragraph.len(), |i| i + 1);
        paragraph
            .get(..end)
            .unwrap_or(&paragraph)
            .trim_end_matches('.')
            .to_owned()
    }

    /// The whole first paragraph under "What it does".
    #[must_use]
    pub fn first_paragraph(&self) -> String {
        let page = self.page();
        let mut lines = page
            .lines()
            .skip_while(|l| !l.starts_with("## What it does"));
        lines.next();
        let mut summary = String::new();
        for line in lines {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                if summary.is_empty() {
                    continue;
                }
                break;
            }
            if !summary.is_empty() {
                summary.push(' ');
            }
            summary.push_str(line);
        }
        summary
    }

    /// Whether the rule runs on this version and kind: a version runs the rules of the version
    /// it is checked as, so a rule declared for 12.2022 runs on 04.2024 and 06.2024 too.
    #[must_use]
    pub fn applies_to(&self, version: ApiVersion, kind: PayloadKind) -> bool {
        self.runs_on(version) && self.kinds.contains(&kind)
    }

    /// Whether the rule runs on this version, whatever the kind.
    #[must_use]
    pub fn runs_on(&self, version: ApiVersion) -> bool {
        self.versions.contains(&version) || self.versions.contains(&version.checked_as())
    }

    /// Every version the rule runs on, oldest first: those it declares and those checked as
    /// one of them. What `klar-lint rules` and `explain` list.
    #[must_use]
    pub fn run_versions(&self) -> Vec<ApiVersion> {
        ApiVersion::ALL
            .into_iter()
            .filter(|&v| self.runs_on(v))
            .collect()
    }
}

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Very likely wrong, but Klar accepts it (or the rule rests on an inference).
    Warning,
    /// Klar rejects the payload, or the dashboards will certainly be wrong.
    Error,
}

impl Severity {
    /// The lower-case name used in configs and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A rule's level: a severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    /// The rule does not run.
    Off,
    /// The rule runs and reports at this severity.
    On(Severity),
}

impl std::str::FromStr for RuleLevel {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "off" => Ok(RuleLevel::Off),
            "error" => Ok(RuleLevel::On(Severity::Error)),
            "warning" | "warn" => Ok(RuleLevel::On(Severity::Warning)),
            "info" => Ok(RuleLevel::On(Severity::Info)),
            _ => Err(()),
        }
    }
}

/// Which part of the located value a diagnostic underlines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    /// The whole value at the pointer.
    #[default]
    Value,
    /// The member's key (unknown and duplicate keys).
    Key,
    /// The first character of the value (a missing field points at its object's `{`).
    Start,
}

/// Another place that explains a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where, in the payload's terms.
    pub pointer: Pointer,
    /// Where, in bytes; filled in by the linter.
    #[serde(skip)]
    pub span: Option<Span>,
    /// 1-based line, resolved from `span`.
    pub line: Option<usize>,
    /// 1-based column in characters, resolved from `span`.
    pub column: Option<usize>,
    /// A short noun: "quantity", "per-unit tax".
    pub text: String,
    /// The file the place is in, when it is another file of the run than the finding's (a
    /// check across files); `None`: the finding's own file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One finding in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule or built-in code that produced it.
    pub code: &'static RuleMeta,
    /// The rule's default severity unless the configuration overrides it.
    pub severity: Severity,
    /// What is wrong, with the numbers; lower-case, no final period.
    pub message: String,
    /// Where, in the payload's terms (RFC 6901; JSON Lines records count from 0).
    pub pointer: Pointer,
    /// Which part of the value at `pointer` to underline.
    pub anchor: Anchor,
    /// Where, in bytes of the file; filled in by the linter, never by rules.
    pub span: Option<Span>,
    /// 1-based line, resolved from `span`.
    pub line: Option<usize>,
    /// 1-based column in characters, resolved from `span`.
    pub column: Option<usize>,
    /// Other places that explain the finding.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// The edit that would fix it, when the rule knows one (see `fix`).
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic at `pointer` with the code's default severity.
    #[must_use]
    pub fn new(code: &'static RuleMeta, pointer: Pointer, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity,
            message: message.into(),
            pointer,
            anchor: Anchor::Value,
            span: None,
            line: None,
            column: None,
            labels: Vec::new(),
            help: None,
            fix: None,
        }
    }

    /// The rule name, such as `zero-date` or `schema`.
    #[must_use]
    pub fn rule(&self) -> &'static str {
        self.code.name
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets which part of the value is underlined.
    #[must_use]
    pub fn with_anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    /// Adds a label.
    #[must_use]
    pub fn with_label(mut self, pointer: Pointer, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            pointer,
            span: None,
            line: None,
            column: None,
            text: text.into(),
            path: None,
        });
        self
    }
}

/// A value for a message: in quotes, cut at 40 characters (`"ORD-1"`, `"a very long id…"`).
pub(crate) fn quoted(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        format!("\"{head}…\"")
    } else {
        format!("\"{head}\"")
    }
}

/// Describes a JSON value for a message without dumping it: scalars shown (strings cut at about
/// 40 characters), containers described.
#[must_use]
pub fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) => format!("the string {}", quoted(s)),
        Value::Array(a) => match a.len() {
            0 => "an empty array".to_owned(),
            1 => "an array of 1 item".to_owned(),
            n => format!("an array of {n} items"),
        },
        Value::Object(o) => match o.len() {
            0 => "an empty object".to_owned(),
            1 => "an object with 1 key".to_owned(),
            n => format!("an object with {n} keys"),
        },
    }
}

/// The JSON type name of a value, for messages.
#[must_use]
pub fn type_name(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_never_dumps_containers() {
        assert_eq!(describe(&json!({"a": 1, "b": 2})), "an object with 2 keys");
        assert_eq!(describe(&json!([1])), "an array of 1 item");
        assert_eq!(describe(&json!("17%")), "the string \"17%\"");
        let long = "x".repeat(100);
        let d = describe(&json!(long));
        assert!(d.len() < 60, "{d}");
        assert!(d.ends_with("…\""));
    }

    #[test]
    fn severity_orders_by_seriousness() {
        assert!(Severity::Error > Severity::Warning);
        assert!(Severity::Warning > Severity::Info);
    }
}

/// Findings of one object let go while it was checked, past the per-file limit, by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Dropped {
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
    pub(crate) infos: usize,
}

impl Dropped {
    pub(crate) fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

/// Where one object's findings go while it is checked: a list that never holds more than
/// twice the per-file limit (`max`), so an object with a million bad line items or unknown keys
/// costs memory in proportion to the limit, not to the input. Past that, the most severe are
/// kept (within a severity, the first reported) and the others only counted in `dropped`.
pub(crate) struct Sink<'a> {
    pub(crate) list: &'a mut Vec<Diagnostic>,
    pub(crate) max: usize,
    pub(crate) dropped: &'a mut Dropped,
}

impl Sink<'_> {
    /// Whether the list is full: what comes next is counted, not kept, unless it is more
    /// severe than the least severe kept.
    pub(crate) fn full(&self) -> bool {
        self.list.len() >= self.max.saturating_mul(2)
    }

    /// Adds `d`; returns it for adding help and labels, or `None` when it was only counted.
    pub(crate) fn push(&mut self, d: Diagnostic) -> Option<&mut Diagnostic> {
        if self.full() {
            self.compact();
            let least = self.list.iter().map(|k| k.severity).min();
            if self.list.len() >= self.max && least.is_some_and(|l| l >= d.severity) {
                self.dropped.add(d.severity);
                return None;
            }
        }
        self.list.push(d);
        self.list.last_mut()
    }

    /// Keeps the `max` most severe (the first reported within a severity), in the order they
    /// were reported, and counts the others.
    fn compact(&mut self) {
        let mut order: Vec<(std::cmp::Reverse<Severity>, usize)> = self
            .list
            .iter()
            .enumerate()
            .map(|(i, d)| (std::cmp::Reverse(d.severity), i))
            .collect();
        order.sort_unstable();
        let mut keep = vec![false; self.list.len()];
        for &(_, i) in order.iter().take(self.max) {
            if let Some(k) = keep.get_mut(i) {
                *k = true;
            }
        }
        let mut index = 0;
        let dropped = &mut *self.dropped;
        self.list.retain(|d| {
            let kept = keep.get(index).copied().unwrap_or(true);
            index += 1;
            if !kept {
                dropped.add(d.severity);
            }
            kept
        });
    }
}
