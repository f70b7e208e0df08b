//! Payment statuses: Klar's default mapping of free-text `financialStatus` values and the
//! shop's own additions from `[status-mapping]` (docs/klar-api.md §13).

use serde::{Deserialize, Serialize};

/// Where Klar files an order by its mapped payment status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatusBucket {
    /// Paid: counts as net revenue.
    Paid,
    /// Not (fully) paid yet: pending, authorized, partially paid, open, on hold.
    Pending,
    /// Some units returned.
    PartiallyRefunded,
    /// Everything returned.
    Refunded,
    /// Cancelled or voided.
    Cancelled,
}

impl StatusBucket {
    /// The name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StatusBucket::Paid => "paid",
            StatusBucket::Pending => "pending",
            StatusBucket::PartiallyRefunded => "partially-refunded",
            StatusBucket::Refunded => "refunded",
            StatusBucket::Cancelled => "cancelled",
        }
    }
}

/// Statuses Klar maps without configuration (case-insensitive), from Klar's status articles and
/// its per-platform default mappings (Shopify, WooCommerce, Shopware).
const DEFAULTS: &[(&str, StatusBucket)] = &[
    ("authorized", StatusBucket::Pending),
    ("canceled", StatusBucket::Cancelled),
    ("cancelled", StatusBucket::Cancelled),
    ("completed", StatusBucket::Paid),
    ("expired", StatusBucket::Pending),
    ("failed", StatusBucket::Cancelled),
    ("in_progress", StatusBucket::Pending),
    ("on-hold", StatusBucket::Pending),
    ("open", StatusBucket::Pending),
    ("overdue", StatusBucket::Pending),
    ("paid", StatusBucket::Paid),
    ("paid_partially", StatusBucket::Pending),
    ("partially_paid", StatusBucket::Pending),
    ("partially_refunded", StatusBucket::PartiallyRefunded),
    ("pending", StatusBucket::Pending),
    ("processing", StatusBucket::Pending),
    ("refund_failed", StatusBucket::Paid),
    ("refunded", StatusBucket::Refunded),
    ("refunded_partially", StatusBucket::PartiallyRefunded),
    ("unconfirmed", StatusBucket::Pending),
    ("voided", StatusBucket::Cancelled),
];

/// The shop's own status strings, per Klar data-source customisation (`[status-mapping]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct StatusMapping {
    /// Strings Klar should read as paid.
    pub paid: Vec<String>,
    /// Strings Klar should read as cancelled.
    pub cancelled: Vec<String>,
    /// Strings Klar should read as refunded.
    pub refunded: Vec<String>,
    /// Strings Klar should read as partially refunded.
    pub partially_refunded: Vec<String>,
}

impl StatusMapping {
    /// The bucket a `financialStatus` falls in: the shop's mapping first, then Klar's defaults;
    /// `None` when neither maps it.
    #[must_use]
    pub fn bucket(&self, status: &str) -> Option<StatusBucket> {
        let status = status.trim();
        let custom = [
            (&self.paid, StatusBucket::Paid),
            (&self.cancelled, StatusBucket::Cancelled),
            (&self.refunded, StatusBucket::Refunded),
            (&self.partially_refunded, StatusBucket::PartiallyRefunded),
        ];
        for (values, bucket) in custom {
            if values.iter().any(|v| v.trim().eq_ignore_ascii_case(status)) {
                return Some(bucket);
            }
        }
        DEFAULTS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(status))
            .map(|&(_, bucket)| bucket)
    }

    /// The statuses Klar maps by default, for help texts.
    pub fn defaults() -> impl Iterator<Item = &'static str> {
        DEFAULTS.iter().map(|(name, _)| *name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_case_insensitive() {
        let m = StatusMapping::default();
        assert_eq!(m.bucket("PAID"), Some(StatusBucket::Paid));
        assert_eq!(
            m.bucket("Partially_Refunded"),
            Some(StatusBucket::PartiallyRefunded)
        );
        assert_eq!(m.bucket("bezahlt"), None);
    }

    #[test]
    fn custom_mapping_wins() {
        let m = StatusMapping {
            paid: vec!["bezahlt".into()],
            cancelled: vec!["pending".into()],
            ..StatusMapping::default()
        };
        assert_eq!(m.bucket("Bezahlt"), Some(StatusBucket::Paid));
        assert_eq!(m.bucket("pending"), Some(StatusBucket::Cancelled));
    }

    #[test]
    fn defaults_sorted_and_unique() {
        let names: Vec<_> = StatusMapping::defaults().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
