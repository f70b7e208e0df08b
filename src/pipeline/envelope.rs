//! What a file holds: its payload kind and API version (flag, config, path, content), and the
//! request envelope around its objects (`body-shape`, `empty-batch`, `batch-size`).

use std::path::Path;

use serde_json::Value;

use super::report::Source;
use super::Pipeline;
use crate::codes;
use crate::diagnostic::{Anchor, Diagnostic};
use crate::fix::{Change, Fix};
use crate::json::Pointer;
use crate::payload::{self, ApiVersion, PayloadKind};

/// `body-shape` for a bare array of a kind sent as `{"items": [...]}`, with the fix that wraps
/// it (the streamed path reports it too).
pub(super) fn bare_array(kind: PayloadKind) -> Diagnostic {
    let mut d = Diagnostic::new(
        &codes::BODY_SHAPE,
        Pointer::root(),
        format!("{kind} are sent as an object `{{\"items\": [...]}}`, not a bare array"),
    )
    .with_anchor(Anchor::Start)
    .with_help("wrap the array: `{\"items\": [ ... ]}`");
    d.fix = Some(wrap(
        "wrap the array: `{\"items\": [ ... ]}`",
        Pointer::root(),
        "{\"items\": ",
        "}",
    ));
    d
}

/// A safe fix that puts `before` and `after` around the value at `at`.
fn wrap(title: &str, at: Pointer, before: &str, after: &str) -> Fix {
    Fix::safe(
        title,
        vec![Change::Wrap {
            at,
            before: before.to_owned(),
            after: after.to_owned(),
        }],
    )
}

impl Pipeline {
    pub(super) fn detect_kind(
        &self,
        path: &str,
        document: Option<&Value>,
    ) -> (Option<PayloadKind>, Option<Source>) {
        if let Some(kind) = self.config.kind {
            return (Some(kind), Some(Source::Flag));
        }
        let p = Path::new(path);
        if let Some(kind) = self.config.kind_for_path(p) {
            return (Some(kind), Some(Source::Config));
        }
        if path != "-" {
            if let Some((kind, part)) = payload::kind_from_path_part(p) {
                return (Some(kind), Some(Source::from_part(part)));
            }
        }
        match document.and_then(payload::sniff_document) {
            Some(kind) => (Some(kind), Some(Source::Content)),
            None => (None, None),
        }
    }

    pub(super) fn detect_version(&self, path: &str, objects: &[&Value]) -> (ApiVersion, Source) {
        if let Some(v) = self.config.api_version {
            return (v, Source::Flag);
        }
        if self.config.api_version_from_config {
            return (self.config.default_api_version, Source::Config);
        }
        if let Some((v, part)) = payload::version_from_path_part(Path::new(path)) {
            return (v, Source::from_part(part));
        }
        if objects.iter().any(|o| payload::sniff_version(o).is_some()) {
            return (ApiVersion::V07_2025, Source::Content);
        }
        (self.config.default_api_version, Source::Default)
    }

