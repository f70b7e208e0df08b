use super::quoted;
use crate::declare_rule;
use crate::rule::{Context, FileState, FirstSeen, Note, Rule};
use crate::view::{Order, Refund};

declare_rule! {
    /// ## What it does
    /// Flags an order or refund whose `id` was already used by an earlier object of the same
    /// file.
    /// ## Why is this bad?
    /// The `id` is Klar's upsert key: posting an object with an `id` Klar already has
    /// overwrites the stored version (docs/klar-api.md §1, §4, §9.2). Two orders with one `id` in an export
    /// leave only the one processed last in Klar's landing zone, and the other order's revenue
    /// is gone. Usually two different orders were given the same technical id (an increment id
    /// reused across stores, a number cut short); sometimes the export holds two versions of
    /// one order, and then only the latest should be sent.
    ///
    /// Ids are compared exactly as written, across every object of the file, JSON Lines
    /// records included. Memory stays flat on exports of millions of records: past 57,344 ids (or 16 MiB of
    /// id text) the older ones go to sorted runs in a temporary file (`$TMPDIR`) and only a Bloom
    /// filter and a block index of them stay in memory (see `SeenIds`). The finding is a warning: re-sending an updated order is how upserts
    /// work, and it is only within one export that a repeat is suspicious.
    /// ## Example
    /// ```json
    /// [
    ///   { "id": "200012379", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [] },
    ///   { "id": "200012379", "createdAt": 1761007200, "currencyCodeIso3Letter": "EUR", "lineItems": [] }
    /// ]
    /// ```
    /// ## Use instead
    /// ```json
    /// [
    ///   { "id": "200012379", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [] },
    ///   { "id": "200012380", "createdAt": 1761007200, "currencyCodeIso3Letter": "EUR", "lineItems": [] }
    /// ]
    /// ```
    /// ## Fix
    /// None: which object keeps the id, and what id the other should have, is not in the file.
    /// ## References
    /// docs/klar-api.md §1 (upsert semantics), §4 (`id`), §9.2 (Refund `id`).
    pub DuplicateId {
        name: "duplicate-id", category: Integrity, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

// Ids are compared in file order, after each object's tree is freed: the rule notes each id
// while checking the object and compares it in `check_in_order`.
impl Rule for DuplicateId {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        if let Some(id) = order.id {
            cx.defer(Note {
                at: order.at("id"),
                value: id.to_owned(),
                what: "order",
            });
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        if let Some(id) = refund.id {
            cx.defer(Note {
                at: refund.at("id"),
                value: id.to_owned(),
                what: "refund",
            });
        }
    }

    fn check_in_order(&self, note: &Note, state: &mut FileState, cx: &mut Context<'_>) {
        let (what, id) = (note.what, note.value.as_str());
        let Some(FirstSeen {
            pointer: first,
            line: first_line,
        }) = state.ids.first_or_insert(id, &note.at, state.line)
        else {
            return;
        };
        // Worked out only for a repeat: this runs once per object, in file order.
        let object = note.at.parent().unwrap_or_default();
        let first_object = first.parent().unwrap_or_default();
        // Pointers count records and array items from 0, lines from 1: in JSON Lines, where
        // both are known, each is named in its own notation, "`/1` (line 2)".
        let on_line = |line: Option<usize>| line.map(|l| format!(" (line {l})")).unwrap_or_default();
        let place = if first_object.is_root() {
            "the first".to_owned()
        } else {
            format!("the one at `{first_object}`{}", on_line(first_line))
        };
        let later = if object.is_root() {
            String::new()
        } else {
            format!(" at `{object}`{}", on_line(state.line))
        };
        let message = format!(
            "{what} `id` {} is used again; Klar keeps only the {what} sent last",
            quoted(id)
        );
        let help = format!(
            "give every {what} its own `id`, or, if both are versions of one {what}, send only \
             the latest: this {what}{later} replaces {place}"
        );
        cx.report(note.at.clone(), message)
            .label_on_line(first, first_line, "first here")
            .help(help);
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn order(id: &str) -> String {
        format!(
            r#"{{"id": "{id}", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": []}}"#
        )
    }

    #[test]
    fn repeats_across_json_lines_records() {
        let text = format!("{}\n{}\n{}\n", order("A-1"), order("A-2"), order("A-1"));
        let linter = Linter::new(
            Config::default()
                .with_kind(PayloadKind::Orders)
                .with_api_version(ApiVersion::V07_2025),
        )
        .unwrap();
        let report = linter.lint_lines("orders.jsonl", std::io::Cursor::new(text));
        let hits: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule() == "duplicate-id")
            .collect();
        assert_eq!(hits.len(), 1, "{:?}", report.diagnostics);
        assert_eq!(hits[0].pointer.as_str(), "/2/id");
        assert_eq!(hits[0].labels.len(), 1);
        assert_eq!(hits[0].labels[0].pointer.as_str(), "/0/id");
        assert_eq!(hits[0].labels[0].text, "first here");
        assert_eq!(hits[0].line, Some(3));
        // The first record's text is gone, but its line is known.
        assert_eq!(hits[0].labels[0].line, Some(1));
    }

    #[test]
    fn refunds_and_a_third_copy() {
        let refund = |id: &str| format!(r#"{{"id": "{id}", "lineItems": []}}"#);
        let text = format!(
            "[{}, {}, {}, {}]",
            refund("R-1"),
            refund("r-1"),
            refund("R-1"),
            refund("R-1")
        );
        let linter = Linter::new(
            Config::default()
                .with_kind(PayloadKind::Refunds)
                .with_api_version(ApiVersion::V12_2022),
        )
        .unwrap();
        let report = linter.lint_str("refunds.json", &text);
        let hits: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule() == "duplicate-id")
            .collect();
        // Case matters; each later copy points back at the first.
        let pointers: Vec<_> = hits.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/2/id", "/3/id"]);
        assert!(hits.iter().all(|d| d.labels[0].pointer.as_str() == "/0/id"));
    }
}
