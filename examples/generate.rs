//! Writes realistic, valid Klar orders (API 07.2025) for benchmarks and tests.
//!
//! ```text
//! cargo run --release --example generate -- --orders 1000 --files 100 --seed 7 --out DIR
//! cargo run --release --example generate -- --orders 200000 --ndjson --out DIR
//! ```
//!
//! Each of the `--files` files holds `--orders` orders (default 1,000 and 1), written to
//! `DIR/07.2025/orders/orders-00000.json` (a JSON array, one order per line) or, with
//! `--ndjson`, `orders-00000.jsonl` (one order per line), so klar-lint tells kind and version
//! from the path. Ids are unique across all files. The same seed gives the same bytes.
//!
//! The orders are what a careful exporter sends: one to four lines, several markets (EUR at
//! four rates, GBP, CHF, SEK, PLN, DKK and JPY, each with its own minor unit), vouchers spread
//! per unit, sales, free gifts, a few fractional quantities, shipping with its own tax and
//! free-shipping vouchers, refunds with matching payment statuses, cancelled orders, and about
//! one order in ten with a bundle whose constituents carry the money (docs/klar-api.md §12). Every amount
//! follows docs/klar-api.md §11: per-unit tax = round((productGmv − Σ per-unit discounts) × r / (1 + r)),
//! line totals = quantity × the per-unit values, shipping after = before − taxes − discounts.
//!
//! The random numbers come from SplitMix64, seeded per order from `--seed` and the order's
//! index: a dozen lines here rather than a dependency, and any range of orders can be made
//! without making the ones before it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and good enough for test data.
pub struct Rng(u64);

impl Rng {
    /// A generator for one order: the seed and the order's global index mixed.
    pub fn for_order(seed: u64, index: u64) -> Self {
        let mut rng = Rng(seed ^ 0x6A09_E667_F3BC_C908);
        let mixed = rng.next_u64() ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Rng(mixed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let len = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let i = usize::try_from(self.below(len)).unwrap_or(0);
        &items[i]
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick_ref(items)
    }

    /// Picks by weight: `(weight, item)`.
    pub fn weighted<T: Copy>(&mut self, items: &[(u64, T)]) -> T {
        *self.weighted_ref(items)
    }

    pub fn weighted_ref<'a, T>(&mut self, items: &'a [(u64, T)]) -> &'a T {
        let total: u64 = items.iter().map(|(w, _)| w).sum();
        let mut at = self.below(total);
        for (w, item) in items {
            if at < *w {
                return item;
            }
            at -= w;
        }
        &items[items.len() - 1].1
    }

    fn hex(&mut self, digits: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(digits);
        while out.len() < digits {
            let _ = write!(out, "{:016x}", self.next_u64());
        }
        out.truncate(digits);
        out
    }
}

/// One country the shop sells to: its currency, VAT rates and delivery details.
struct Market {
    alpha2: &'static str,
    alpha3: &'static str,
    currency: &'static str,
    /// ISO 4217 minor-unit exponent of the currency.
    exponent: u32,
    /// Prices are catalogue prices (in EUR) times this, made "nice" in the local currency.
    fx: &'static str,
    standard: (&'static str, &'static str),
    reduced: (&'static str, &'static str),
    tax_word: &'static str,
    store: &'static str,
    cities: &'static [(&'static str, &'static str)],
    carriers: &'static [&'static str],
    payments: &'static [(&'static str, &'static str)],
    tld: &'static str,
}

const CARDS: (&str, &str) = ("stripe", "Credit Card");
const PAYPAL: (&str, &str) = ("paypal", "PayPal");
const KLARNA: (&str, &str) = ("klarna", "Klarna Pay Later");