    /// Splits the body into its top-level objects, reporting a wrong envelope and batch size.
    /// Returns the objects and where they sit: in an array (its pointer), or alone (a single
    /// object checked in place, at its pointer).
    pub(super) fn envelope<'v>(
        &self,
        kind: PayloadKind,
        document: &'v Value,
        out: &mut Vec<Diagnostic>,
    ) -> (Vec<&'v Value>, Base) {
        let wrapped = kind.wrapped_in_items();
        if let Some(object) = document.as_object() {
            if let Some(found) = Self::misshapen_envelope(kind, object, out) {
                return found;
            }
        }
        let items = match document.as_object() {
            Some(o) if wrapped => Self::envelope_items(o, out),
            _ => None,
        };
        let (objects, base): (Vec<&Value>, Base) = match (document, items) {
            (Value::Array(array), _) => {
                if wrapped {
                    out.push(bare_array(kind));
                }
                (array.iter().collect(), Base::Array(Pointer::root()))
            }
            (Value::Object(_), Some((key, array))) => (
                array.iter().collect(),
                Base::Array(Pointer::root().key(key)),
            ),
            (Value::Object(_), None) => {
                let expected = if wrapped {
                    "an object `{\"items\": [...]}`"
                } else {
                    "a JSON array of objects"
                };
                let (before, after) = if wrapped {
                    ("{\"items\": [", "]}")
                } else {
                    ("[", "]")
                };
                let mut d = Diagnostic::new(
                    &codes::BODY_SHAPE,
                    Pointer::root(),
                    format!("the body is a single object, but {kind} are sent as {expected}"),
                )
                .with_anchor(Anchor::Start)
                .with_help(if wrapped {
                    "wrap it: `{\"items\": [ { ... } ]}`"
                } else {
                    "wrap it in an array: `[ { ... } ]`"
                });
                d.fix = Some(wrap(
                    &format!("wrap the object: `{before} {{ ... }} {after}`"),
                    Pointer::root(),
                    before,
                    after,
                ));
                out.push(d);
                (vec![document], Base::Single(Pointer::root()))
            }
            (other, _) => {
                out.push(
                    Diagnostic::new(&codes::BODY_SHAPE, Pointer::root(), format!("the body is {}, not {}", crate::diagnostic::describe(other), if wrapped { "an object `{\"items\": [...]}`" } else { "a JSON array" }))
                        .with_help("a request body is a JSON array (orders, refunds) or `{\"items\": [...]}` (costs)"),
                );
                (Vec::new(), Base::Single(Pointer::root()))
            }
        };
        if let Base::Array(array_ptr) = &base {
            self.batch_envelope(kind, objects.len(), array_ptr, out);
        }
        (objects, base)
    }

    /// An object body whose envelope is almost right, with the fix that makes it right:
    /// - costs whose `items` holds one object rather than an array: turn `items` into an
    ///   array (the object inside is checked as the one item);
    /// - orders or refunds wrapped in an object (`{"orders": [...]}`, `{"items": [...]}`, or
    ///   any object whose only member is an array): unwrap it, send the array itself (its
    ///   objects are checked).
    ///
    /// `None` for any other object.
    fn misshapen_envelope<'v>(
        kind: PayloadKind,
        object: &'v serde_json::Map<String, Value>,
        out: &mut Vec<Diagnostic>,
    ) -> Option<(Vec<&'v Value>, Base)> {
        if kind.wrapped_in_items() {
            let single = object.get("items").filter(|v| v.is_object())?;
            let at = Pointer::root().key("items");
            let mut d = Diagnostic::new(
                &codes::BODY_SHAPE,
                at.clone(),
                format!(
                    "`items` holds a single object, but {kind} are sent as an array in `items`"
                ),
            )
            .with_anchor(Anchor::Key)
            .with_help("turn `items` into an array: `{\"items\": [ { ... } ]}`");
            d.fix = Some(wrap(
                "turn `items` into an array: `[ { ... } ]`",
                at.clone(),
                "[",
                "]",
            ));
            out.push(d);
            Self::beside_items(object, "items", out);
            return Some((vec![single], Base::Single(at)));
        }
        let named = ["items", kind.as_str()];
        let (key, array) = object
            .iter()
            .find_map(|(key, value)| {
                let array = value.as_array()?;
                named.contains(&key.as_str()).then_some((key, array))
            })
            .or_else(|| match object.iter().next() {
                Some((key, Value::Array(array))) if object.len() == 1 && key != "lineItems" => {
                    Some((key, array))
                }
                _ => None,
            })?;
        let others = match object.len() {
            1 => String::new(),
            2 => ", and drop the other member".to_owned(),
            n => format!(", and drop the other {} members", n - 1),
        };
        let base = Pointer::root().key(key);
        let mut d = Diagnostic::new(
            &codes::BODY_SHAPE,
            Pointer::root(),
            format!("the body wraps its {kind} in an object under `{key}`, but {kind} are sent as a bare JSON array"),
        )
        .with_anchor(Anchor::Start)
        .with_help(format!(
            "unwrap it: send the array under `{key}` itself, `[ {{ ... }} ]`{others}"
        ));
        d.fix = Some(Fix::safe(
            format!("unwrap the array under `{key}`{others}"),
            vec![Change::Unwrap {
                at: base.clone(),
                within: Pointer::root(),
            }],
        ));
        out.push(d);
        Some((array.iter().collect(), Base::Array(base)))
    }

    /// `empty-batch` and `batch-size` for an array of `count` objects at `array_ptr`.
    pub(super) fn batch_envelope(
        &self,
        kind: PayloadKind,
        count: usize,
        array_ptr: &Pointer,
        out: &mut Vec<Diagnostic>,
    ) {
        if count == 0 {
            out.push(
                Diagnostic::new(
                    &codes::EMPTY_BATCH,
                    array_ptr.clone(),
                    format!("the batch holds no {kind}"),
                )
                .with_anchor(Anchor::Start)
                .with_help("skip the request when there is nothing to send"),
            );
        } else if count > self.config.max_batch_size {
            out.push(
                Diagnostic::new(
                    &codes::BATCH_SIZE,
                    array_ptr.clone(),
                    format!(
                        "the batch holds {} objects; one request takes at most {}",
                        count, self.config.max_batch_size
                    ),
                )
                .with_anchor(Anchor::Start)
                .with_help(format!(
                    "split it into {} requests: `klar-lint split FILE --out DIR` writes them",
                    count.div_ceil(self.config.max_batch_size.max(1))
                )),
            );
        }
    }

    /// The array of a `{"items": [...]}` body and the key it is under, the envelope checked
    /// like any object: a key beside `items` is an `unknown-field`, and without `items` a
    /// misspelt key holding an array (`itmes`, `Items`) is reported with a did-you-mean and
    /// its objects are checked all the same.
    fn envelope_items<'v>(
        object: &'v serde_json::Map<String, Value>,
        out: &mut Vec<Diagnostic>,
    ) -> Option<(&'v str, &'v Vec<Value>)> {
        let items = match object.get("items") {
            Some(Value::Array(array)) => Some(("items", array)),
            Some(_) => return None,
            None => object.iter().find_map(|(key, value)| {
                let array = value.as_array()?;
                crate::schema::did_you_mean(key, ["items"]).map(|_| (key.as_str(), array))
            }),
        };
        let (used, _) = items?;
        Self::beside_items(object, used, out);
        items
    }

    /// A `{"items": ...}` body's other keys: `used` (a misspelt `items`) with a did-you-mean,
    /// the others `unknown-field`s.
    fn beside_items(
        object: &serde_json::Map<String, Value>,
        used: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        for key in object.keys() {
            let at = Pointer::root().key(key);
            let finding = if key == "items" {
                continue;
            } else if key == used {
                Diagnostic::new(
                    &codes::SCHEMA,
                    at,
                    format!("unknown field `{key}`, so the body has no `items`"),
                )
                .with_help("did you mean `items`?")
            } else {
                Diagnostic::new(&codes::UNKNOWN_FIELD, at, format!("unknown field `{key}`"))
                    .with_help(format!(
                        "the body holds `items` and nothing else: remove `{key}`"
                    ))
            };
            out.push(finding.with_anchor(Anchor::Key));
        }
    }
}

