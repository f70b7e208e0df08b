//! `--format sarif`: one SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers. Rules
//! carry their documentation (short description from "What it does", the full page as help) and
//! default level; results carry the physical location (relative URI, start and end line and
//! column, columns in Unicode code points) and the JSON Pointer as a logical location.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::json::end_of;
use super::{fingerprint, normalized_path, Reporter, Summary};
use crate::diagnostic::Severity;
use crate::linter::FileReport;
use crate::rule::RuleMeta;

/// The OASIS schema the log declares.
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Collects results and writes one SARIF log at the end.
#[derive(Debug, Default)]
pub struct Sarif {
    rules: BTreeMap<&'static str, &'static RuleMeta>,
    results: Vec<(&'static str, Map<String, Value>)>,
    notifications: Vec<Value>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `zero-date` → `ZeroDate`: SARIF's `name` is a readable identifier distinct from the id.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// A relative reference for a path (percent-encoded), or a `file:` URI for an absolute one.
pub(crate) fn uri(path: &str) -> String {
    let path = normalized_path(path);
    let mut out = String::with_capacity(path.len());
    let absolute = path.starts_with('/');
    let drive = path.as_bytes().get(1) == Some(&b':')
        && path.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
    if absolute {
        out.push_str("file://");
    } else if drive {
        out.push_str("file:///");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else if drive && b == b':' && out.len() == "file:///".len() + 1 {
            out.push(':');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A finding's fix as a SARIF `fix`: one artifact change whose replacements delete a region
/// (empty for an insertion: start and end at the same place) and insert the new text. Whether
/// `--fix` applies it is in its property bag.
fn sarif_fix(uri: &str, fix: &crate::fix::Fix) -> Value {
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .map(|e| {
            json!({
                "deletedRegion": {
                    "startLine": e.line,
                    "startColumn": e.column,
                    "endLine": e.end_line,
                    "endColumn": e.end_column,
                },
                "insertedContent": { "text": e.content },
            })
        })
        .collect();
    json!({
        "description": { "text": fix.title },
        "artifactChanges": [{
            "artifactLocation": { "uri": uri },
            "replacements": replacements,
        }],
        "properties": { "applicability": fix.applicability.as_str() },
    })
}

fn rule_descriptor(meta: &RuleMeta) -> Value {
    let page = meta.page();
    let summary = meta.summary();
    let short = if summary.is_empty() {
        meta.name.to_owned()
    } else {
        summary
    };
    json!({
        "id": meta.name,
        "name": pascal_case(meta.name),
        "shortDescription": { "text": short },
        "fullDescription": { "text": page },
        "help": { "text": page, "markdown": page },
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": { "tags": [meta.category.as_str()] },
    })
}

impl Reporter for Sarif {
    fn file(&mut self, _out: &mut dyn Write, report: &FileReport) -> io::Result<()> {
        let uri = uri(&report.path);
        // How the file was read, in each of its results' property bag.
        let read_as = report.read_as().map(|text| {
            json!({
                "readAs": text,
                "kind": report.kind.map(crate::PayloadKind::as_str),
                "kindSource": report.kind_source,
                "apiVersion": report.api_version.map(crate::ApiVersion::as_str),
                "apiVersionSource": report.version_source,
            })
        });
        for d in &report.diagnostics {
            self.rules.insert(d.rule(), d.code);
            let mut physical = Map::new();
            physical.insert("artifactLocation".into(), json!({ "uri": uri }));
            if let (Some(line), Some(column)) = (d.line, d.column) {
                let (end_line, end_column) = end_of(report, d);
                let mut region = json!({ "startLine": line, "startColumn": column });
                if let (Some(end_line), Some(end_column)) = (end_line, end_column) {
                    region["endLine"] = json!(end_line);
                    // An empty span still marks one character.
                    let end_column = if end_line == line {
                        end_column.max(column + 1)
                    } else {
                        end_column
                    };
                    region["endColumn"] = json!(end_column);
                }
                physical.insert("region".into(), region);
            }
            let mut location = Map::new();
            location.insert("physicalLocation".into(), Value::Object(physical));
            if !d.pointer.is_root() {
                location.insert(
                    "logicalLocations".into(),
                    json!([{ "fullyQualifiedName": d.pointer.as_str(), "kind": "value" }]),
                );
            }
            let text = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            let mut result = Map::new();
            result.insert("ruleId".into(), json!(d.rule()));
            result.insert("ruleIndex".into(), json!(0));
            result.insert("level".into(), json!(level(d.severity)));
            result.insert("message".into(), json!({ "text": text }));
            result.insert("locations".into(), json!([location]));
            // Labels in another file (a check across files) are related locations, with
            // their own file.
            let related: Vec<Value> = d
                .labels
                .iter()
                .filter_map(|l| {
                    let path = l.path.as_deref()?;
                    let mut physical = json!({ "artifactLocation": { "uri": self::uri(path) } });
                    if let Some(line) = l.line {
                        let mut region = json!({ "startLine": line });
                        if let Some(column) = l.column {
                            region["startColumn"] = json!(column);
                        }
                        physical["region"] = region;
                    }
                    Some(json!({
                        "id": 0,
                        "physicalLocation": physical,
                        "logicalLocations": [{ "fullyQualifiedName": l.pointer.as_str(), "kind": "value" }],
                        "message": { "text": l.text },
                    }))
                })
                .enumerate()
                .map(|(i, mut v)| {
                    v["id"] = json!(i);
                    v
                })
                .collect();
            if !related.is_empty() {
                result.insert("relatedLocations".into(), Value::Array(related));
            }
            result.insert(
                "partialFingerprints".into(),
                json!({ "klarLintFinding/v1": fingerprint(&report.path, d) }),
            );
            if let Some(read_as) = &read_as {
                result.insert("properties".into(), read_as.clone());
            }
            if let Some(fix) = d.fix.as_ref().filter(|f| f.is_offered()) {
                result.insert("fixes".into(), json!([sarif_fix(&uri, fix)]));
            }
            self.results.push((d.rule(), result));
        }
        if let Some(note) = super::truncated_note(report) {
            let level = if report.truncated.errors > 0 {
                "error"
            } else {
                "warning"
            };
            self.notifications.push(json!({
                "level": level,
                "message": { "text": note },
            }));
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        let index: BTreeMap<&str, usize> = self
            .rules
            .keys()
            .enumerate()
            .map(|(i, name)| (*name, i))
            .collect();
        let results: Vec<Value> = std::mem::take(&mut self.results)
            .into_iter()
            .map(|(rule, mut result)| {
                result.insert(
                    "ruleIndex".into(),
                    json!(index.get(rule).copied().unwrap_or(0)),
                );
                Value::Object(result)
            })
            .collect();
        let rules: Vec<Value> = self.rules.values().map(|m| rule_descriptor(m)).collect();
        let mut invocation = json!({ "executionSuccessful": true });
        if let Some(config) = &summary.config {
            invocation["properties"] = json!({ "config": config });
        }
        if !self.notifications.is_empty() {
            invocation["toolExecutionNotifications"] =
                Value::Array(std::mem::take(&mut self.notifications));
        }
        let log = json!({
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "klar-lint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                } },
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        });
        serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_pascal_case() {
        assert_eq!(pascal_case("zero-date"), "ZeroDate");
        assert_eq!(pascal_case("schema"), "Schema");
    }

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./exports/a b.json"), "exports/a%20b.json");
        assert_eq!(uri("exports/ü.json"), "exports/%C3%BC.json");
        assert_eq!(uri("/srv/x.json"), "file:///srv/x.json");
        assert_eq!(uri("C:\\x\\y.json"), "file:///C:/x/y.json");
        assert_eq!(uri("a#b?.json"), "a%23b%3F.json");
    }
}