static MARKETS: [(u64, Market); 11] = [
    (
        34,
        Market {
            alpha2: "DE",
            alpha3: "DEU",
            currency: "EUR",
            exponent: 2,
            fx: "1",
            standard: ("0.19", "19%"),
            reduced: ("0.07", "7%"),
            tax_word: "VAT",
            store: "Northpeak DE",
            cities: &[
                ("Berlin", "Berlin"),
                ("Hamburg", "Hamburg"),
                ("München", "Bayern"),
                ("Köln", "Nordrhein-Westfalen"),
                ("Leipzig", "Sachsen"),
            ],
            carriers: &["DHL Paket", "Hermes", "DPD"],
            payments: &[PAYPAL, CARDS, KLARNA, ("stripe", "Apple Pay")],
            tld: "de",
        },
    ),
    (
        8,
        Market {
            alpha2: "AT",
            alpha3: "AUT",
            currency: "EUR",
            exponent: 2,
            fx: "1",
            standard: ("0.20", "20%"),
            reduced: ("0.10", "10%"),
            tax_word: "USt",
            store: "Northpeak AT",
            cities: &[
                ("Wien", "Wien"),
                ("Graz", "Steiermark"),
                ("Linz", "Oberösterreich"),
            ],
            carriers: &["Österreichische Post", "DPD"],
            payments: &[PAYPAL, KLARNA, CARDS],
            tld: "at",
        },
    ),
    (
        8,
        Market {
            alpha2: "FR",
            alpha3: "FRA",
            currency: "EUR",
            exponent: 2,
            fx: "1",
            standard: ("0.20", "20%"),
            reduced: ("0.055", "5,5%"),
            tax_word: "TVA",
            store: "Northpeak FR",
            cities: &[("Paris", "Île-de-France"), ("Lyon", "Auvergne-Rhône-Alpes")],
            carriers: &["Colissimo", "Chronopost"],
            payments: &[CARDS, PAYPAL],
            tld: "fr",
        },
    ),
    (
        7,
        Market {
            alpha2: "NL",
            alpha3: "NLD",
            currency: "EUR",
            exponent: 2,
            fx: "1",
            standard: ("0.21", "21%"),
            reduced: ("0.09", "9%"),
            tax_word: "BTW",
            store: "Northpeak NL",
            cities: &[("Amsterdam", "Noord-Holland"), ("Utrecht", "Utrecht")],
            carriers: &["PostNL", "DHL"],
            payments: &[("adyen", "iDEAL"), CARDS, PAYPAL],
            tld: "nl",
        },
    ),
    (
        5,
        Market {
            alpha2: "IT",
            alpha3: "ITA",
            currency: "EUR",
            exponent: 2,
            fx: "1",
            standard: ("0.22", "22%"),
            reduced: ("0.10", "10%"),
            tax_word: "IVA",
            store: "Northpeak IT",
            cities: &[("Milano", "Lombardia"), ("Roma", "Lazio")],
            carriers: &["BRT", "Poste Italiane"],
            payments: &[CARDS, PAYPAL],
            tld: "it",
        },
    ),
    (
        12,
        Market {
            alpha2: "GB",
            alpha3: "GBR",
            currency: "GBP",
            exponent: 2,
            fx: "0.85",
            standard: ("0.20", "20%"),
            reduced: ("0.05", "5%"),
            tax_word: "VAT",
            store: "Tidewear UK",
            cities: &[
                ("London", "Greater London"),
                ("Manchester", "Greater Manchester"),
            ],
            carriers: &["Royal Mail", "Evri"],
            payments: &[CARDS, PAYPAL, ("stripe", "Apple Pay")],
            tld: "co.uk",
        },
    ),
    (
        6,
        Market {
            alpha2: "CH",
            alpha3: "CHE",
            currency: "CHF",
            exponent: 2,
            fx: "0.95",
            standard: ("0.081", "8.1%"),
            reduced: ("0.026", "2.6%"),
            tax_word: "MWST",
            store: "Alpfit CH",
            cities: &[("Zürich", "ZH"), ("Bern", "BE"), ("Basel", "BS")],
            carriers: &["Swiss Post"],
            payments: &[("datatrans", "TWINT"), CARDS],
            tld: "ch",
        },
    ),
    (
        4,
        Market {
            alpha2: "SE",
            alpha3: "SWE",
            currency: "SEK",
            exponent: 2,
            fx: "11",
            standard: ("0.25", "25%"),
            reduced: ("0.12", "12%"),
            tax_word: "Moms",
            store: "Northpeak SE",
            cities: &[("Stockholm", "Stockholm"), ("Göteborg", "Västra Götaland")],
            carriers: &["PostNord"],
            payments: &[KLARNA, CARDS],
            tld: "se",
        },
    ),
    (
        5,
        Market {
            alpha2: "PL",
            alpha3: "POL",
            currency: "PLN",
            exponent: 2,
            fx: "4.3",
            standard: ("0.23", "23%"),
            reduced: ("0.08", "8%"),
            tax_word: "VAT",
            store: "Northpeak PL",
            cities: &[("Warszawa", "Mazowieckie"), ("Kraków", "Małopolskie")],
            carriers: &["InPost", "DPD"],
            payments: &[("przelewy24", "BLIK"), CARDS],
            tld: "pl",
        },
    ),
    (
        3,
        Market {
            alpha2: "DK",
            alpha3: "DNK",
            currency: "DKK",
            exponent: 2,
            fx: "7.5",
            standard: ("0.25", "25%"),
            reduced: ("0.25", "25%"),
            tax_word: "Moms",
            store: "Northpeak DK",
            cities: &[("København", "Hovedstaden"), ("Aarhus", "Midtjylland")],
            carriers: &["GLS", "PostNord"],
            payments: &[CARDS, ("nets", "MobilePay")],
            tld: "dk",
        },
    ),
    (
        8,
        Market {
            alpha2: "JP",
            alpha3: "JPN",
            currency: "JPY",
            exponent: 0,
            fx: "160",
            standard: ("0.10", "10%"),
            reduced: ("0.08", "8%"),
            tax_word: "JCT",
            store: "Uji Garden JP",
            cities: &[("Tokyo", "Tokyo"), ("Osaka", "Osaka"), ("Kyoto", "Kyoto")],
            carriers: &["Yamato Transport", "Sagawa"],
            payments: &[CARDS, ("stripe", "Konbini")],
            tld: "jp",
        },
    ),
];

/// A catalogue entry: name, brand, collection, price in EUR, reduced VAT rate, weight in grams.
struct Product {
    name: &'static str,
    brand: &'static str,
    collection: &'static str,
    price: &'static str,
    reduced: bool,
    grams: u64,
    variants: &'static [&'static str],
}

