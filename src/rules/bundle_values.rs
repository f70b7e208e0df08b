use rust_decimal::Decimal;

use crate::declare_rule;
use crate::money::{display_computed, display_in};
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order};

declare_rule! {
    /// ## What it does
    /// Flags a bundle whose price or taxes sit only on the parent line, where Klar ignores them.
    ///
    /// It fires when every constituent has `productGmv` 0 while the parent has a price, or when
    /// no constituent has a tax while the parent has one.
    ///
    /// The parent's tax per unit (the sum of its `taxAmount`s) is shown rounded to the
    /// currency's minor unit; its `productGmv` is quoted as sent.
    /// ## Why is this bad?
    /// Klar computes a bundle bottom-up from its constituents (`bundledProducts`) and ignores
    /// the parent's own money (docs/klar-api.md §12, §16.10; see `revenue.rs`). A kit sent as a priced
    /// parent with free constituents therefore counts as zero revenue, and taxes that only the
    /// parent carries are never deducted from net revenue. The constituents are full line items
    /// with their own `productGmv`, `taxes` and totals (docs/klar-api.md §12, from the connector that
    /// sends bundles).
    ///
    /// How Klar splits a bundle between parent and constituents is not documented (docs/klar-api.md
    /// §16.10 [?]). The rule takes the reading klar-lint's revenue uses (constituents count,
    /// the parent does not), which is what the 07.2025 connector sends. Free constituents next
    /// to priced ones are fine (a gift in the kit); only a bundle where *no* constituent carries
    /// the money is flagged. When the price is missing, the finding also covers missing taxes.
    /// ## Example
    /// ```json
    /// { "id": "20001237110", "productName": "Shoe Care Kit", "productGmv": 29.90, "quantity": 1,
    ///   "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 4.77 }],
    ///   "bundledProducts": [
    ///     { "id": "20001237111", "productName": "Shoe Care Spray", "productGmv": 0, "quantity": 1, "taxes": [] },
    ///     { "id": "20001237112", "productName": "Cleaning Brush", "productGmv": 0, "quantity": 1, "taxes": [] }
    ///   ] }
    /// ```
    /// ## Use instead
    /// Put each constituent's share of the price and tax on the constituent; the parent's totals
    /// are their sums:
    /// ```json
    /// { "id": "20001237110", "productName": "Shoe Care Kit", "productGmv": 29.90, "quantity": 1, "taxes": [],
    ///   "totalAmountBeforeTaxesAndDiscounts": 29.90, "totalAmountAfterTaxesAndDiscounts": 25.12,
    ///   "bundledProducts": [
    ///     { "id": "20001237111", "productName": "Shoe Care Spray", "productGmv": 17.95, "quantity": 1,
    ///       "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 2.87 }],
    ///       "totalAmountBeforeTaxesAndDiscounts": 17.95, "totalAmountAfterTaxesAndDiscounts": 15.08 },
    ///     { "id": "20001237112", "productName": "Cleaning Brush", "productGmv": 11.95, "quantity": 1,
    ///       "taxes": [{ "title": "VAT 19%", "taxRate": 0.19, "taxAmount": 1.91 }],
    ///       "totalAmountBeforeTaxesAndDiscounts": 11.95, "totalAmountAfterTaxesAndDiscounts": 10.04 }
    ///   ] }
    /// ```
    /// ## Fix
    /// None: moving money from the parent to its constituents needs a split of the price that only the shop knows.
    /// ## References
    /// docs/klar-api.md §12 (bundles), §16.10 (open question on bundle semantics), §11.3.
    pub BundleValues {
        name: "bundle-values", category: Money, severity: Error,
        versions: [V07_2025], kinds: [Orders],
    }
}

/// "its constituent" or "its 3 constituents", for the help.
fn its_constituents(parent: &LineItem<'_>) -> String {
    match parent.constituents.len() {
        1 => "its constituent".to_owned(),
        n => format!("its {n} constituents"),
    }
}

