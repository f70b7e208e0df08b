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
    pub VersionMismatch {
        name: "version-mismatch", category: Compat, severity: Error,
        versions: [V12_2022], kinds: [Orders],
    }
}

impl Rule for VersionMismatch {}
