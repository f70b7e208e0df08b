use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a cost sent twice in one run for the same order line (COGS: the same `orderId`
    /// and `lineItemId` or `sku`; logistics and transaction costs: the same `orderId`) with a
    /// different amount.
    /// ## Why is this bad?
    /// The costs endpoints upsert: a cost for an order line Klar already has replaces the
    /// stored one (docs/klar-api.md §1). Two different amounts for one line in one export mean
    /// that only the one sent last counts, and it is rarely clear that this is the right one:
    /// usually two systems (or two exports) both send costs, or a per-unit and a per-line
    /// amount were mixed.
    ///
    /// This is a check across the files of one run (docs/cross-file.md), within one file as
    /// well as between files. "Later" is by file name, then by place in the file, the order in
    /// which the CLI sends them. The finding is at the later cost, with a label at the one it
    /// replaces. The same amount sent twice is not flagged: it changes nothing. It does not need
    /// the orders in the run.
    /// ## Example
    /// ```json
    /// { "items": [{ "orderId": "200012382", "lineItemId": "20001238202", "productCogs": 4.20 },
    ///             { "orderId": "200012382", "lineItemId": "20001238202", "productCogs": 8.40 }] }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "items": [{ "orderId": "200012382", "lineItemId": "20001238202", "productCogs": 4.20 }] }
    /// ```
    /// ## Fix
    /// None: which of the two costs is right is not in the files.
    /// ## References
    /// docs/klar-api.md §1 (upserts), §10 (cost items); docs/cross-file.md.
    pub ConflictingCost {
        name: "conflicting-cost", category: Integrity, severity: Warning,
        versions: [V12_2022, V07_2025], kinds: [Cogs, LogisticsCosts, TransactionCosts],
    }
}

// Checked across the files of a run (`run::cross`): no hook here.
impl Rule for ConflictingCost {}