macro_rules! product {
    ($name:literal, $brand:literal, $collection:literal, $price:literal, $reduced:literal, $grams:literal, [$($v:literal),*]) => {
        Product { name: $name, brand: $brand, collection: $collection, price: $price, reduced: $reduced, grams: $grams, variants: &[$($v),*] }
    };
}

static CATALOGUE: [Product; 24] = [
    product!(
        "Trail Runner GTX",
        "Northpeak",
        "Shoes > Trail",
        "129.95",
        false,
        780,
        ["42 / Black", "43 / Black", "44 / Blue"]
    ),
    product!(
        "Road Racer 3",
        "Northpeak",
        "Shoes > Road",
        "109.00",
        false,
        640,
        ["41", "42", "43", "44"]
    ),
    product!(
        "Rain Shell Jacket",
        "Northpeak",
        "Apparel > Jackets",
        "59.90",
        false,
        390,
        ["S / Red", "M / Red", "L / Grey"]
    ),
    product!(
        "Harbour Hoodie",
        "Tidewear",
        "Apparel > Hoodies",
        "45.00",
        false,
        540,
        ["M / Navy", "L / Navy", "XL / Sand"]
    ),
    product!(
        "Merino Crew Socks",
        "Northpeak",
        "Apparel > Socks",
        "14.95",
        false,
        80,
        ["39-42", "43-46"]
    ),
    product!(
        "Harbour Cap",
        "Tidewear",
        "Apparel > Caps",
        "18.00",
        false,
        95,
        []
    ),
    product!(
        "Hydration Vest 5L",
        "Northpeak",
        "Accessories > Hydration",
        "69.90",
        false,
        310,
        ["S", "M", "L"]
    ),
    product!(
        "Soft Flask 500ml",
        "Northpeak",
        "Accessories > Hydration",
        "14.95",
        false,
        45,
        []
    ),
    product!(
        "Headlamp 400",
        "Lumen",
        "Accessories > Lights",
        "39.99",
        false,
        120,
        []
    ),
    product!(
        "Trekking Poles Carbon",
        "Northpeak",
        "Accessories > Poles",
        "89.00",
        false,
        460,
        []
    ),
    product!(
        "Shaker 700ml",
        "Alpfit",
        "Accessories",
        "12.90",
        false,
        130,
        ["Black", "Clear"]
    ),
    product!(
        "Yoga Mat Pro",
        "Alpfit",
        "Fitness > Mats",
        "49.95",
        false,
        1800,
        ["Purple", "Black"]
    ),
    product!(
        "Resistance Band Set",
        "Alpfit",
        "Fitness > Bands",
        "24.99",
        false,
        300,
        []
    ),
    product!(
        "Running Guide (paperback)",
        "Trailbooks",
        "Books",
        "19.99",
        true,
        420,
        []
    ),
    product!(
        "Whey Protein Vanilla 1kg",
        "Alpfit",
        "Nutrition > Protein",
        "49.90",
        true,
        1080,
        []
    ),
    product!(
        "Electrolyte Tabs (20)",
        "Saltline",
        "Nutrition",
        "7.99",
        true,
        90,
        ["Lemon", "Berry"]
    ),
    product!(
        "Energy Gel (6 pack)",
        "Saltline",
        "Nutrition",
        "11.49",
        true,
        240,
        ["Espresso", "Citrus"]
    ),
    product!(
        "Oat Bar Box (12)",
        "Saltline",
        "Nutrition > Bars",
        "17.40",
        true,
        720,
        []
    ),
    product!(
        "Cadbury Dairy Milk 110g",
        "Cadbury",
        "Food > Sweets",
        "3.50",
        true,
        120,
        []
    ),
    product!(
        "Ritter Sport Marzipan 100g",
        "Ritter Sport",
        "Food > Sweets",
        "1.99",
        true,
        105,
        []
    ),
    product!(
        "Ceremonial Matcha Set",
        "Uji Garden",
        "Tea > Matcha",
        "20.60",
        true,
        450,
        []
    ),
    product!(
        "Sencha Loose Leaf 100g",
        "Uji Garden",
        "Tea > Green tea",
        "6.75",
        true,
        110,
        []
    ),
    product!(
        "Trail Mix (loose, per kg)",
        "Saltline",
        "Food > Bulk",
        "16.80",
        true,
        1000,
        []
    ),
    product!(
        "Recovery Roller",
        "Alpfit",
        "Fitness > Recovery",
        "29.95",
        false,
        520,
        []
    ),
];

/// Products sold by weight: their quantity may be fractional.
const BY_WEIGHT: &str = "Trail Mix (loose, per kg)";

static VOUCHERS: [(&str, &str, &str); 5] = [
    ("WELCOME10", "10% off your first order", "New Customers"),
    ("SPRING-15", "Spring campaign - 15% off", "CRM"),
    ("RUNCLUB20", "Run club members - 20% off", "Influencer"),
    ("NEWSLETTER5", "5 off for newsletter subscribers", "CRM"),
    ("THANKYOU10", "10 off your next order", "CRM"),
];

static FIRST_NAMES: [&str; 12] = [
    "anna", "ben", "clara", "david", "emma", "felix", "grace", "haruto", "ines", "jonas", "katja",
    "liam",
];
static LAST_NAMES: [&str; 10] = [
    "huber", "bennett", "keller", "sato", "gruber", "rossi", "dubois", "nowak", "jensen", "berg",
];

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

