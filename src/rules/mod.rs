//! The registry: one line per rule, alphabetical. `registry!` declares each module and lists the
//! rule in `ALL`.

mod id_map;
mod line_money;

use crate::codes::BUILTINS;
use crate::rule::{Rule, RuleMeta};

macro_rules! registry {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every rule, alphabetical by name.
        pub static ALL: &[&dyn Rule] = &[$(&$module::$rule),*];
    };
}

registry! {
    attribution_id::AttributionId,
    bundle_parent_mismatch::BundleParentMismatch,
    bundle_values::BundleValues,
    conflicting_cost::ConflictingCost,
    country_code::CountryCode,
    currency_code::CurrencyCode,
    currency_mismatch::CurrencyMismatch,
    deprecated_field::DeprecatedField,
    duplicate_id::DuplicateId,
    duplicate_line_item_id::DuplicateLineItemId,
    invalid_quantity::InvalidQuantity,
    line_checksum::LineChecksum,
    missing_recommended_field::MissingRecommendedField,
    negative_amount::NegativeAmount,
    over_refund::OverRefund,
    per_unit_discount::PerUnitDiscount,
    per_unit_tax::PerUnitTax,
    shipping_checksum::ShippingChecksum,
    status_conflict::StatusConflict,
    tax_amount_mismatch::TaxAmountMismatch,
    tax_rate_range::TaxRateRange,
    timestamp_order::TimestampOrder,
    timestamp_unit::TimestampUnit,
    unknown_line_item::UnknownLineItem,
    unknown_order::UnknownOrder,
    unmapped_status::UnmappedStatus,
    version_mismatch::VersionMismatch,
    zero_date::ZeroDate,
}

/// Every code: built-ins first, then rules.
pub fn all_metas() -> impl Iterator<Item = &'static RuleMeta> {
    BUILTINS.iter().copied().chain(ALL.iter().map(|r| r.meta()))
}

/// A rule or built-in code by name.
#[must_use]
pub fn find(name: &str) -> Option<&'static RuleMeta> {
    all_metas().find(|m| m.name == name)
}

use crate::diagnostic::quoted;

/// Helpers for the rules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::{ApiVersion, Config, Diagnostic, Linter, PayloadKind};

    /// A finding as (rule, pointer, message, help); help is empty when there is none.
    pub(crate) type Finding = (String, String, String, String);

    /// The findings that `keep` selects when `text` is linted as a payload of `kind` and
    /// `version` with the default config, in report order.
    pub(crate) fn findings(
        kind: PayloadKind,
        version: ApiVersion,
        text: &str,
        keep: impl Fn(&Diagnostic) -> bool,
    ) -> Vec<Finding> {
        let linter =
            Linter::new(Config::default().with_kind(kind).with_api_version(version)).unwrap();
        linter
            .lint_str("t.json", text)
            .diagnostics
            .iter()
            .filter(|d| keep(d))
            .map(|d| {
                (
                    d.rule().to_owned(),
                    d.pointer.to_string(),
                    d.message.clone(),
                    d.help.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// The money findings on an orders payload linted as `version`, in report order.
    pub(crate) fn money_findings(version: ApiVersion, text: &str) -> Vec<Finding> {
        findings(PayloadKind::Orders, version, text, is_money)
    }

    /// The bundle rules' findings, as (rule, pointer), on a EUR order whose one line (id 10) is
    /// a bundle: `parent` is the parent's fields before `bundledProducts`, each followed by a
    /// comma; constituent `i` has id `1i` and its fields.
    pub(crate) fn bundle_findings<S: AsRef<str>>(
        parent: &str,
        constituents: &[S],
    ) -> Vec<(String, String)> {
        let constituents: Vec<String> = constituents
            .iter()
            .enumerate()
            .map(|(i, c)| format!(r#"{{"id":"1{i}",{}}}"#, c.as_ref()))
            .collect();
        let text = format!(
            r#"[{{"id":"1","createdAt":1678376546,"currencyCodeIso3Letter":"EUR","lineItems":[{{"id":"10",{parent}"bundledProducts":[{}]}}]}}]"#,
            constituents.join(",")
        );
        findings(PayloadKind::Orders, ApiVersion::V07_2025, &text, |d| {
            d.rule().starts_with("bundle-")
        })
        .into_iter()
        .map(|(rule, pointer, ..)| (rule, pointer))
        .collect()
    }

    /// Whether a diagnostic is from a money rule.
    pub(crate) fn is_money(d: &Diagnostic) -> bool {
        d.code.category == crate::rule::Category::Money
    }
}
