//! The embedded schemas as validators generated at build time (`jsonschema::validator`): no
//! schema is compiled when klar-lint starts, and a generated check runs about three times
//! faster than the run-time validator of the same schema. Each validates one top-level object
//! against its version's `$defs/<Object>`, the rooting the run-time compile of an override
//! uses too; a test checks that both report the same errors on thousands of broken objects.

use jsonschema::ErrorIterator;
use serde_json::Value;

use crate::payload::{ApiVersion, PayloadKind};

/// One generated validator.
pub(super) struct Generated {
    pub(super) is_valid: fn(&Value) -> bool,
    pub(super) iter_errors: for<'i> fn(&'i Value) -> ErrorIterator<'i>,
}

macro_rules! generated {
    ($($name:ident { schema: $schema:literal, uri: $uri:literal, path: $path:literal, })*) => {$(
        #[jsonschema::validator(
            schema = $schema,
            resources = { $uri => { path = $path } },
            pattern_options = { engine = regex },
        )]
        struct $name;

        impl $name {
            const CHECK: Generated = Generated {
                is_valid: $name::is_valid,
                iter_errors: $name::iter_errors,
            };
        }
    )*};
}

generated! {
    Orders2022 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/12.2022/orders.schema.json#/$defs/Order"}"#,
        uri: "https://klar-lint.invalid/schemas/12.2022/orders.schema.json",
        path: "schemas/12.2022/orders.schema.json",
    }
    Refunds2022 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/12.2022/refunds.schema.json#/$defs/Refund"}"#,
        uri: "https://klar-lint.invalid/schemas/12.2022/refunds.schema.json",
        path: "schemas/12.2022/refunds.schema.json",
    }
    Cogs2022 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/12.2022/cogs.schema.json#/$defs/Cogs"}"#,
        uri: "https://klar-lint.invalid/schemas/12.2022/cogs.schema.json",
        path: "schemas/12.2022/cogs.schema.json",
    }
    LogisticsCosts2022 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/12.2022/logistics-costs.schema.json#/$defs/LogisticsCosts"}"#,
        uri: "https://klar-lint.invalid/schemas/12.2022/logistics-costs.schema.json",
        path: "schemas/12.2022/logistics-costs.schema.json",
    }
    TransactionCosts2022 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/12.2022/transaction-costs.schema.json#/$defs/TransactionCosts"}"#,
        uri: "https://klar-lint.invalid/schemas/12.2022/transaction-costs.schema.json",
        path: "schemas/12.2022/transaction-costs.schema.json",
    }
    Orders2025 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/07.2025/orders.schema.json#/$defs/Order"}"#,
        uri: "https://klar-lint.invalid/schemas/07.2025/orders.schema.json",
        path: "schemas/07.2025/orders.schema.json",
    }
    Refunds2025 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/07.2025/refunds.schema.json#/$defs/Refund"}"#,
        uri: "https://klar-lint.invalid/schemas/07.2025/refunds.schema.json",
        path: "schemas/07.2025/refunds.schema.json",
    }
    Cogs2025 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/07.2025/cogs.schema.json#/$defs/Cogs"}"#,
        uri: "https://klar-lint.invalid/schemas/07.2025/cogs.schema.json",
        path: "schemas/07.2025/cogs.schema.json",
    }
    LogisticsCosts2025 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/07.2025/logistics-costs.schema.json#/$defs/LogisticsCosts"}"#,
        uri: "https://klar-lint.invalid/schemas/07.2025/logistics-costs.schema.json",
        path: "schemas/07.2025/logistics-costs.schema.json",
    }
    TransactionCosts2025 {
        schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://klar-lint.invalid/schemas/07.2025/transaction-costs.schema.json#/$defs/TransactionCosts"}"#,
        uri: "https://klar-lint.invalid/schemas/07.2025/transaction-costs.schema.json",
        path: "schemas/07.2025/transaction-costs.schema.json",
    }
}

/// The generated validator of the embedded schema for a version and kind: a version checked as
/// another (04.2024 and 06.2024, as 12.2022) uses that version's.
pub(super) fn generated(version: ApiVersion, kind: PayloadKind) -> &'static Generated {
    match (version.checked_as(), kind) {
        (ApiVersion::V07_2025, PayloadKind::Orders) => &Orders2025::CHECK,
        (ApiVersion::V07_2025, PayloadKind::Refunds) => &Refunds2025::CHECK,
        (ApiVersion::V07_2025, PayloadKind::Cogs) => &Cogs2025::CHECK,
        (ApiVersion::V07_2025, PayloadKind::LogisticsCosts) => &LogisticsCosts2025::CHECK,
        (ApiVersion::V07_2025, PayloadKind::TransactionCosts) => &TransactionCosts2025::CHECK,
        (_, PayloadKind::Orders) => &Orders2022::CHECK,
        (_, PayloadKind::Refunds) => &Refunds2022::CHECK,
        (_, PayloadKind::Cogs) => &Cogs2022::CHECK,
        (_, PayloadKind::LogisticsCosts) => &LogisticsCosts2022::CHECK,
        (_, PayloadKind::TransactionCosts) => &TransactionCosts2022::CHECK,
    }
}
