//! The built-in codes: findings the linter itself produces (syntax, schema, envelope, I/O), each
//! with a documentation page like a rule's, so `explain` and `[rules]` work for them too.

use crate::diagnostic::{Category, RuleMeta, Severity};
use crate::payload::{ApiVersion, PayloadKind};

const VERSIONS: &[ApiVersion] = &ApiVersion::ALL;
const KINDS: &[PayloadKind] = &PayloadKind::ALL;

macro_rules! builtin {
    ($(#[doc = $doc:literal])* $static:ident = $name:literal, $category:ident, $severity:ident $(, versions: $versions:expr)?;) => {
        $(#[doc = $doc])*
        pub static $static: RuleMeta = RuleMeta {
            name: $name,
            category: Category::$category,
            severity: Severity::$severity,
            versions: builtin!(@versions $($versions)?),
            kinds: KINDS,
            derived: false,
            builtin: true,
            docs: concat!($($doc, "\n"),*),
        };
    };
    (@versions) => { VERSIONS };
    (@versions $versions:expr) => { $versions };
}

builtin! {
    /// ## What it does
    /// Reports a file that is not JSON: a syntax error, bytes that are not UTF-8, or an empty file.
    /// The location is where parsing stopped.
    /// ## Why is this bad?
    /// Klar answers such a request with HTTP 400 and stores nothing from it. Nothing else in the
    /// file can be checked until it parses.
    /// ## Example
    /// ```text
    /// [{"id": "1", "createdAt": 1678376546,}]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{"id": "1", "createdAt": 1678376546}]
    /// ```
    /// ## Fix
    /// None: a file that does not parse is never fixed: where the mistake is, and what was meant, is for a person to see.
    INVALID_JSON = "invalid-json", Schema, Error;
}

builtin! {
    /// ## What it does
    /// Reports a value that does not match the API's JSON Schema for its version and kind: a wrong
    /// type, a missing required field, a malformed code. Each top-level object is validated on its
    /// own, so one bad order never hides the others.
    ///
    /// `null` on an optional field is not reported: Klar validates with class-validator, where an
    /// optional property skips all its checks when its value is `null` or missing (docs/klar-api.md §3.1,
    /// §14.4 item 1), so `"descriptor": null` reads as a discount without a descriptor, and the
    /// rules read it the same way. `null` on a required field is reported, and the help says the
    /// field is required.
    /// ## Why is this bad?
    /// Klar's validator rejects the object (`taxRate must be a number conforming to the specified
    /// constraints`), and with it, for most endpoints, the whole request.
    /// ## Example
    /// ```json
    /// [{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [
    ///   {"id": "a", "productGmv": 3.5, "quantity": 1, "taxes": [{"taxRate": "17%", "taxAmount": 0.51}]}]}]
    /// ```
    /// ## Use instead
    /// ```json
    /// [{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [
    ///   {"id": "a", "productGmv": 3.5, "quantity": 1, "taxes": [{"taxRate": 0.17, "taxAmount": 0.51}]}]}]
    /// ```
    /// ## Fix
    /// Safe, for two wrong types whose value says exactly what was meant (other `schema`
    /// findings have no fix):
    /// * a number where a string is expected, in any string field (ids such as `id`,
    ///   `lineItemId`, `orderId`, and `sku`, `title`, ...) except the codes checked by a pattern
    ///   (`currencyCodeIso3Letter`, the country codes) and `financialStatus`: the same digits,
    ///   quoted, exactly as written (`100123815` → `"100123815"`, `1.50` → `"1.50"`);
    /// * a string holding a plain decimal where a number is expected: the number, digits as
    ///   written (`"12.50"` → `12.50`). `"12,50"`, `"1e3"`, `"€5"`, `" 5"` and `"17%"` get no fix
    ///   (the help says what to send).
    ///
    /// Once a number, the value is checked by the rules like any other: a finding it then gets
    /// (a negative amount, a millisecond timestamp) was hidden by the string, not made by the fix.
    /// ## Options
    /// `--schemas DIR` replaces the embedded schemas with a directory of the same layout.
    SCHEMA = "schema", Schema, Error;
}

builtin! {
    /// ## What it does
    /// Reports a property the API does not define for that object, with the closest known name
    /// when one is near (`lineItemid` → `lineItemId`). A name that differs only in case
    /// (`productGMV`, `googleAnalyticsTransactionID`) is always the first suggestion. The
    /// `{"items": [...]}` body of COGS, logistics costs and transaction costs is checked the same
    /// way: a key beside `items` is reported, and a misspelt `items` (`itmes`) is a `schema`
    /// error with the suggestion, whose objects are still checked.
    /// ## Why is this bad?
    /// A misspelt field is as good as a missing one: `shippingTotalAmountBeforeTaxesAndDiscounts`
    /// (plural `Taxes`) is not the shipping checksum, so Klar never sees the shipping revenue.
    /// Whether Klar rejects, strips or stores unknown fields is not documented (docs/klar-api.md §16.6), so
    /// this is a warning.
    /// ## Example
    /// ```json
    /// {"shippingTotalAmountBeforeTaxesAndDiscounts": 4.99}
    /// ```
    /// ## Use instead
    /// ```json
    /// {"shippingTotalAmountBeforeTaxAndDiscounts": 4.99}
    /// ```
    /// ## Fix
    /// None: a did-you-mean is a guess, and a field that is not misspelt may be data the sender wants to keep; rename or remove it by hand.
    UNKNOWN_FIELD = "unknown-field", Schema, Warning;
}

builtin! {
    /// ## What it does
    /// Reports a key that appears twice in one JSON object.
    /// ## Why is this bad?
    /// JSON parsers keep one of the two values, usually the last, silently: the other is lost, and
    /// which one Klar keeps is not documented.
    /// ## Example
    /// ```text
    /// {"quantity": 2, "quantity": 3}
    /// ```
    /// ## Use instead
    /// ```json
    /// {"quantity": 3}
    /// ```
    /// ## Fix
    /// None: which of the two values is right is not in the payload.
    DUPLICATE_KEY = "duplicate-key", Schema, Error;
}

builtin! {
    /// ## What it does
    /// Reports a request body of the wrong shape: orders and refunds are a bare JSON array;
    /// COGS, logistics costs and transaction costs are an object `{"items": [...]}`.
    /// The objects inside are still checked. The help names the fix: an array wrapped in an
    /// object (`{"orders": [...]}`) is to be unwrapped and sent as it is; costs whose `items`
    /// holds one object (`{"items": {...}}`) need `items` turned into an array.
    /// ## Why is this bad?
    /// Klar rejects the whole request.
    /// ## Example
    /// ```json
    /// [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5}]
    /// ```
    /// ## Use instead
    /// ```json
    /// {"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5}]}
    /// ```
    /// ## Fix
    /// Safe: the envelope is made right and the objects inside are left as they are.
    /// * a bare array of COGS, logistics costs or transaction costs is wrapped:
    ///   `{"items": [...]}`;
    /// * orders or refunds wrapped in an object (`{"orders": [...]}`) are unwrapped to the array
    ///   itself; the envelope's other members, if any, go with it;
    /// * costs whose `items` holds one object get `items` turned into an array:
    ///   `{"items": [{...}]}`;
    /// * a single object where an array is expected is wrapped: `[{...}]` for orders and
    ///   refunds, `{"items": [{...}]}` for costs.
    ///
    /// A body that is neither an object nor an array, and a JSON Lines record that is not an
    /// object, get no fix.
    BODY_SHAPE = "body-shape", Schema, Error;
}

builtin! {
    /// ## What it does
    /// Reports a request with more objects than one POST accepts (1,000 on every endpoint).
    /// JSON Lines files are not requests and have no limit.
    /// ## Why is this bad?
    /// Klar rejects the request.
    /// ## Example
    /// An orders file with 1,001 orders.
    /// ## Use instead
    /// Split it into requests of at most 1,000 objects: `klar-lint split FILE --out DIR` writes
    /// them, one body per request, in the kind's envelope (docs/split.md).
    /// ## Fix
    /// None: a request too large is split into several files rather than edited in place; `klar-lint split` writes them.
    /// ## Options
    /// `max-batch-size` in `klar-lint.toml` (default 1000).
    BATCH_SIZE = "batch-size", Limits, Error;
}

builtin! {
    /// ## What it does
    /// Reports a request with no objects at all.
    /// ## Why is this bad?
    /// Whether Klar accepts an empty batch is not documented (docs/klar-api.md §16.12); it is certainly a
    /// wasted request, and often a sign that the export job selected nothing.
    /// ## Example
    /// ```json
    /// []
    /// ```
    /// ## Use instead
    /// Skip the request when there is nothing to send.
    /// ## Fix
    /// None: the fix is not to send the request; there is nothing in the file to change.
    EMPTY_BATCH = "empty-batch", Limits, Warning;
}

builtin! {
    /// ## What it does
    /// Reports a file whose payload kind could not be told from `--kind`, the config's `[kinds]`
    /// globs, the file name or its content.
    /// ## Why is this bad?
    /// Without the kind there is no schema to check the file against.
    /// ## Example
    /// `export-2024-01.json` holding `[{"foo": 1}]`.
    /// ## Use instead
    /// Name the kind: `klar-lint --kind orders export-2024-01.json`, put `orders` in the file name,
    /// or map a glob in `klar-lint.toml`'s `[kinds]`.
    /// ## Fix
    /// None: the kind comes from a flag, a path or the content; name it with `--kind`.
    UNKNOWN_KIND = "unknown-kind", Tool, Error;
}

builtin! {
    /// ## What it does
    /// Reports a number whose literal does not fit an exact decimal (more than 28 significant
    /// digits, or an exponent such as `1e400`).
    /// ## Why is this bad?
    /// klar-lint never rounds money through floating point; Klar's own handling of such numbers
    /// is undocumented, and no real amount needs them.
    /// ## Example
    /// ```json
    /// {"productGmv": 1e400}
    /// ```
    /// ## Use instead
    /// ```json
    /// {"productGmv": 19.99}
    /// ```
    /// ## Fix
    /// None: a number a `Decimal` cannot hold exactly has no exact value to write.
    NUMBER_RANGE = "number-range", Money, Error;
}

builtin! {
    /// ## What it does
    /// Reports a path that could not be read: missing, unreadable, not a regular file, or gone
    /// between listing and reading. The run goes on with the other files.
    /// ## Why is this bad?
    /// A file that is not checked may hold anything.
    /// ## Example
    /// `klar-lint exports/missing.json`
    /// ## Use instead
    /// Check the path and its permissions.
    /// ## Fix
    /// None: nothing was read.
    IO_ERROR = "io-error", Tool, Error;
}

builtin! {
    /// ## What it does
    /// Reports a bug in klar-lint itself while checking a file. The other files are still checked
    /// and the run exits with status 2.
    /// ## Why is this bad?
    /// The file was not fully checked.
    /// ## Example
    /// Any file that triggers the bug.
    /// ## Use instead
    /// Please report it with the file (or a redacted copy).
    /// ## Fix
    /// None: the bug is in klar-lint, not in the payload.
    INTERNAL_ERROR = "internal-error", Tool, Error;
}

builtin! {
    /// ## What it does
    /// Reports a payload sent under an API version that Klar documents only for other kinds,
    /// such as orders under `04.2024`. Klar documents `04.2024` for logistics costs only and
    /// `06.2024` for transaction costs only. One finding per file; the payload is still checked
    /// in full, with 12.2022's schema and rules, and the finding says so.
    /// ## Why is this bad?
    /// Klar's pages use `04.2024` only in the logistics-costs example and `06.2024` only in the
    /// transaction-costs example; whether `/04.2024/orders/json` exists at all is not documented
    /// (docs/klar-api.md §1, §16.18). Neither version adds anything to 12.2022's objects (bundles came with
    /// 07.2025), so klar-lint reads such a payload as 12.2022, the nearest documented reading,
    /// rather than refuse it or guess silently. It is a warning: the request may be refused, or
    /// the version may be a date in a folder name (`exports/04.2024/orders.json`) rather than
    /// the version the payload is sent to.
    /// ## Example
    /// `klar-lint --api-version 04.2024 orders.json`, or `exports/04.2024/orders/day1.json`:
    /// ```text
    /// warning[undocumented-endpoint]: API version 04.2024 is documented only for `logistics-costs`; these orders are checked as 12.2022
    /// ```
    /// ## Use instead
    /// Send orders to `/12.2022/orders/json` or `/07.2025/orders/json` and check them with that
    /// `--api-version`; keep `04.2024` for logistics costs and `06.2024` for transaction costs.
    /// If the folder name is a date, pass `--api-version` (or set `api-version` in
    /// `klar-lint.toml`) to say which version the files are sent to.
    /// ## Fix
    /// None: the version is a choice of where the file is sent, not its content.
    /// ## Options
    /// Turn it off (`[rules] undocumented-endpoint = "off"`) once Klar has confirmed the
    /// endpoint: the payload is then checked as 12.2022 without a word.
    /// ## References
    /// docs/klar-api.md §1 (known versions), §16.18.
    UNDOCUMENTED_ENDPOINT = "undocumented-endpoint", Compat, Warning,
        versions: &[ApiVersion::V04_2024, ApiVersion::V06_2024];
}

/// Every built-in code, alphabetical.
pub static BUILTINS: &[&RuleMeta] = &[
    &BATCH_SIZE,
    &BODY_SHAPE,
    &DUPLICATE_KEY,
    &EMPTY_BATCH,
    &INTERNAL_ERROR,
    &INVALID_JSON,
    &IO_ERROR,
    &NUMBER_RANGE,
    &SCHEMA,
    &UNDOCUMENTED_ENDPOINT,
    &UNKNOWN_FIELD,
    &UNKNOWN_KIND,
];

/// Codes whose severity the configuration may not change or turn off: the file was not checked.
#[must_use]
pub fn is_fixed(meta: &RuleMeta) -> bool {
    matches!(
        meta.name,
        "invalid-json" | "io-error" | "internal-error" | "unknown-kind"
    )
}
