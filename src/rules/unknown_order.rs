use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a COGS, logistics-costs or transaction-costs item whose `orderId`, or a refunded
    /// line whose `lineItemId`, names no order among the orders of the run.
    /// ## Why is this bad?
    /// Costs and refunds attach to an order by its `id` (docs/klar-api.md §10: `orderId` "must
    /// equal the `id` of the Order"). When the system that exports the costs (an ERP, a payment
    /// provider) and the one that exports the orders disagree on an id, Klar accepts both
    /// payloads and the cost silently never attaches: margins in the dashboards are wrong and
    /// nothing says why. Klar's own validation checks each request alone and cannot see this.
    ///
    /// This is a check across the files of one run (docs/cross-file.md): it runs only when the
    /// run holds orders (linted with the costs, or named with `--orders`), and the message says
    /// how many orders the run held. A run without orders gives no finding.
    ///
    /// The finding is **info** by default: the order may have been sent in an earlier run, and
    /// then the reference is fine. If you lint complete exports (orders and their costs
    /// together), make it an error: `[rules] unknown-order = "error"`.
    ///
    /// A refund (refunds endpoint) has no `orderId` (docs/klar-api.md §9.2, §16): it is tied to
    /// its order through the `lineItemId` of each refunded line, which must be the `id` of a
    /// line of the order (§9.1). A refunded line whose `lineItemId` names no line of any order
    /// of the run is flagged here.
    /// ## Example
    /// Orders `orders.json` hold order `"200012382"`; the COGS export names the order by its
    /// shop number instead:
    /// ```json
    /// { "items": [{ "orderId": "#1001", "lineItemId": "20001238202", "productCogs": 4.20 }] }
    /// ```
    /// ## Use instead
    /// ```json
    /// { "items": [{ "orderId": "200012382", "lineItemId": "20001238202", "productCogs": 4.20 }] }
    /// ```
    /// ## Fix
    /// None: the order may be sent in another run; nothing in this file is wrong by itself.
    /// ## References
    /// docs/klar-api.md §9.1, §9.2 (refunds), §10 (`orderId`), §16 item 8; docs/cross-file.md.
    pub UnknownOrder {
        name: "unknown-order", category: Integrity, severity: Info,
        versions: [V12_2022, V07_2025], kinds: [Cogs, LogisticsCosts, TransactionCosts, Refunds],
    }
}

// Checked across the files of a run, once all orders are known (`run::cross`): no hook here.
impl Rule for UnknownOrder {}
