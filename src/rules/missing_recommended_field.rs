use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Not implemented yet.
    /// ## Why is this bad?
    /// Not implemented yet.
    /// ## Example
    /// Not implemented yet.
    /// ## Use instead
    /// Not implemented yet.
    pub MissingRecommendedField {
        name: "missing-recommended-field", category: Schema, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Orders, Refunds],
    }
}

impl Rule for MissingRecommendedField {}
