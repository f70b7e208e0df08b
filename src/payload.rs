//! API versions, payload kinds, and telling them from a path or from content; the envelope.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

/// A version prefix of the Klar data-import API.
///
/// Klar's pages name four versions (docs/klar-api.md §1). `12.2022` and `07.2025` are treated as covering
/// every endpoint, as the connectors and most pages use them. `04.2024` appears only on the
/// logistics-costs pages and `06.2024` only on the transaction-costs pages; neither has bundles
/// (those came with 07.2025), so their objects have 12.2022's shapes, and klar-lint checks them
/// with 12.2022's schemas and rules ([`ApiVersion::checked_as`]). Whether Klar serves other
/// endpoints under them (`/04.2024/orders/json`) is not documented (docs/klar-api.md §16.18): such a
/// payload is still checked as 12.2022, and the `undocumented-endpoint` finding says so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ApiVersion {
    /// `12.2022`, the legacy version: no `bundledProducts`.
    #[serde(rename = "12.2022")]
    V12_2022,
    /// `04.2024`, documented for logistics costs only; checked as 12.2022.
    #[serde(rename = "04.2024")]
    V04_2024,
    /// `06.2024`, documented for transaction costs only; checked as 12.2022.
    #[serde(rename = "06.2024")]
    V06_2024,
    /// `07.2025`, the current version: adds `lineItems[].bundledProducts`.
    #[serde(rename = "07.2025")]
    #[default]
    V07_2025,
}

impl ApiVersion {
    /// Every version klar-lint knows, oldest first.
    pub const ALL: [ApiVersion; 4] = [
        ApiVersion::V12_2022,
        ApiVersion::V04_2024,
        ApiVersion::V06_2024,
        ApiVersion::V07_2025,
    ];

    /// The version as it appears in the URL: `07.2025`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V12_2022 => "12.2022",
            ApiVersion::V04_2024 => "04.2024",
            ApiVersion::V06_2024 => "06.2024",
            ApiVersion::V07_2025 => "07.2025",
        }
    }

    /// The version whose schemas and rules check payloads of this one: itself for 12.2022 and
    /// 07.2025, which have schema files of their own; 12.2022 for 04.2024 and 06.2024, whose
    /// objects have 12.2022's shapes (no bundles).
    #[must_use]
    pub fn checked_as(self) -> ApiVersion {
        match self {
            ApiVersion::V12_2022 | ApiVersion::V04_2024 | ApiVersion::V06_2024 => {
                ApiVersion::V12_2022
            }
            ApiVersion::V07_2025 => ApiVersion::V07_2025,
        }
    }

    /// The payload kinds Klar's pages document under this version: every kind for 12.2022 and
    /// 07.2025, `logistics-costs` for 04.2024, `transaction-costs` for 06.2024.
    #[must_use]
    pub fn documented_kinds(self) -> &'static [PayloadKind] {
        match self {
            ApiVersion::V12_2022 | ApiVersion::V07_2025 => &PayloadKind::ALL,
            ApiVersion::V04_2024 => &[PayloadKind::LogisticsCosts],
            ApiVersion::V06_2024 => &[PayloadKind::TransactionCosts],
        }
    }

    /// Whether Klar's pages document the endpoint `/<self>/<kind>/json`.
    #[must_use]
    pub fn documents(self, kind: PayloadKind) -> bool {
        self.documented_kinds().contains(&kind)
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
                format!("unknown API version `{s}` (known: {})", known.join(", "))
            })
    }
}

/// What a payload holds, one per POST endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PayloadKind {
    /// `POST /<V>/orders/json`: a bare array of orders.
    Orders,
    /// `POST /<V>/refunds/json`: a bare array of refunds.
    Refunds,
    /// `POST /<V>/cogs/json`: `{"items": [...]}` of COGS items.
    Cogs,
    /// `POST /<V>/logistics-costs/json`: `{"items": [...]}`.
    LogisticsCosts,
    /// `POST /<V>/transaction-costs/json`: `{"items": [...]}`.
    TransactionCosts,
}

impl PayloadKind {
    /// Every kind, in endpoint order.
    pub const ALL: [PayloadKind; 5] = [
        PayloadKind::Orders,
        PayloadKind::Refunds,
        PayloadKind::Cogs,
        PayloadKind::LogisticsCosts,
        PayloadKind::TransactionCosts,
    ];

