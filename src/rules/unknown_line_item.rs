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
    pub UnknownLineItem {
        name: "unknown-line-item", category: Integrity, severity: Error,
        versions: [V12_2022, V07_2025], kinds: [Orders],
    }
}

impl Rule for UnknownLineItem {}
