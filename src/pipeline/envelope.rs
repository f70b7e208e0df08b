//! What a file holds: its payload kind and API version (flag, config, path, content), and the
//! request envelope around its objects (`body-shape`, `empty-batch`, `batch-size`).

use std::path::Path;

use serde_json::Value;

use super::report::Source;
use super::Pipeline;
use crate::codes;
use crate::diagnostic::{Anchor, Diagnostic};
use crate::json::Pointer;
use crate::payload::{self, ApiVersion, PayloadKind};

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
            if let Some(kind) = payload::kind_from_path(p) {
                return (Some(kind), Some(Source::Path));
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
        if let Some(v) = payload::version_from_path(Path::new(path)) {
            return (v, Source::Path);
        }
        if objects.iter().any(|o| payload::sniff_version(o).is_some()) {
            return (ApiVersion::V07_2025, Source::Content);
        }
        (self.config.default_api_version, Source::Default)
    }

    /// Splits the body into its top-level objects, reporting a wrong envelope and batch size.
    /// Returns the objects and the pointer of the array they sit in (`None` when the body is a
    /// single object checked in place).
    pub(super) fn envelope<'v>(
        &self,
        kind: PayloadKind,
        document: &'v Value,
        out: &mut Vec<Diagnostic>,
    ) -> (Vec<&'v Value>, Option<Pointer>) {
        let wrapped = kind.wrapped_in_items();
        let items = match document.as_object() {
            Some(o) if wrapped => Self::envelope_items(o, out),
            Some(o) => o
                .get("items")
                .and_then(Value::as_array)
                .map(|array| ("items", array)),
            None => None,
        };
        let (objects, base): (Vec<&Value>, Option<Pointer>) = match (document, items) {
            (Value::Array(array), _) => {
                if wrapped {
                    out.push(
                        Diagnostic::new(&codes::BODY_SHAPE, Pointer::root(), format!("{kind} are sent as an object `{{\"items\": [...]}}`, not a bare array"))
                            .with_anchor(Anchor::Start)
                            .with_help("wrap the array: `{\"items\": [ ... ]}`"),
                    );
                }
                (array.iter().collect(), Some(Pointer::root()))
            }
            (Value::Object(_), Some((key, array))) => {
                if !wrapped {
                    out.push(
                        Diagnostic::new(
                            &codes::BODY_SHAPE,
                            Pointer::root(),
                            format!("{kind} are sent as a bare JSON array, not wrapped in `items`"),
                        )
                        .with_anchor(Anchor::Start)
                        .with_help("send the array itself: `[ ... ]`"),
                    );
                }
                (array.iter().collect(), Some(Pointer::root().key(key)))
            }
            (Value::Object(_), None) => {
                let expected = if wrapped {
                    "an object `{\"items\": [...]}`"
                } else {
                    "a JSON array of objects"
                };
                out.push(
                    Diagnostic::new(
                        &codes::BODY_SHAPE,
                        Pointer::root(),
                        format!("the body is a single object, but {kind} are sent as {expected}"),
                    )
                    .with_anchor(Anchor::Start)
                    .with_help(if wrapped {
                        "wrap it: `{\"items\": [ { ... } ]}`"
                    } else {
                        "wrap it in an array: `[ { ... } ]`"
                    }),
                );
                (vec![document], None)
            }
            (other, _) => {
                out.push(
                    Diagnostic::new(&codes::BODY_SHAPE, Pointer::root(), format!("the body is {}, not {}", crate::diagnostic::describe(other), if wrapped { "an object `{\"items\": [...]}`" } else { "a JSON array" }))
                        .with_help("a request body is a JSON array (orders, refunds) or `{\"items\": [...]}` (costs)"),
                );
                (Vec::new(), None)
            }
        };
        if let Some(array_ptr) = &base {
            self.batch_envelope(kind, objects.len(), array_ptr, out);
        }
        (objects, base)
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
                    "split it into {} requests",
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
        items
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
        Source::Path => format!(
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