/// Rounds half away from zero to the currency's minor unit (klar-lint's `money::round_to_minor`).
pub fn round(d: Decimal, exponent: u32) -> Decimal {
    d.round_dp_with_strategy(exponent, RoundingStrategy::MidpointAwayFromZero)
}

/// A JSON value that keeps its keys in the order written, as exporters do (serde_json's `Map`
/// sorts them unless its `preserve_order` feature is on, which klar-lint does not need).
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Bool(bool),
    Int(u64),
    /// An amount, written with exactly its decimal text.
    Num(Decimal),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl From<bool> for J {
    fn from(b: bool) -> Self {
        J::Bool(b)
    }
}
impl From<u64> for J {
    fn from(n: u64) -> Self {
        J::Int(n)
    }
}
impl From<&str> for J {
    fn from(s: &str) -> Self {
        J::Str(s.to_owned())
    }
}
impl From<&String> for J {
    fn from(s: &String) -> Self {
        J::Str(s.clone())
    }
}
impl From<String> for J {
    fn from(s: String) -> Self {
        J::Str(s)
    }
}
impl From<Decimal> for J {
    fn from(d: Decimal) -> Self {
        J::Num(d)
    }
}
impl From<Vec<J>> for J {
    fn from(items: Vec<J>) -> Self {
        J::Arr(items)
    }
}

