//! The schema text of a version checked as another (04.2024 and 06.2024, as 12.2022): that
//! version's embedded text with the top-level `$id`, `title` and `description` naming this
//! one, so `klar-lint schema` and editors see which endpoint a file is for, while `schemas/`
//! holds one copy of each schema. Only those three values change: the definitions, and the
//! validators generated from them, are the other version's.

use std::sync::OnceLock;

use serde_json::Value;

use crate::json::{Pointer, SpanIndex};
use crate::payload::{ApiVersion, PayloadKind};

/// The relabelled text of `version` and `kind`, made from `text` (the text of the version it is
/// checked as) on first use and kept for the run.
pub(super) fn relabelled(version: ApiVersion, kind: PayloadKind, text: &str) -> &'static str {
    const SLOTS: usize = ApiVersion::ALL.len() * PayloadKind::ALL.len();
    static TEXTS: [OnceLock<String>; SLOTS] = [const { OnceLock::new() }; SLOTS];
    let v = ApiVersion::ALL.iter().position(|&x| x == version);
    let k = PayloadKind::ALL.iter().position(|&x| x == kind);
    match v
        .zip(k)
        .and_then(|(v, k)| TEXTS.get(v * PayloadKind::ALL.len() + k))
    {
        Some(cell) => cell.get_or_init(|| relabel(version, kind, text)).as_str(),
        None => "",
    }
}

/// `text` with its top-level `$id`, `title` and `description` naming `version` instead of the
/// version it is checked as, and the description saying how klar-lint reads that version.
fn relabel(version: ApiVersion, kind: PayloadKind, text: &str) -> String {
    let base = version.checked_as();
    let Ok(document) = serde_json::from_str::<Value>(text) else {
        return text.to_owned();
    };
    let from = base.as_str();
    let to = version.as_str();
    let documented: Vec<&str> = version
        .documented_kinds()
        .iter()
        .map(|k| k.as_str())
        .collect();
    let documented = documented.join(" and ");
    let reading = if version.documents(kind) {
        format!(
            " Klar documents API {to} for {documented}. It adds nothing to the objects of {from}: this is {from}'s schema, and klar-lint checks {to} payloads with {from}'s schema and rules."
        )
    } else {
        format!(
            " Klar documents API {to} only for {documented}; whether /{to}/{kind}/json exists is not documented. klar-lint checks {kind} sent under {to} with {from}'s schema and rules, and warns (undocumented-endpoint)."
        )
    };
    let mut edits: Vec<(crate::json::Span, String)> = Vec::new();
    for key in ["$id", "title", "description"] {
        let Some(old) = document.get(key).and_then(Value::as_str) else {
            continue;
        };
        let mut new = if key == "$id" {
            old.replace(&format!("/{from}/"), &format!("/{to}/"))
        } else {
            old.replace(from, to)
        };
        if key == "description" {
            new.push_str(&reading);
        }
        let located = SpanIndex::new(text).locate(&Pointer::root().key(key));
        if let (Some(located), Ok(json)) = (located, serde_json::to_string(&new)) {
            edits.push((located.value, json));
        }
    }
    // From the end, so the earlier spans stay where they are.
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut out = text.to_owned();
    for (span, json) in edits {
        if out.get(span.start..span.end).is_some() {
            out.replace_range(span.start..span.end, &json);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::embedded_text;

    fn top(text: &str, key: &str) -> String {
        let document: Value = serde_json::from_str(text).unwrap();
        document[key].as_str().unwrap().to_owned()
    }

    #[test]
    fn names_the_version_and_keeps_the_definitions() {
        let base = embedded_text(ApiVersion::V12_2022, PayloadKind::LogisticsCosts);
        let text = embedded_text(ApiVersion::V04_2024, PayloadKind::LogisticsCosts);
        assert_eq!(
            top(text, "$id"),
            "https://klar-lint.invalid/schemas/04.2024/logistics-costs.schema.json"
        );
        assert!(top(text, "title").contains("(API 04.2024)"), "{text}");
        let description = top(text, "description");
        assert!(
            description.starts_with("Body of POST /04.2024/logistics-costs/json"),
            "{description}"
        );
        assert!(
            description.contains("checks 04.2024 payloads with 12.2022's schema and rules"),
            "{description}"
        );
        let defs = |t: &str| serde_json::from_str::<Value>(t).unwrap()["$defs"].clone();
        assert_eq!(defs(text), defs(base));
    }

    #[test]
    fn an_undocumented_kind_says_how_it_is_read() {
        let text = embedded_text(ApiVersion::V06_2024, PayloadKind::Orders);
        let description = top(text, "description");
        assert!(
            description.contains("Klar documents API 06.2024 only for transaction-costs"),
            "{description}"
        );
        assert!(
            description.contains("undocumented-endpoint"),
            "{description}"
        );
        assert_eq!(
            top(text, "$id"),
            "https://klar-lint.invalid/schemas/06.2024/orders.schema.json"
        );
    }

    #[test]
    fn versions_with_their_own_files_are_unchanged() {
        for kind in PayloadKind::ALL {
            for version in [ApiVersion::V12_2022, ApiVersion::V07_2025] {
                let text = embedded_text(version, kind);
                assert!(
                    top(text, "$id").contains(&format!("/{version}/")),
                    "{version}/{kind}"
                );
            }
        }
    }
}