    /// The endpoint name: `logistics-costs`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadKind::Orders => "orders",
            PayloadKind::Refunds => "refunds",
            PayloadKind::Cogs => "cogs",
            PayloadKind::LogisticsCosts => "logistics-costs",
            PayloadKind::TransactionCosts => "transaction-costs",
        }
    }

    /// The schema `$defs` entry one top-level object is validated against.
    #[must_use]
    pub fn object_def(self) -> &'static str {
        match self {
            PayloadKind::Orders => "Order",
            PayloadKind::Refunds => "Refund",
            PayloadKind::Cogs => "Cogs",
            PayloadKind::LogisticsCosts => "LogisticsCosts",
            PayloadKind::TransactionCosts => "TransactionCosts",
        }
    }

    /// Whether the body is `{"items": [...]}` rather than a bare array.
    #[must_use]
    pub fn wrapped_in_items(self) -> bool {
        matches!(
            self,
            PayloadKind::Cogs | PayloadKind::LogisticsCosts | PayloadKind::TransactionCosts
        )
    }

    /// The money field of a cost item.
    #[must_use]
    pub fn cost_field(self) -> Option<&'static str> {
        match self {
            PayloadKind::Cogs => Some("productCogs"),
            PayloadKind::LogisticsCosts => Some("totalLogisticsCosts"),
            PayloadKind::TransactionCosts => Some("transactionCosts"),
            PayloadKind::Orders | PayloadKind::Refunds => None,
        }
    }
}

impl fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for PayloadKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PayloadKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown payload kind `{s}` (known: orders, refunds, cogs, logistics-costs, transaction-costs)"
                )
            })
    }
}

/// The kind named by a path: the file name first (`orders`, `refunds`, `cogs`, `logistics`,
/// `transaction` in it), then each folder from the nearest up.
#[must_use]
pub fn kind_from_path(path: &Path) -> Option<PayloadKind> {
    kind_from_path_part(path).map(|(kind, _)| kind)
}

/// The kind named by a path, and where: `None` for the file's own name, the folder's name
/// (`orders` for `orders/day1.json`) for a folder.
#[must_use]
pub fn kind_from_path_part(path: &Path) -> Option<(PayloadKind, Option<&str>)> {
    from_path_part(path, kind_from_name)
}

/// The version named by a path, and where: `None` for the file's own name, the folder's name
/// for a folder.
#[must_use]
pub fn version_from_path_part(path: &Path) -> Option<(ApiVersion, Option<&str>)> {
    from_path_part(path, |segment| {
        ApiVersion::ALL
            .into_iter()
            .find(|v| segment.contains(v.as_str()))
    })
}

/// The first segment, from the file name up, that `tell` reads something from.
fn from_path_part<T>(path: &Path, tell: impl Fn(&str) -> Option<T>) -> Option<(T, Option<&str>)> {
    let mut segments = path
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .rev()
        .filter_map(|c| c.as_os_str().to_str());
    let file = segments.next()?;
    if let Some(found) = tell(file) {
        return Some((found, None));
    }
    segments.find_map(|folder| tell(folder).map(|found| (found, Some(folder))))
}

fn kind_from_name(name: &str) -> Option<PayloadKind> {
    const WORDS: [(&str, PayloadKind); 5] = [
        ("transaction", PayloadKind::TransactionCosts),
        ("logistic", PayloadKind::LogisticsCosts),
        ("cogs", PayloadKind::Cogs),
        ("refund", PayloadKind::Refunds),
        ("order", PayloadKind::Orders),
    ];
    let name = name.to_ascii_lowercase();
    // The word that comes first names the kind: `orders-over-refund.json` holds orders.
    WORDS
        .iter()
        .filter_map(|(word, kind)| name.find(word).map(|at| (at, *kind)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, kind)| kind)
}

/// The version named by a path: a known version (`12.2022`, `04.2024`, `06.2024`, `07.2025`)
/// in any segment, the nearest segment first.
#[must_use]
pub fn version_from_path(path: &Path) -> Option<ApiVersion> {
    version_from_path_part(path).map(|(version, _)| version)
}

/// The kind told from one top-level object's fields, or `None`.
#[must_use]
pub fn sniff_object(object: &Value) -> Option<PayloadKind> {
    let object = object.as_object()?;
    if object.contains_key("productCogs") {
        return Some(PayloadKind::Cogs);
    }
    if object.contains_key("totalLogisticsCosts") && object.contains_key("orderId") {
        return Some(PayloadKind::LogisticsCosts);
    }
    if object.contains_key("transactionCosts") && object.contains_key("orderId") {
        return Some(PayloadKind::TransactionCosts);
    }
    let first_line = object
        .get("lineItems")
        .and_then(Value::as_array)
        .and_then(|lines| lines.first())
        .and_then(Value::as_object);
    if let Some(line) = first_line {
        if line.contains_key("refundedQuantity") || line.contains_key("refundQuantity") {
            return Some(PayloadKind::Refunds);
        }
        if line.contains_key("productGmv") || line.contains_key("quantity") {
            return Some(PayloadKind::Orders);
        }
    }
    if object.contains_key("currencyCodeIso3Letter") || object.contains_key("financialStatus") {
        return Some(PayloadKind::Orders);
    }
    None
}