fn check_bundle(parent: &LineItem<'_>, exponent: u32, cx: &mut Context<'_>) {
    let price = parent.gmv.unwrap_or_default();
    // An unknown tax (an entry missing its amount: the schema reports it) is no tax to report.
    let tax = parent.tax_per_unit().unwrap_or_default();
    let priced = parent
        .constituents
        .iter()
        .any(|c| c.gmv.is_some_and(|g| !g.is_zero()));
    let taxed = parent
        .constituents
        .iter()
        .any(|c| c.tax_per_unit().is_none_or(|t| !t.is_zero()));

    if !priced && price > Decimal::ZERO {
        let tax_too = if !taxed && tax > Decimal::ZERO {
            format!(" and the tax {} per unit", display_computed(tax, exponent))
        } else {
            String::new()
        };
        let constituents = its_constituents(parent);
        cx.report(
            parent.at("productGmv"),
            format!(
                "every constituent of this bundle has `productGmv` 0, so Klar counts none of the parent's `productGmv` {}",
                display_in(price, exponent)
            ),
        )
        .label(parent.at("bundledProducts"), "constituents")
        .help(format!(
            "Klar counts a bundle from its constituents and ignores the parent's money: split the price {}{tax_too} among {constituents}, each share in the constituent's own `productGmv` and `taxes`, so that they add up to the parent's totals",
            display_in(price, exponent)
        ));
        return;
    }
    if !taxed && tax > Decimal::ZERO {
        let constituents = its_constituents(parent);
        cx.report(
            parent.at("taxes"),
            format!(
                "no constituent of this bundle has a tax, so Klar deducts none of the parent's tax {} per unit",
                display_computed(tax, exponent)
            ),
        )
        .label(parent.at("bundledProducts"), "constituents")
        .help(format!(
            "Klar counts a bundle from its constituents and ignores the parent's taxes: send each constituent's tax (per unit of the constituent) in the `taxes` of {constituents}"
        ));
    }
}

impl Rule for BundleValues {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        for parent in order.lines.iter().filter(|l| l.is_bundle()) {
            check_bundle(parent, order.exponent, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;

    fn findings(parent: &str, constituents: &[&str]) -> Vec<(String, String)> {
        let constituents: Vec<String> = constituents
            .iter()
            .map(|c| format!(r#""quantity":1,{c}"#))
            .collect();
        testing::bundle_findings(
            &format!(r#""productGmv":29.90,"quantity":1,{parent}"#),
            &constituents,
        )
    }

    const TAX: &str = r#""taxes":[{"title":"VAT","taxRate":0.19,"taxAmount":4.77}],"#;

    #[test]
    fn one_priced_constituent_is_enough() {
        assert!(findings("", &[r#""productGmv":0"#, r#""productGmv":29.90"#]).is_empty());
        assert_eq!(
            findings("", &[r#""productGmv":0"#, r#""productGmv":0.00"#]),
            [(
                "bundle-values".to_owned(),
                "/0/lineItems/0/productGmv".to_owned()
            )]
        );
    }

    #[test]
    fn missing_price_and_tax_is_one_finding() {
        assert_eq!(
            findings(TAX, &[r#""productGmv":0,"taxes":[]"#]),
            [(
                "bundle-values".to_owned(),
                "/0/lineItems/0/productGmv".to_owned()
            )]
        );
    }

    #[test]
    fn tax_only_on_the_parent() {
        assert_eq!(
            findings(TAX, &[r#""productGmv":29.90,"taxes":[]"#]),
            [(
                "bundle-values".to_owned(),
                "/0/lineItems/0/taxes".to_owned()
            )]
        );
        let taxed =
            r#""productGmv":29.90,"taxes":[{"title":"VAT","taxRate":0.19,"taxAmount":4.77}]"#;
        assert!(findings(TAX, &[taxed]).is_empty());
    }
}
