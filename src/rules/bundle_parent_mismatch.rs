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
    pub BundleParentMismatch {
        name: "bundle-parent-mismatch", category: Money, severity: Warning,
        versions: [V07_2025], kinds: [Orders],
        derived: true,
    }
}

impl Rule for BundleParentMismatch {}