/// The kind told from a whole document (the first object that says anything).
#[must_use]
pub fn sniff_document(document: &Value) -> Option<PayloadKind> {
    let objects: &[Value] = match document {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("items") {
            Some(Value::Array(items)) => items,
            _ => return sniff_object(document),
        },
        _ => return None,
    };
    objects.iter().take(16).find_map(sniff_object)
}

/// Whether content shows the 07.2025 version (`bundledProducts` on a line). Nothing in the
/// content tells 04.2024 or 06.2024 from 12.2022 (their objects have the same shapes): those
/// come only from `--api-version`, the config or the path.
#[must_use]
pub fn sniff_version(object: &Value) -> Option<ApiVersion> {
    let lines = object.get("lineItems")?.as_array()?;
    lines
        .iter()
        .any(|line| line.get("bundledProducts").is_some())
        .then_some(ApiVersion::V07_2025)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kind_from_file_name_then_folders() {
        assert_eq!(
            kind_from_path(Path::new("exports/07.2025/refunds/day1.json")),
            Some(PayloadKind::Refunds)
        );
        assert_eq!(
            kind_from_path(Path::new("refunds/transaction-costs.json")),
            Some(PayloadKind::TransactionCosts)
        );
        assert_eq!(kind_from_path(Path::new("x/day1.json")), None);
        assert_eq!(
            kind_from_path(Path::new("orders-over-refund.json")),
            Some(PayloadKind::Orders)
        );
    }

    #[test]
    fn version_from_segment() {
        assert_eq!(
            version_from_path(Path::new("exports/12.2022/orders.json")),
            Some(ApiVersion::V12_2022)
        );
        assert_eq!(version_from_path(Path::new("orders.json")), None);
        assert_eq!(
            version_from_path(Path::new("exports/04.2024/logistics-costs/x.json")),
            Some(ApiVersion::V04_2024)
        );
        assert_eq!(
            version_from_path(Path::new("exports/06.2024-transaction-costs.json")),
            Some(ApiVersion::V06_2024)
        );
    }

    #[test]
    fn every_version_parses_from_its_name_and_is_checked_as_one_with_schemas() {
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>(), Ok(version));
            let base = version.checked_as();
            assert_eq!(base.checked_as(), base, "{version}");
        }
        assert_eq!(
            "04.2024".parse::<ApiVersion>().map(ApiVersion::checked_as),
            Ok(ApiVersion::V12_2022)
        );
        assert_eq!(ApiVersion::V06_2024.checked_as(), ApiVersion::V12_2022);
        assert_eq!(ApiVersion::V07_2025.checked_as(), ApiVersion::V07_2025);
        let err = "05.2024".parse::<ApiVersion>().unwrap_err();
        assert!(err.contains("12.2022, 04.2024, 06.2024, 07.2025"), "{err}");
    }

    #[test]
    fn the_2024_versions_are_documented_for_one_kind_each() {
        assert_eq!(
            ApiVersion::V04_2024.documented_kinds(),
            &[PayloadKind::LogisticsCosts]
        );
        assert_eq!(
            ApiVersion::V06_2024.documented_kinds(),
            &[PayloadKind::TransactionCosts]
        );
        assert!(!ApiVersion::V04_2024.documents(PayloadKind::Orders));
        for kind in PayloadKind::ALL {
            assert!(ApiVersion::V12_2022.documents(kind));
            assert!(ApiVersion::V07_2025.documents(kind));
        }
    }

    #[test]
    fn sniffs_each_kind() {
        assert_eq!(
            sniff_document(&json!({"items": [{"orderId": "1", "productCogs": 1}]})),
            Some(PayloadKind::Cogs)
        );
        assert_eq!(
            sniff_document(&json!({"items": [{"orderId": "1", "transactionCosts": 1}]})),
            Some(PayloadKind::TransactionCosts)
        );
        assert_eq!(
            sniff_document(
                &json!([{"id": "1", "lineItems": [{"lineItemId": "a", "refundedQuantity": 1}]}])
            ),
            Some(PayloadKind::Refunds)
        );
        assert_eq!(
            sniff_document(&json!([{"id": "1", "lineItems": [{"productGmv": 1}]}])),
            Some(PayloadKind::Orders)
        );
        assert_eq!(sniff_document(&json!([{"foo": 1}])), None);
    }
}
