use super::id_map::IdMap;
use super::quoted;
use crate::declare_rule;
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order};

declare_rule! {
    /// ## What it does
    /// Flags two line items of one order, bundle constituents included, that share an `id`.
    /// ## Why is this bad?
    /// A line's `id` must be unique within its order: a refunded line's `lineItemId` and a COGS
    /// item's `lineItemId` find the line by it (docs/klar-api.md §5, §9.1, §10). With two lines under one
    /// id, a return or a cost lands on whichever line Klar picks, and the other line's returns
    /// and costs are lost. Klar's own Order Example #2 makes this mistake (docs/klar-api.md §14.3 item
    /// 10, §15 item 7).
    ///
    /// In 07.2025 bundle constituents (`bundledProducts`) are full line items with their own
    /// ids, so they share the order's id space with the top-level lines. In 12.2022
    /// `bundledProducts` is not part of the API and is not checked.
    /// ## Example
    /// ```json
    /// [{ "id": "2312231241", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [
    ///   { "id": "5234123423", "productGmv": 3.50, "quantity": 2 },
    ///   { "id": "5234123423", "productGmv": 1.99, "quantity": 1 }
    /// ] }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "2312231241", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [
    ///   { "id": "5234123423", "productGmv": 3.50, "quantity": 2 },
    ///   { "id": "5234123424", "productGmv": 1.99, "quantity": 1 }
    /// ] }]
    /// ```
    /// ## Fix
    /// None: a new id would break the refunds and costs that name the line.
    /// ## References
    /// docs/klar-api.md §5 (`id`), §12 (bundles), §14.3 item 10, §15 item 7.
    pub DuplicateLineItemId {
        name: "duplicate-line-item-id", category: Integrity, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

impl Rule for DuplicateLineItemId {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        // The first line with each id; ids are borrowed, pointers built only for a finding.
        let mut seen: IdMap<&LineItem<'_>> = IdMap::new();
        for line in order.all_lines() {
            let Some(id) = line.id else {
                continue;
            };
            let Some(&first) = seen.get(id) else {
                seen.get_or_insert(id, line);
                continue;
            };
            let first_line = &first.ptr;
            cx.report(line.at("id"), format!("line item `id` {} is already used by the line at `{first_line}`", quoted(id)))
                .label(first.at("id"), "first here")
                .help("give every line of the order, bundle constituents included, its own `id`: refunds and COGS find lines by it");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiVersion, Config, Linter, PayloadKind};

    fn pointers(text: &str, version: ApiVersion) -> Vec<(String, String)> {
        let linter = Linter::new(
            Config::default()
                .with_kind(PayloadKind::Orders)
                .with_api_version(version),
        )
        .unwrap();
        linter
            .lint_str("orders.json", text)
            .diagnostics
            .into_iter()
            .filter(|d| d.rule() == "duplicate-line-item-id")
            .map(|d| {
                (
                    d.pointer.as_str().to_owned(),
                    d.labels[0].pointer.as_str().to_owned(),
                )
            })
            .collect()
    }

    const BUNDLE: &str = r#"[{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [
        {"id": "a", "productGmv": 10, "quantity": 1},
        {"id": "p", "productGmv": 30, "quantity": 1, "bundledProducts": [
            {"id": "c", "productGmv": 10, "quantity": 1}, {"id": "a", "productGmv": 20, "quantity": 1}]}]},
        {"id": "2", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [
        {"id": "a", "productGmv": 10, "quantity": 1}]}]"#;

    #[test]
    fn constituents_share_the_order_id_space_in_07_2025() {
        assert_eq!(
            pointers(BUNDLE, ApiVersion::V07_2025),
            [(
                "/0/lineItems/1/bundledProducts/1/id".to_owned(),
                "/0/lineItems/0/id".to_owned()
            )]
        );
        // Another order may reuse a line id; 12.2022 does not read constituents.
        assert!(pointers(BUNDLE, ApiVersion::V12_2022).is_empty());
    }

    #[test]
    fn many_lines_point_at_the_first_use() {
        // More lines than are kept inline: `l3` is used three times, `l30` twice.
        let ids: Vec<String> = (0..40)
            .map(|i| match i {
                20 | 35 => "l3".to_owned(),
                38 => "l30".to_owned(),
                i => format!("l{i}"),
            })
            .collect();
        let lines: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"id": "{id}", "productGmv": 1, "quantity": 1}}"#))
            .collect();
        let text = format!(
            r#"[{{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [{}]}}]"#,
            lines.join(",")
        );
        let first = "/0/lineItems/3/id".to_owned();
        assert_eq!(
            pointers(&text, ApiVersion::V12_2022),
            [
                ("/0/lineItems/20/id".to_owned(), first.clone()),
                ("/0/lineItems/35/id".to_owned(), first),
                (
                    "/0/lineItems/38/id".to_owned(),
                    "/0/lineItems/30/id".to_owned()
                )
            ]
        );
    }
}
