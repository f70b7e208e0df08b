use serde_json::{Map, Value};

use crate::declare_rule;
use crate::diagnostic::{Anchor, Severity};
use crate::json::Pointer;
use crate::rule::{Context, Rule};
use crate::view::{LineItem, Order, Refund, RefundedLineItem};

declare_rule! {
    /// ## What it does
    /// Flags an object without fields that every connector and doc example sends, in one finding
    /// per object.
    /// ## Why is this bad?
    /// Klar accepts the payload without these fields, but the dashboards built from it have
    /// holes. docs/klar-api.md grades them R-likely (§4-§9): sent by every connector and every doc
    /// example. Per object:
    ///
    /// * Order: `updatedAt` (when the order last changed), `financialStatus` (Klar files
    ///   revenue by payment status), `shipmentStatus` (the fulfilment state), `shipping`
    ///   (shipping revenue, its taxes, the ship-to country) and `customer` (new and returning
    ///   customers, lifetime value).
    /// * Line item, bundle constituents included: `productName`, `productId` (product
    ///   reports), `sku` (COGS are matched by it), `taxes` (without them no tax is taken out of
    ///   net revenue), `totalAmountBeforeTaxesAndDiscounts` and
    ///   `totalAmountAfterTaxesAndDiscounts` (the line's checksums). A bundle parent is only
    ///   asked for `productName`, `productId` and `sku`: Klar computes a bundle's money from
    ///   its constituents (docs/klar-api.md §12), so the parent's own taxes and totals are not needed.
    /// * Discount: `title`; tax: `title` (they name the entry in reports).
    /// * Customer: `id` (links a customer's orders; for guests, the md5 of the trimmed,
    ///   lower-cased email, as Klar recommends).
    /// * Shipping: `shippingTotalAmountBeforeTaxAndDiscounts` and
    ///   `shippingTotalAmountAfterTaxAndDiscounts` (the shipping revenue).
    /// * Refunded line: `id` (the refund record) and `createdAt` (dates the return).
    /// * Refund (refunds endpoint): `createdAt` and `updatedAt`.
    ///
    /// No Klar page covered by docs/klar-api.md marks fields as required (§16 item 1), so this is a
    /// warning based on evidence grades, not on a rejection. A field sent under a misspelled
    /// name (`shippingTotalAmountBeforeTaxesAndDiscounts`) is left to `unknown-field`, which
    /// suggests the right name. A field sent as `null` counts as missing, as if it were left
    /// out: Klar's validator (class-validator) skips a `null` optional field (docs/klar-api.md
    /// §14.4 item 1), so the dashboards get nothing from it either. But `null` is how exports
    /// write an empty column, not a mistake, so when every missing field of an object was sent
    /// as `null` the finding is an info ("recommended field `customer` is `null`, which Klar
    /// reads as absent"), never more, unless the rule's level is set in `[rules]`.
    /// ## Example
    /// ```json
    /// [{ "id": "200012384", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR", "lineItems": [] }]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{ "id": "200012384", "createdAt": 1761000000, "updatedAt": 1761086400,
    ///    "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "shipmentStatus": "shipped",
    ///    "lineItems": [],
    ///    "shipping": { "shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "taxes": [],
    ///                  "shippingTotalAmountAfterTaxAndDiscounts": 4.99 },
    ///    "customer": { "id": "8e3d4c692c56649ef6b99410f691610d" } }]
    /// ```
    /// ## Fix
    /// None: the missing values come from the shop, not from the payload.
    /// ## References
    /// docs/klar-api.md §4 (Order), §5 (LineItem), §5a (Discount), §5b (Tax), §6 (Customer), §8
    /// (Shipping), §9 (RefundedLineItem, Refund), §12 (bundles), §16 item 1.
    pub MissingRecommendedField {
        name: "missing-recommended-field", category: Schema, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

/// A recommended field and why it matters, for the help.
type Field = (&'static str, &'static str);

const ORDER: &[Field] = &[
    ("updatedAt", "when the order last changed"),
    ("financialStatus", "Klar files revenue by payment status"),
    ("shipmentStatus", "the fulfilment state"),
    (
        "shipping",
        "shipping revenue, its taxes and the ship-to country",
    ),
    ("customer", "new and returning customers"),
];

const LINE_IDENTITY: &[Field] = &[
    ("productName", "shown in product reports"),
    ("productId", "groups the line by product"),
    ("sku", "COGS are matched by it"),
];

const LINE_MONEY: &[Field] = &[
    ("taxes", "without them no tax is taken out of net revenue"),
    (
        "totalAmountBeforeTaxesAndDiscounts",
        "the line's gross total",
    ),
    ("totalAmountAfterTaxesAndDiscounts", "the line's net total"),
];

const DISCOUNT: &[Field] = &[("title", "names the discount in reports")];
const TAX: &[Field] = &[("title", "names the tax in reports")];
const CUSTOMER: &[Field] = &[(
    "id",
    "links the customer's orders; for guests, the md5 of the lower-cased email",
)];
const SHIPPING: &[Field] = &[
    (
        "shippingTotalAmountBeforeTaxAndDiscounts",
        "the shipping revenue charged",
    ),
    (
        "shippingTotalAmountAfterTaxAndDiscounts",
        "the shipping revenue after tax and discounts",
    ),
];
const REFUNDED_LINE: &[Field] = &[
    ("id", "identifies the refund record"),
    ("createdAt", "dates the return"),
];
const REFUND: &[Field] = &[
    ("createdAt", "dates the refund"),
    ("updatedAt", "when the refund last changed"),
];

/// Every field the API defines on each object (both versions), to tell a misspelled field
/// from an absent one.
const ORDER_KNOWN: &[&str] = &[
    "id",
    "createdAt",
    "updatedAt",
    "processedAt",
    "closedAt",
    "cancelledAt",
    "currencyCodeIso3Letter",
    "financialStatus",
    "shipmentStatus",
    "paymentGatewayName",
    "paymentMethodName",
    "orderName",
    "orderNumber",
    "tags",
    "lineItems",
    "refundedLineItems",
    "shipping",
    "transactionCosts",
    "customer",
    "optionalIdentifiers",
];
const LINE_KNOWN: &[&str] = &[
    "id",
    "productName",
    "productId",
    "productVariantName",
    "productVariantId",
    "productBrand",
    "productCollection",
    "productCogs",
    "productGmv",
    "productShippingWeightInGrams",
    "sku",
    "quantity",
    "productTags",
    "discounts",
    "taxes",
    "totalAmountBeforeTaxesAndDiscounts",
    "totalAmountAfterTaxesAndDiscounts",
    "totalLogisticsCosts",
    "bundledProducts",
];
const DISCOUNT_KNOWN: &[&str] = &[
    "title",
    "descriptor",
    "target",
    "isVoucher",
    "voucherCode",
    "voucherType",
    "discountAmount",
];
const TAX_KNOWN: &[&str] = &["title", "descriptor", "taxRate", "taxAmount"];
const CUSTOMER_KNOWN: &[&str] = &[
    "id",
    "email",
    "emailHash",
    "isNewsletterSubscriberAtTimeOfCheckout",
    "tags",
];
const SHIPPING_KNOWN: &[&str] = &[
    "city",
    "provinceOrState",
    "countryCodeIso3Letter",
    "countryCodeIso2Letter",
    "currencyCodeIso3Letter",
    "zipOrPostalCode",
    "providerDescriptor",
    "shippingTotalAmountBeforeTaxAndDiscounts",
    "discounts",
    "taxes",
    "shippingTotalAmountAfterTaxAndDiscounts",
    "totalLogisticsCosts",
];
const REFUNDED_LINE_KNOWN: &[&str] = &[
    "id",
    "lineItemId",
    "reasonDescriptor",
    "refundedQuantity",
    "refundQuantity",
    "createdAt",
    "processedAt",
];
const REFUND_KNOWN: &[&str] = &["id", "createdAt", "updatedAt", "lineItems"];

/// Whether the object has an unknown key close to `field`: a misspelling, which `unknown-field`
/// reports with "did you mean" (one root cause, one diagnostic). Same measure and threshold as
/// the schema's suggestion.
fn misspelled(raw: &Map<String, Value>, known: &[&str], field: &str) -> bool {
    let field = field.to_ascii_lowercase();
    // A key far longer than the field cannot score 0.75 (see `schema::help::did_you_mean`).
    raw.keys()
        .filter(|key| !known.contains(&key.as_str()) && key.len() <= field.len() * 5)
        .any(|key| {
            strsim::normalized_damerau_levenshtein(&key.to_ascii_lowercase(), &field) >= 0.75
        })
}

/// Whether `raw` lacks `name`: `null` is absent, as Klar's validator reads an optional field
/// (class-validator, docs/klar-api.md §14.4 item 1).
fn absent(raw: &Map<String, Value>, name: &str) -> bool {
    raw.get(name).is_none_or(Value::is_null)
}

/// Reports the fields of `lists` that `raw` lacks, in one finding at the object (at `ptr()`).
/// Nothing is allocated unless a field is missing.
fn check(
    raw: &Map<String, Value>,
    ptr: impl FnOnce() -> Pointer,
    lists: &[&[Field]],
    known: &[&str],
    cx: &mut Context<'_>,
) {
    let mut missing = lists
        .iter()
        .flat_map(|list| list.iter())
        .filter(|(name, _)| absent(raw, name) && !misspelled(raw, known, name))
        .peekable();
    if missing.peek().is_none() {
        return;
    }
    let missing: Vec<&Field> = missing.collect();
    let names: Vec<String> = missing
        .iter()
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    // Sent as `null` rather than left out: Klar reads it as absent, and the data is missing
    // all the same, but `null` is the one way a connector writes an empty column: info, never
    // more (issue 12: no finding above info for a `null` optional field).
    let all_null = missing.iter().all(|(name, _)| raw.contains_key(*name));
    let message = match (missing.len(), all_null) {
        (1, false) => format!("missing recommended field {}", names.join("")),
        (_, false) => format!("missing recommended fields {}", names.join(", ")),
        (1, true) => format!(
            "recommended field {} is `null`, which Klar reads as absent",
            names.join("")
        ),
        (_, true) => format!(
            "recommended fields {} are `null`, which Klar reads as absent",
            names.join(", ")
        ),
    };
    let reasons: Vec<String> = missing
        .iter()
        .map(|(name, why)| format!("`{name}` ({why})"))
        .collect();
    let reported = if all_null {
        cx.report_at_most(Severity::Info, ptr(), message)
    } else {
        cx.report(ptr(), message)
    };
    reported
        .anchor(Anchor::Start)
        .help(format!("send {}", and_list(&reasons)));
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The objects of an array field with their indices (non-objects fail the schema first).
fn objects<'a>(
    raw: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = (usize, &'a Map<String, Value>)> {
    raw.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.as_object().map(|o| (i, o)))
}

/// A discount or tax list's entries; their pointers are built only for a finding.
fn entries(raw: &Map<String, Value>, at: &Pointer, cx: &mut Context<'_>) {
    for (i, discount) in objects(raw, "discounts") {
        let ptr = || at.key("discounts").index(i);
        check(discount, ptr, &[DISCOUNT], DISCOUNT_KNOWN, cx);
    }
    for (i, tax) in objects(raw, "taxes") {
        check(tax, || at.key("taxes").index(i), &[TAX], TAX_KNOWN, cx);
    }
}

fn line(line: &LineItem<'_>, cx: &mut Context<'_>) {
    let ptr = || line.ptr.clone();
    if line.is_bundle() {
        check(line.raw, ptr, &[LINE_IDENTITY], LINE_KNOWN, cx);
    } else {
        check(
            line.raw,
            ptr,
            &[LINE_IDENTITY, LINE_MONEY],
            LINE_KNOWN,
            cx,
        );
    }
    entries(line.raw, &line.ptr, cx);
}

fn refunded_line(line: &RefundedLineItem<'_>, cx: &mut Context<'_>) {
    check(
        line.raw,
        || line.ptr.clone(),
        &[REFUNDED_LINE],
        REFUNDED_LINE_KNOWN,
        cx,
    );
}

impl Rule for MissingRecommendedField {
    fn check_order(&self, order: &Order<'_>, cx: &mut Context<'_>) {
        check(order.raw, || order.ptr.clone(), &[ORDER], ORDER_KNOWN, cx);
        for l in order.all_lines() {
            line(l, cx);
        }
        for r in &order.refunds {
            refunded_line(r, cx);
        }
        if let Some(shipping) = &order.shipping {
            let ptr = || shipping.ptr.clone();
            check(shipping.raw, ptr, &[SHIPPING], SHIPPING_KNOWN, cx);
            entries(shipping.raw, &shipping.ptr, cx);
        }
        if let Some(customer) = order.raw.get("customer").and_then(Value::as_object) {
            check(
                customer,
                || order.at("customer"),
                &[CUSTOMER],
                CUSTOMER_KNOWN,
                cx,
            );
        }
    }

    fn check_refund(&self, refund: &Refund<'_>, cx: &mut Context<'_>) {
        check(refund.raw, || refund.ptr.clone(), &[REFUND], REFUND_KNOWN, cx);
        for r in &refund.lines {
            refunded_line(r, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings;
    use crate::{ApiVersion, PayloadKind};

    fn hits(text: &str, kind: PayloadKind, version: ApiVersion) -> Vec<(String, String)> {
        findings(kind, version, text, |d| d.rule() == "missing-recommended-field")
            .into_iter()
            .map(|(_, pointer, message, _)| (pointer, message))
            .collect()
    }

    #[test]
    fn one_finding_per_object_and_bundle_parents_need_no_money_fields() {
        let text = r#"[{"id": "1", "createdAt": 1761000000, "updatedAt": 1761000000, "currencyCodeIso3Letter": "EUR",
            "financialStatus": "paid", "shipmentStatus": "shipped", "customer": {"id": "c"},
            "shipping": {"shippingTotalAmountBeforeTaxAndDiscounts": 0, "shippingTotalAmountAfterTaxAndDiscounts": 0,
                         "taxes": [{"taxRate": 0.19, "taxAmount": 0}]},
            "lineItems": [{"id": "p", "productName": "Set", "productId": "P", "sku": "S", "productGmv": 1, "quantity": 1,
                "bundledProducts": [{"id": "c", "productName": "Part", "productId": "Q", "sku": "T", "productGmv": 1,
                    "quantity": 1, "taxes": [], "totalAmountBeforeTaxesAndDiscounts": 1}]}]}]"#;
        let mut got = hits(text, PayloadKind::Orders, ApiVersion::V07_2025);
        got.sort();
        assert_eq!(
            got,
            [
                (
                    "/0/lineItems/0/bundledProducts/0".to_owned(),
                    "missing recommended field `totalAmountAfterTaxesAndDiscounts`".to_owned()
                ),
                (
                    "/0/shipping/taxes/0".to_owned(),
                    "missing recommended field `title`".to_owned()
                ),
            ]
        );
        // In 12.2022 constituents are not part of the API: the parent is an ordinary line.
        let old = hits(text, PayloadKind::Orders, ApiVersion::V12_2022);
        assert!(
            old.iter().any(|(p, m)| p == "/0/lineItems/0"
                && m.contains("`taxes`, `totalAmountBeforeTaxesAndDiscounts`")),
            "{old:?}"
        );
    }

    #[test]
    fn a_misspelled_field_is_left_to_unknown_field() {
        let text = r#"[{"id": "R-1", "createdAt": 1761000000, "updatedat": 1761000000,
            "lineItems": [{"id": "a", "lineItemId": "a", "refundedQuantity": 1, "processedAt": 1761000000}]}]"#;
        let got = hits(text, PayloadKind::Refunds, ApiVersion::V12_2022);
        // `updatedat` stands for `updatedAt`; the known `processedAt` does not stand for `createdAt`.
        assert_eq!(
            got,
            [(
                "/0/lineItems/0".to_owned(),
                "missing recommended field `createdAt`".to_owned()
            )]
        );
    }

    #[test]
    fn refunds() {
        let text = r#"[{"id": "R-1", "lineItems": [{"lineItemId": "a", "refundedQuantity": 1}]}]"#;
        let got = hits(text, PayloadKind::Refunds, ApiVersion::V12_2022);
        assert_eq!(
            got,
            [
                (
                    "/0".to_owned(),
                    "missing recommended fields `createdAt`, `updatedAt`".to_owned()
                ),
                (
                    "/0/lineItems/0".to_owned(),
                    "missing recommended fields `id`, `createdAt`".to_owned()
                ),
            ]
        );
    }
}