impl J {
    /// Appends the compact JSON text.
    pub fn write(&self, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Int(n) => {
                let _ = write!(out, "{n}");
            }
            J::Num(d) => {
                let _ = write!(out, "{}", d.normalize());
            }
            J::Str(s) => string(out, s),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            J::Obj(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    string(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The compact JSON text.
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(2048);
        self.write(&mut out);
        out
    }
}

/// A JSON string literal (non-ASCII kept as UTF-8, as exporters write it).
fn string(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `obj! { "key" => value, ... }`: an object with its keys in this order.
macro_rules! obj {
    ($($k:literal => $v:expr),* $(,)?) => { J::Obj(vec![$(($k, J::from($v))),*]) };
}

/// `arr![a, b]`: an array.
macro_rules! arr {
    ($($v:expr),* $(,)?) => { J::Arr(vec![$(J::from($v)),*]) };
}

/// A catalogue price in a market's currency, made to look like a shop price (`x.95`, `x.99`,
/// `x.90`, `x.00`; whole tens of yen).
fn local_price(rng: &mut Rng, market: &Market, eur: Decimal) -> Decimal {
    let raw = eur * dec(market.fx);
    if market.exponent == 0 {
        return (raw / Decimal::TEN).round() * Decimal::TEN;
    }
    if market.fx == "1" {
        return eur;
    }
    let whole = raw.floor();
    let cents = rng.pick(&["0.95", "0.99", "0.90", "0.00"]);
    whole + dec(cents)
}

/// One per-unit discount on a line.
struct Disc {
    title: String,
    descriptor: Option<String>,
    voucher: Option<(&'static str, &'static str)>,
    amount: Decimal,
}

impl Disc {
    fn json(&self) -> J {
        let mut m = Vec::new();
        m.push(("title", J::from(&self.title)));
        if let Some(d) = &self.descriptor {
            m.push(("descriptor", J::from(d)));
        }
        match self.voucher {
            Some((code, kind)) => {
                m.push(("isVoucher", J::from(true)));
                m.push(("voucherCode", J::from(code)));
                m.push(("voucherType", J::from(kind)));
            }
            None => {
                m.push(("isVoucher", J::from(false)));
            }
        }
        m.push(("discountAmount", J::Num(self.amount)));
        J::Obj(m)
    }
}

/// A line's totals, for bundle parents and refunds.
#[derive(Clone, Copy)]
struct Totals {
    before: Decimal,
    after: Decimal,
}

/// What the order-wide voucher does to each unit: a percentage, or a fixed amount spread over
/// all units.
enum Voucher {
    None,
    Percent(usize, Decimal),
    Fixed(usize, Decimal),
}

struct Ctx<'m> {
    market: &'m Market,
    voucher: Voucher,
    /// Units the fixed voucher is spread over.
    units: Decimal,
}

/// A plain line or a bundle constituent, with its money worked out per docs/klar-api.md §11.
#[allow(clippy::too_many_arguments)]
fn money_line(
    rng: &mut Rng,
    cx: &Ctx<'_>,
    id: &str,
    product: &Product,
    gmv: Decimal,
    quantity: Decimal,
    extra: Option<Disc>,
    tags: Option<J>,
) -> (J, Totals) {
    let e = cx.market.exponent;
    let mut discounts: Vec<Disc> = Vec::new();
    if gmv > Decimal::ZERO {
        match &cx.voucher {
            Voucher::None => {}
            Voucher::Percent(i, pct) => {
                let (code, descriptor, kind) = VOUCHERS[*i];
                discounts.push(Disc {
                    title: code.into(),
                    descriptor: Some(descriptor.into()),
                    voucher: Some((code, kind)),
                    amount: round(gmv * pct, e),
                });
            }
            Voucher::Fixed(i, amount) => {
                let (code, descriptor, kind) = VOUCHERS[*i];
                // Spread per unit, as exporters do (docs/klar-api.md §11.2: 5.00 over 8 units is 0.63).
                let per_unit = round(amount / cx.units, e).min(round(gmv / Decimal::TWO, e));
                discounts.push(Disc {
                    title: code.into(),
                    descriptor: Some(descriptor.into()),
                    voucher: Some((code, kind)),
                    amount: per_unit,
                });
            }
        }
        if let Some(d) = extra {
            discounts.push(d);
        }
    }
    let discount: Decimal = discounts.iter().map(|d| d.amount).sum();
    let (rate, label) = if product.reduced {
        cx.market.reduced
    } else {
        cx.market.standard
    };
    let r = dec(rate);
    // Tax is contained in the discounted gross price (docs/klar-api.md §5b, §11.1).
    let tax = round((gmv - discount) * r / (Decimal::ONE + r), e);
    let before = round(quantity * gmv, e);
    let after = round(quantity * (gmv - tax - discount), e);
    let variant = (!product.variants.is_empty()).then(|| rng.pick(product.variants));
    let code: String = product
        .name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(2).collect::<String>().to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("-");
    let sku = match variant {
        Some(v) => format!("{code}-{}", v.replace([' ', '/'], "").to_ascii_uppercase()),
        None => code.clone(),
    };
    let mut m = Vec::new();
    m.push(("id", J::from(id)));
    m.push(("productName", J::from(product.name)));
    m.push(("productId", J::from(format!("P-{code}"))));
    if let Some(v) = variant {
        m.push((
            "productVariantName",
            J::from(format!("{} - {v}", product.name)),
        ));
        m.push(("productVariantId", J::from(&sku)));
    }
    m.push(("productBrand", J::from(product.brand)));
    m.push(("productCollection", J::from(product.collection)));
    if gmv > Decimal::ZERO {
        m.push((
            "productCogs",
            J::Num(round(
                gmv * dec("0.38") / dec(cx.market.fx).max(Decimal::ONE),
                e,
            )),
        ));
    }
    m.push(("productGmv", J::Num(gmv)));
    m.push(("productShippingWeightInGrams", J::from(product.grams)));
    m.push(("sku", J::from(&sku)));
    m.push(("quantity", J::Num(quantity)));
    if let Some(tags) = tags {
        m.push(("productTags", tags));
    }
    m.push((
        "discounts",
        J::Arr(discounts.iter().map(Disc::json).collect()),
    ));
    m.push((
        "taxes",
        arr![obj! {
            "title" => format!("{} {label}", cx.market.tax_word),
            "taxRate" => J::Num(r),
            "taxAmount" => J::Num(tax),
        }],
    ));
    m.push(("totalAmountBeforeTaxesAndDiscounts", J::Num(before)));
    m.push(("totalAmountAfterTaxesAndDiscounts", J::Num(after)));
    (J::Obj(m), Totals { before, after })
}

/// Per line, what a refund may take back.
struct Refundable {
    id: String,
    quantity: u64,
}

/// Builds the order with global index `index`.
pub fn order(seed: u64, index: u64) -> J {
    let rng = &mut Rng::for_order(seed, index);
    let market = rng.weighted_ref(&MARKETS);
    let e = market.exponent;
    let id = (200_000_000 + index).to_string();
    let number = format!("{}-{}", market.alpha2, 10_000 + index);

    // What is bought.
    let lines_wanted = rng.weighted(&[(50, 1), (28, 2), (14, 3), (8, 4)]);
    let has_bundle = rng.chance(10);
    let plain_lines = if has_bundle {
        lines_wanted - 1
    } else {
        lines_wanted
    };
    let mut picks: Vec<(&Product, Decimal)> = Vec::new();
    for _ in 0..plain_lines {
        let product = rng.pick_ref(&CATALOGUE);
        if picks.iter().any(|(p, _)| p.name == product.name) {
            continue;
        }
        let quantity = if product.name == BY_WEIGHT {
            dec(rng.pick(&["0.25", "0.5", "0.75", "1.5", "2"]))
        } else {
            Decimal::from(rng.weighted(&[(62, 1u64), (24, 2), (8, 3), (4, 4), (2, 6)]))
        };
        picks.push((product, quantity));
    }
    let units: Decimal = picks
        .iter()
        .map(|(_, q)| *q)
        .sum::<Decimal>()
        .max(Decimal::ONE);
    let voucher = match rng.below(100) {
        0..=11 => Voucher::Percent(
            usize::try_from(rng.below(3)).unwrap_or(0),
            dec(rng.pick(&["0.10", "0.15", "0.20"])),
        ),
        12..=17 => Voucher::Fixed(
            3 + usize::try_from(rng.below(2)).unwrap_or(0),
            round(dec(rng.pick(&["5", "10"])) * dec(market.fx), e),
        ),
        _ => Voucher::None,
    };
    let cx = Ctx {
        market,
        voucher,
        units,
    };

    let mut lines = Vec::new();
    let mut refundable = Vec::new();
    let mut gross = Decimal::ZERO;
    let mut next_line = 1;
    let line_id = |n: &mut u64| {
        let s = format!("{id}{:02}", *n);
        *n += 1;
        s
    };
    for (product, quantity) in &picks {
        let gmv = local_price(rng, market, dec(product.price));
        let sale = rng.chance(10).then(|| {
            let pct = dec(rng.pick(&["0.10", "0.20", "0.30"]));
            Disc {
                title: "Summer Sale".into(),
                descriptor: Some(format!(
                    "{}% off selected items",
                    pct * Decimal::ONE_HUNDRED
                )),
                voucher: None,
                amount: round(gmv * pct, e),
            }
        });
        let tags = rng.chance(40).then(|| {
            arr![product
                .collection
                .split(' ')
                .next()
                .unwrap_or("misc")
                .to_lowercase()]
        });
        let lid = line_id(&mut next_line);
        let (line, totals) = money_line(rng, &cx, &lid, product, gmv, *quantity, sale, tags);
        gross += totals.before;
        if quantity.fract().is_zero() {
            refundable.push(Refundable {
                id: lid,
                quantity: u64::try_from(*quantity).unwrap_or(0),
            });
        }
        lines.push(line);
    }
    if has_bundle {
        let parent_id = line_id(&mut next_line);
        let bundle_quantity = rng.weighted(&[(85, 1u64), (15, 2)]);
        let parts = 2 + usize::try_from(rng.below(2)).unwrap_or(0);
        let mut parent_gmv = Decimal::ZERO;
        let mut before = Decimal::ZERO;
        let mut after = Decimal::ZERO;
        let mut constituents = Vec::new();
        let mut used: Vec<&str> = Vec::new();
        while constituents.len() < parts {
            let product = rng.pick_ref(&CATALOGUE);
            if used.contains(&product.name) || product.name == BY_WEIGHT {
                continue;
            }
            used.push(product.name);
            let per_bundle = rng.weighted(&[(75, 1u64), (25, 2)]);
            let gmv = local_price(rng, market, dec(product.price));
            // Constituent quantities are units in the whole order (docs/klar-api.md §12).
            let quantity = Decimal::from(per_bundle * bundle_quantity);
            let bundle_discount = rng.chance(50).then(|| Disc {
                title: "Bundle Discount".into(),
                descriptor: None,
                voucher: None,
                amount: round(gmv * dec("0.10"), e),
            });
            let cid = line_id(&mut next_line);
            let (line, totals) = money_line(
                rng,
                &cx,
                &cid,
                product,
                gmv,
                quantity,
                bundle_discount,
                None,
            );
            parent_gmv += Decimal::from(per_bundle) * gmv;
            before += totals.before;
            after += totals.after;
            constituents.push(line);
        }
        gross += before;
        let kit = rng.pick(&["Starter Kit", "Trail Bundle", "Race Day Set", "Gift Box"]);
        lines.push(obj! {
            "id" => parent_id,
            "productName" => format!("{} {kit}", market.store.split(' ').next().unwrap_or("Shop")),
            "productId" => format!("P-KIT-{}", 100 + rng.below(40)),
            "productCollection" => "Bundles",
            "productGmv" => J::Num(parent_gmv),
            "sku" => format!("KIT-{:03}", rng.below(1000)),
            "quantity" => bundle_quantity,
            "productTags" => arr!["bundle"],
            "discounts" => arr![],
            "taxes" => arr![],
            "totalAmountBeforeTaxesAndDiscounts" => J::Num(before),
            "totalAmountAfterTaxesAndDiscounts" => J::Num(after),
            "bundledProducts" => constituents,
        });
    }
    if rng.chance(2) {
        // A free gift: no price, no tax, still a line.
        let product = &CATALOGUE[4];
        let lid = line_id(&mut next_line);
        let none = Ctx {
            market,
            voucher: Voucher::None,
            units: Decimal::ONE,
        };
        let (line, _) = money_line(
            rng,
            &none,
            &lid,
            product,
            Decimal::ZERO,
            Decimal::ONE,
            None,
            Some(arr!["free_item"]),
        );
        lines.push(line);
    }

    // When.
    let created = 1_735_689_600 + index * 97 % 31_000_000 + rng.below(3_600);
    let mut updated = created + rng.range(60, 86_400 * 3);

    // Payment and shipment.
    let roll = rng.below(100);
    let (mut status, shipment, cancelled) = match roll {
        0..=2 => ("voided", "not_shipped", true),
        3..=6 => ("pending", "not_shipped", false),
        7..=10 => ("authorized", "not_shipped", false),
        11 => ("partially_paid", "not_shipped", false),
        12..=15 => ("paid", "partially_shipped", false),
        _ => ("paid", "shipped", false),
    };
    let mut processed = None;
    let mut closed = None;
    let mut cancelled_at = None;
    if cancelled {
        let at = created + rng.range(600, 86_400);
        cancelled_at = Some(at);
        updated = updated.max(at);
    }
    if shipment != "not_shipped" {
        let at = created + rng.range(3_600, 86_400 * 2);
        processed = Some(at);
        updated = updated.max(at);
        if rng.chance(30) {
            let at = at + rng.range(86_400 * 14, 86_400 * 30);
            closed = Some(at);
            updated = updated.max(at);
        }
    }

    // Returns: only on shipped, paid orders, only of whole units of plain lines.
    let mut refunds = Vec::new();
    if shipment == "shipped" && rng.chance(9) && !refundable.is_empty() {
        let line_count = lines.len();
        let all_units_refundable = !has_bundle && refundable.len() == line_count;
        let full = all_units_refundable && rng.chance(30);
        let mut taken: Vec<(String, u64)> = Vec::new();
        if full {
            for r in &refundable {
                taken.push((r.id.clone(), r.quantity));
            }
            status = "refunded";
        } else {
            let r = rng.pick_ref(&refundable);
            // Leave at least one unit of the order unrefunded.
            let max = if line_count > 1 {
                r.quantity
            } else {
                r.quantity - 1
            };
            if max >= 1 {
                taken.push((r.id.clone(), rng.range(1, max)));
                status = "partially_refunded";
            }
        }
        let base = processed.unwrap_or(created) + rng.range(86_400 * 3, 86_400 * 20);
        for (k, (line, quantity)) in taken.into_iter().enumerate() {
            let at = base + u64::try_from(k).unwrap_or(0) * 60;
            let done = at + rng.range(3_600, 86_400 * 2);
            updated = updated.max(done);
            refunds.push(obj! {
                "id" => format!("RF-{id}-{}", k + 1),
                "lineItemId" => line,
                "reasonDescriptor" => rng.pick(&["too_small", "too_big", "damaged", "other"]),
                "refundedQuantity" => quantity,
                "createdAt" => at,
                "processedAt" => done,
            });
        }
    }

    // Shipping: free above a threshold, else a flat fee; its tax at the standard rate.
    let threshold = round(dec("60") * dec(market.fx), e);
    let before = if gross >= threshold && rng.chance(80) {
        Decimal::ZERO
    } else {
        let fee = dec(rng.pick(&["4.95", "5.90", "3.95", "6.90"]));
        local_price(rng, market, fee)
    };
    let mut shipping_discounts = Vec::new();
    let mut shipping_discount = Decimal::ZERO;
    if before > Decimal::ZERO && rng.chance(5) {
        shipping_discount = before;
        shipping_discounts.push(obj! {
            "title" => "FREESHIP",
            "isVoucher" => true,
            "voucherCode" => "FREESHIP",
            "voucherType" => "CRM",
            "discountAmount" => J::Num(before),
        });
    }
    let r = dec(market.standard.0);
    let shipping_tax = round((before - shipping_discount) * r / (Decimal::ONE + r), e);
    let shipping_taxes = if before > Decimal::ZERO {
        arr![obj! {
            "title" => format!("{} {}", market.tax_word, market.standard.1),
            "taxRate" => J::Num(r),
            "taxAmount" => J::Num(shipping_tax),
        }]
    } else {
        arr![]
    };
    let (city, province) = rng.pick(market.cities);
    let mut shipping = Vec::new();
    shipping.push(("city", J::from(city)));
    if rng.chance(70) {
        shipping.push(("provinceOrState", J::from(province)));
    }
    shipping.push(("countryCodeIso2Letter", J::from(market.alpha2)));
    shipping.push(("countryCodeIso3Letter", J::from(market.alpha3)));
    shipping.push(("currencyCodeIso3Letter", J::from(market.currency)));
    shipping.push(("zipOrPostalCode", J::from(postal_code(rng, market))));
    shipping.push(("providerDescriptor", J::from(rng.pick(market.carriers))));
    shipping.push(("shippingTotalAmountBeforeTaxAndDiscounts", J::Num(before)));
    shipping.push(("discounts", J::Arr(shipping_discounts)));
    shipping.push(("taxes", shipping_taxes));
    shipping.push((
        "shippingTotalAmountAfterTaxAndDiscounts",
        J::Num(before - shipping_tax - shipping_discount),
    ));
    if rng.chance(70) {
        shipping.push((
            "totalLogisticsCosts",
            J::Num(round(
                dec(rng.pick(&["2.85", "3.40", "4.10", "5.20"])) * dec(market.fx),
                e,
            )),
        ));
    }

    // Who.
    let first = rng.pick(&FIRST_NAMES);
    let last = rng.pick(&LAST_NAMES);
    let mut customer = Vec::new();
    customer.push(("id", J::from(rng.hex(32))));
    customer.push((
        "email",
        J::from(format!(
            "{first}.{last}{}@example.{}",
            rng.below(1000),
            market.tld
        )),
    ));
    customer.push(("emailHash", J::from(rng.hex(40))));
    customer.push((
        "isNewsletterSubscriberAtTimeOfCheckout",
        J::from(rng.chance(35)),
    ));
    if rng.chance(25) {
        customer.push(("tags", arr![rng.pick(&["returning", "vip", "wholesale"])]));
    }

    let (gateway, method) = rng.pick(market.payments);
    let mut o = Vec::new();
    o.push(("id", J::from(&id)));
    o.push((
        "orderName",
        J::from(format!("{} - Order #{number}", market.store)),
    ));
    o.push(("orderNumber", J::from(&number)));
    o.push(("createdAt", J::from(created)));
    o.push(("updatedAt", J::from(updated)));
    if let Some(at) = processed {
        o.push(("processedAt", J::from(at)));
    }
    if let Some(at) = closed {
        o.push(("closedAt", J::from(at)));
    }
    if let Some(at) = cancelled_at {
        o.push(("cancelledAt", J::from(at)));
    }
    o.push(("currencyCodeIso3Letter", J::from(market.currency)));
    o.push(("financialStatus", J::from(status)));
    o.push(("shipmentStatus", J::from(shipment)));
    o.push(("paymentGatewayName", J::from(gateway)));
    o.push(("paymentMethodName", J::from(method)));
    if rng.chance(20) {
        o.push(("tags", arr![rng.pick(&["newsletter", "b2b", "gift"])]));
    }
    o.push(("lineItems", J::Arr(lines)));
    if !refunds.is_empty() {
        o.push(("refundedLineItems", J::Arr(refunds)));
    }
    o.push(("shipping", J::Obj(shipping)));
    if rng.chance(25) {
        o.push((
            "transactionCosts",
            J::Num(round(
                gross * dec("0.014") + dec("0.25") * dec(market.fx),
                e,
            )),
        ));
    }
    o.push(("customer", J::Obj(customer)));
    let mut ids = Vec::new();
    ids.push(("googleAnalyticsTransactionId", J::from(&number)));
    ids.push(("orderSourceName", J::from("web")));
    if rng.chance(40) {
        ids.push((
            "utmSource",
            J::from(rng.pick(&["google", "newsletter", "instagram"])),
        ));
        ids.push(("utmMedium", J::from(rng.pick(&["cpc", "email", "social"]))));
    }
    o.push(("optionalIdentifiers", J::Obj(ids)));
    J::Obj(o)
}

fn postal_code(rng: &mut Rng, market: &Market) -> String {
    match market.alpha2 {
        "DE" | "FR" | "IT" => format!("{:05}", rng.range(1_000, 99_999)),
        "AT" | "CH" | "DK" => format!("{}", rng.range(1_000, 9_999)),
        "NL" => format!(
            "{} {}",
            rng.range(1_000, 9_999),
            rng.pick(&["AB", "CD", "XK"])
        ),
        "GB" => format!("SW{} {}AA", rng.range(1, 20), rng.range(1, 9)),
        "SE" => format!("{} {:02}", rng.range(100, 999), rng.below(100)),
        "PL" => format!("{:02}-{:03}", rng.below(100), rng.below(1000)),
        "JP" => format!("{:03}-{:04}", rng.range(100, 999), rng.below(10_000)),
        _ => "00000".to_owned(),
    }
}

/// Orders `first..first + n`, parsed as klar-lint parses them.
pub fn orders(seed: u64, first: u64, n: u64) -> Vec<Value> {
    (first..first + n)
        .map(|i| serde_json::from_str(&order(seed, i).text()).unwrap_or(Value::Null))
        .collect()
}

/// Writes orders `first..first + n` as a JSON array with one order per line, or as JSON Lines.
///
/// # Errors
/// Writing fails.
pub fn write_orders<W: Write>(
    out: &mut W,
    seed: u64,
    first: u64,
    n: u64,
    ndjson: bool,
) -> io::Result<()> {
    if !ndjson {
        out.write_all(b"[\n")?;
    }
    let mut text = String::with_capacity(4096);
    for i in first..first + n {
        text.clear();
        order(seed, i).write(&mut text);
        if ndjson {
            text.push('\n');
        } else if i + 1 < first + n {
            text.push_str(",\n");
        } else {
            text.push_str("\n]\n");
        }
        out.write_all(text.as_bytes())?;
    }
    if !ndjson && n == 0 {
        out.write_all(b"]\n")?;
    }
    Ok(())
}

struct Args {
    orders: u64,
    files: u64,
    seed: u64,
    ndjson: bool,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        orders: 1000,
        files: 1,
        seed: 1,
        ndjson: false,
        out: PathBuf::from("target/klar-data"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.replace('_', "")
                .parse::<u64>()
                .map_err(|e| format!("{name}: {e}"))
        };
        match flag.as_str() {
            "--orders" => args.orders = number("--orders", value("--orders")?)?,
            "--files" => args.files = number("--files", value("--files")?)?,
            "--seed" => args.seed = number("--seed", value("--seed")?)?,
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--ndjson" => args.ndjson = true,
            "-h" | "--help" => {
                return Err("usage: generate [--orders N (per file, default 1000)] [--files F (default 1)] \
                            [--seed S (default 1)] [--ndjson] [--out DIR (default target/klar-data)]"
                    .into())
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(args)
}

fn run(args: &Args) -> io::Result<(PathBuf, u64)> {
    let dir: PathBuf = args.out.join("07.2025").join("orders");
    std::fs::create_dir_all(&dir)?;
    let ext = if args.ndjson { "jsonl" } else { "json" };
    let mut bytes = 0;
    for f in 0..args.files {
        let path = dir.join(format!("orders-{f:05}.{ext}"));
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        write_orders(
            &mut out,
            args.seed,
            f * args.orders,
            args.orders,
            args.ndjson,
        )?;
        out.flush()?;
        bytes += std::fs::metadata(Path::new(&path))?.len();
    }
    Ok((dir, bytes))
}

fn main() -> std::process::ExitCode {
    let mut err = io::stderr().lock();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok((dir, bytes)) => {
            let _ = writeln!(
                err,
                "wrote {} orders in {} file(s), {bytes} bytes, to {}",
                args.orders * args.files,
                args.files,
                dir.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(err, "generate: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