/// Where a body's objects sit.
#[derive(Clone, Debug)]
pub(super) enum Base {
    /// In the array at this pointer: object `i` is at `pointer/i`.
    Array(Pointer),
    /// One object checked in place at this pointer (or none, for a body that is no object).
    Single(Pointer),
}

impl Base {
    /// The pointer of object `i`.
    pub(super) fn of(&self, i: usize) -> Pointer {
        match self {
            Base::Array(array) => array.clone().index(i),
            Base::Single(at) => at.clone(),
        }
    }
}

/// A request with a `batch-size` finding is one Klar rejects whole: none of its objects count
/// in the revenue totals (`--summary`), and the totals say how many were left out and why.
pub(super) fn reject_batch(report: &mut super::report::FileReport) {
    if report
        .diagnostics
        .iter()
        .any(|d| d.code == &codes::BATCH_SIZE)
    {
        report.revenue.reject_batch(report.objects);
    }
}

/// An `undocumented-endpoint` warning when Klar documents `version` only for other kinds
/// (orders under 04.2024): the file is still checked, as 12.2022 (see
/// [`ApiVersion::checked_as`]), and the report says so rather than guess silently.
pub(super) fn undocumented_endpoint(
    kind: PayloadKind,
    version: ApiVersion,
    source: Source,
) -> Option<Diagnostic> {
    if version.documents(kind) {
        return None;
    }
    let documented: Vec<String> = version
        .documented_kinds()
        .iter()
        .map(|k| format!("`{k}`"))
        .collect();
    let these = match kind {
        PayloadKind::Orders => "orders",
        PayloadKind::Refunds => "refunds",
        PayloadKind::Cogs => "COGS items",
        PayloadKind::LogisticsCosts => "logistics costs",
        PayloadKind::TransactionCosts => "transaction costs",
    };
    let base = version.checked_as();
    let endpoints: Vec<String> = ApiVersion::ALL
        .into_iter()
        .filter(|v| v.documents(kind))
        .map(|v| format!("`/{v}/{kind}/json`"))
        .collect();
    let send = format!(
        "Klar documents no `/{version}/{kind}/json`: send {these} to {}",
        endpoints.join(" or ")
    );
    let help = match source {
        Source::FileName | Source::Folder => format!(
            "{send}; if `{version}` in the path is a date rather than the API version, pass `--api-version` or set `api-version` in klar-lint.toml"
        ),
        Source::Config => format!(
            "{send}, and set that `api-version` in klar-lint.toml (or pass `--api-version`)"
        ),
        Source::Flag | Source::Content | Source::Default => {
            format!("{send}, and check them with that `--api-version`")
        }
    };
    Some(
        Diagnostic::new(
            &codes::UNDOCUMENTED_ENDPOINT,
            Pointer::root(),
            format!(
                "API version {version} is documented only for {}; these {these} are checked as {base}",
                documented.join(" and ")
            ),
        )
        .with_anchor(Anchor::Start)
        .with_help(help),
    )
}
