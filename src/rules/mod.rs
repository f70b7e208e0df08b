//! The registry: one line per rule, alphabetical. `registry!` declares each module and lists the
//! rule in `ALL`.

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
    deprecated_field::DeprecatedField,
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
