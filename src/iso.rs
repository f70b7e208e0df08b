//! ISO 4217 currency and ISO 3166-1 country codes: static sorted tables, binary search.
//!
//! Sources and scope:
//! * Currencies: ISO 4217 "list one" (current currency and funds codes) as published on
//!   2026-01-01, 178 codes, with each code's minor-unit exponent. Funds codes (`BOV`, `CHE`,
//!   `CHW`, `CLF`, `COU`, `MXV`, `USN`, `UYI`, `XAD`, ...) are included. Historic codes (list
//!   three) are not: `ANG` (replaced by `XCG` in 2025), `BGN` (Bulgaria joined the euro on
//!   2026-01-01), `CUC`, `HRK`, `SLL`, `ZWL`, `VEF`, `MRO`, `STD`, ... are unknown here,
//!   even though backfilled orders from before the switch may still carry them.
//! * Countries: the 249 officially assigned ISO 3166-1 alpha-2 / alpha-3 pairs. User-assigned
//!   codes such as `XK` (Kosovo) and exceptionally reserved codes (`UK`, `EU`, ...) are not
//!   included.
//!
//! Codes are upper-case ASCII; look-ups are exact, so `"eur"` is not a currency. Only
//! [`closest_currency`] folds case, to suggest `EUR` for `eur`. Nothing here allocates.

/// Marks a currency for which ISO 4217 gives no minor unit ("N.A.": precious metals, bond
/// market units, `XDR`, `XSU`, `XUA`, `XTS`, `XXX`).
const NA: Option<u32> = None;

/// Looks `key` up in a table sorted by its first column.
fn lookup<V: Copy>(table: &[(&'static str, V)], key: &str) -> Option<V> {
    table
        // Byte by byte: the keys are two or three letters, shorter than a `memcmp` call is worth.
        .binary_search_by(|(k, _)| k.bytes().cmp(key.bytes()))
        .ok()
        .and_then(|i| table.get(i))
        .map(|&(_, v)| v)
}

/// The minor-unit exponent of an ISO 4217 currency code (`EUR` → 2, `JPY` → 0, `KWD` → 3,
/// `CLF` → 4).
///
/// `None` when the code is not a current ISO 4217 code, and also for the codes that ISO lists
/// without a minor unit (`XAU`, `XDR`, `XXX`, ...); use [`is_currency`] to tell the two apart.
#[must_use]
pub fn currency_exponent(code: &str) -> Option<u32> {
    lookup(&CURRENCIES, code).flatten()
}

/// Whether `code` is a current ISO 4217 alphabetic code (currency or funds), exactly as written:
/// upper case, three letters.
#[must_use]
pub fn is_currency(code: &str) -> bool {
    lookup(&CURRENCIES, code).is_some()
}

/// The ISO 3166-1 alpha-3 code for an alpha-2 code (`DE` → `DEU`).
#[must_use]
pub fn country_alpha3(alpha2: &str) -> Option<&'static str> {
    lookup(&COUNTRIES_BY_ALPHA2, alpha2)
}

/// The ISO 3166-1 alpha-2 code for an alpha-3 code (`DEU` → `DE`).
#[must_use]
pub fn country_alpha2(alpha3: &str) -> Option<&'static str> {
    lookup(&COUNTRIES_BY_ALPHA3, alpha3)
}

/// Whether `code` is an officially assigned ISO 3166-1 alpha-2 code (upper case).
#[must_use]
pub fn is_country_alpha2(code: &str) -> bool {
    country_alpha3(code).is_some()
}

/// Whether `code` is an officially assigned ISO 3166-1 alpha-3 code (upper case).
#[must_use]
pub fn is_country_alpha3(code: &str) -> bool {
    country_alpha2(code).is_some()
}

/// The known currency code closest to `code`, for a "did you mean" hint.
///
/// Case is ignored, so `"eur"` gives `EUR`. Otherwise the alphabetically first code at edit
/// distance 1 (one letter replaced, inserted or removed) is returned: `"EUX"` → `EUR`,
/// `"EURO"` → `EUR`. `None` when no code is that close. A code that is already known
/// returns itself.
#[must_use]
pub fn closest_currency(code: &str) -> Option<&'static str> {
    let input = code.as_bytes();
    if input.len() > 4 {
        return None;
    }
    let mut folded = [0_u8; 4];
    for (slot, byte) in folded.iter_mut().zip(input) {
        *slot = byte.to_ascii_uppercase();
    }
    let folded = folded.get(..input.len()).unwrap_or_default();
    let mut nearest = None;
    for &(known, _) in &CURRENCIES {
        let candidate = known.as_bytes();
        if candidate == folded {
            return Some(known);
        }
        if nearest.is_none() && within_one_edit(candidate, folded) {
            nearest = Some(known);
        }
    }
    nearest
}

/// Whether the Levenshtein distance between `a` and `b` is at most 1.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    // Skip the common prefix; what is left must differ by one edit at its start.
    let common = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    let (Some(short_rest), Some(long_rest)) = (short.get(common..), long.get(common..)) else {
        return false;
    };
    if short.len() == long.len() {
        // One substitution (or none).
        short_rest.get(1..) == long_rest.get(1..) || short_rest.is_empty()
    } else {
        // One insertion into the shorter one.
        Some(short_rest) == long_rest.get(1..)
    }
}

// Tables: generated from ISO 4217 list one (2026-01-01) and ISO 3166-1; keep them sorted by
// their first column (the tests check it).

/// ISO 4217 list one: alphabetic code and minor-unit exponent, sorted by code.
static CURRENCIES: [(&str, Option<u32>); 178] = [
    ("AED", Some(2)),
    ("AFN", Some(2)),
    ("ALL", Some(2)),
    ("AMD", Some(2)),
    ("AOA", Some(2)),
    ("ARS", Some(2)),
    ("AUD", Some(2)),
    ("AWG", Some(2)),
    ("AZN", Some(2)),
    ("BAM", Some(2)),
    ("BBD", Some(2)),
    ("BDT", Some(2)),
    ("BHD", Some(3)),
    ("BIF", Some(0)),
    ("BMD", Some(2)),
    ("BND", Some(2)),
    ("BOB", Some(2)),
    ("BOV", Some(2)),
    ("BRL", Some(2)),
    ("BSD", Some(2)),
    ("BTN", Some(2)),
    ("BWP", Some(2)),
    ("BYN", Some(2)),
    ("BZD", Some(2)),
    ("CAD", Some(2)),
    ("CDF", Some(2)),
    ("CHE", Some(2)),
    ("CHF", Some(2)),
    ("CHW", Some(2)),
    ("CLF", Some(4)),
    ("CLP", Some(0)),
    ("CNY", Some(2)),
    ("COP", Some(2)),
    ("COU", Some(2)),
    ("CRC", Some(2)),
    ("CUP", Some(2)),
    ("CVE", Some(2)),
    ("CZK", Some(2)),
    ("DJF", Some(0)),
    ("DKK", Some(2)),
    ("DOP", Some(2)),
    ("DZD", Some(2)),
    ("EGP", Some(2)),
    ("ERN", Some(2)),
    ("ETB", Some(2)),
    ("EUR", Some(2)),
    ("FJD", Some(2)),
    ("FKP", Some(2)),
    ("GBP", Some(2)),
    ("GEL", Some(2)),
    ("GHS", Some(2)),
    ("GIP", Some(2)),
    ("GMD", Some(2)),
    ("GNF", Some(0)),
    ("GTQ", Some(2)),
    ("GYD", Some(2)),
    ("HKD", Some(2)),
    ("HNL", Some(2)),
    ("HTG", Some(2)),
    ("HUF", Some(2)),
    ("IDR", Some(2)),
    ("ILS", Some(2)),
    ("INR", Some(2)),
    ("IQD", Some(3)),
    ("IRR", Some(2)),
    ("ISK", Some(0)),
    ("JMD", Some(2)),
    ("JOD", Some(3)),
    ("JPY", Some(0)),
    ("KES", Some(2)),
    ("KGS", Some(2)),
    ("KHR", Some(2)),
    ("KMF", Some(0)),
    ("KPW", Some(2)),
    ("KRW", Some(0)),
    ("KWD", Some(3)),
    ("KYD", Some(2)),
    ("KZT", Some(2)),
    ("LAK", Some(2)),
    ("LBP", Some(2)),
    ("LKR", Some(2)),
    ("LRD", Some(2)),
    ("LSL", Some(2)),
    ("LYD", Some(3)),
    ("MAD", Some(2)),
    ("MDL", Some(2)),
    ("MGA", Some(2)),
    ("MKD", Some(2)),
    ("MMK", Some(2)),
    ("MNT", Some(2)),
    ("MOP", Some(2)),
    ("MRU", Some(2)),
    ("MUR", Some(2)),
    ("MVR", Some(2)),
    ("MWK", Some(2)),
    ("MXN", Some(2)),
    ("MXV", Some(2)),
    ("MYR", Some(2)),
    ("MZN", Some(2)),
    ("NAD", Some(2)),
    ("NGN", Some(2)),
    ("NIO", Some(2)),
    ("NOK", Some(2)),
    ("NPR", Some(2)),
    ("NZD", Some(2)),
    ("OMR", Some(3)),
    ("PAB", Some(2)),
    ("PEN", Some(2)),
    ("PGK", Some(2)),
    ("PHP", Some(2)),
    ("PKR", Some(2)),
    ("PLN", Some(2)),
    ("PYG", Some(0)),
    ("QAR", Some(2)),
    ("RON", Some(2)),
    ("RSD", Some(2)),
    ("RUB", Some(2)),
    ("RWF", Some(0)),
    ("SAR", Some(2)),
    ("SBD", Some(2)),
    ("SCR", Some(2)),
    ("SDG", Some(2)),
    ("SEK", Some(2)),
    ("SGD", Some(2)),
    ("SHP", Some(2)),
    ("SLE", Some(2)),
    ("SOS", Some(2)),
    ("SRD", Some(2)),
    ("SSP", Some(2)),
    ("STN", Some(2)),
    ("SVC", Some(2)),
    ("SYP", Some(2)),
    ("SZL", Some(2)),
    ("THB", Some(2)),
    ("TJS", Some(2)),
    ("TMT", Some(2)),
    ("TND", Some(3)),
    ("TOP", Some(2)),
    ("TRY", Some(2)),
    ("TTD", Some(2)),
    ("TWD", Some(2)),
    ("TZS", Some(2)),
    ("UAH", Some(2)),
    ("UGX", Some(0)),
    ("USD", Some(2)),
    ("USN", Some(2)),
    ("UYI", Some(0)),
    ("UYU", Some(2)),
    ("UYW", Some(4)),
    ("UZS", Some(2)),
    ("VED", Some(2)),
    ("VES", Some(2)),
    ("VND", Some(0)),
    ("VUV", Some(0)),
    ("WST", Some(2)),
    ("XAD", Some(2)),
    ("XAF", Some(0)),
    ("XAG", NA),
    ("XAU", NA),
    ("XBA", NA),
    ("XBB", NA),
    ("XBC", NA),
    ("XBD", NA),
    ("XCD", Some(2)),
    ("XCG", Some(2)),
    ("XDR", NA),
    ("XOF", Some(0)),
    ("XPD", NA),
    ("XPF", Some(0)),
    ("XPT", NA),
    ("XSU", NA),
    ("XTS", NA),
    ("XUA", NA),
    ("XXX", NA),
    ("YER", Some(2)),
    ("ZAR", Some(2)),
    ("ZMW", Some(2)),
    ("ZWG", Some(2)),
];

/// ISO 3166-1: alpha-2 and alpha-3 code, sorted by alpha-2.
static COUNTRIES_BY_ALPHA2: [(&str, &str); 249] = [
    ("AD", "AND"), // Andorra
    ("AE", "ARE"), // United Arab Emirates
    ("AF", "AFG"), // Afghanistan
    ("AG", "ATG"), // Antigua and Barbuda
    ("AI", "AIA"), // Anguilla
    ("AL", "ALB"), // Albania
    ("AM", "ARM"), // Armenia
    ("AO", "AGO"), // Angola
    ("AQ", "ATA"), // Antarctica
    ("AR", "ARG"), // Argentina
    ("AS", "ASM"), // American Samoa
    ("AT", "AUT"), // Austria
    ("AU", "AUS"), // Australia
    ("AW", "ABW"), // Aruba
    ("AX", "ALA"), // Åland Islands
    ("AZ", "AZE"), // Azerbaijan
    ("BA", "BIH"), // Bosnia and Herzegovina
    ("BB", "BRB"), // Barbados
    ("BD", "BGD"), // Bangladesh
    ("BE", "BEL"), // Belgium
    ("BF", "BFA"), // Burkina Faso
    ("BG", "BGR"), // Bulgaria
    ("BH", "BHR"), // Bahrain
    ("BI", "BDI"), // Burundi
    ("BJ", "BEN"), // Benin
    ("BL", "BLM"), // Saint Barthélemy
    ("BM", "BMU"), // Bermuda
    ("BN", "BRN"), // Brunei Darussalam
    ("BO", "BOL"), // Bolivia, Plurinational State of
    ("BQ", "BES"), // Bonaire, Sint Eustatius and Saba
    ("BR", "BRA"), // Brazil
    ("BS", "BHS"), // Bahamas
    ("BT", "BTN"), // Bhutan
    ("BV", "BVT"), // Bouvet Island
    ("BW", "BWA"), // Botswana
    ("BY", "BLR"), // Belarus
    ("BZ", "BLZ"), // Belize
    ("CA", "CAN"), // Canada
    ("CC", "CCK"), // Cocos (Keeling) Islands
    ("CD", "COD"), // Congo, The Democratic Republic of the
    ("CF", "CAF"), // Central African Republic
    ("CG", "COG"), // Congo
    ("CH", "CHE"), // Switzerland
    ("CI", "CIV"), // Côte d'Ivoire
    ("CK", "COK"), // Cook Islands
    ("CL", "CHL"), // Chile
    ("CM", "CMR"), // Cameroon
    ("CN", "CHN"), // China
    ("CO", "COL"), // Colombia
    ("CR", "CRI"), // Costa Rica
    ("CU", "CUB"), // Cuba
    ("CV", "CPV"), // Cabo Verde
    ("CW", "CUW"), // Curaçao
    ("CX", "CXR"), // Christmas Island
    ("CY", "CYP"), // Cyprus
    ("CZ", "CZE"), // Czechia
    ("DE", "DEU"), // Germany
    ("DJ", "DJI"), // Djibouti
    ("DK", "DNK"), // Denmark
    ("DM", "DMA"), // Dominica
    ("DO", "DOM"), // Dominican Republic
    ("DZ", "DZA"), // Algeria
    ("EC", "ECU"), // Ecuador
    ("EE", "EST"), // Estonia
    ("EG", "EGY"), // Egypt
    ("EH", "ESH"), // Western Sahara
    ("ER", "ERI"), // Eritrea
    ("ES", "ESP"), // Spain
    ("ET", "ETH"), // Ethiopia
    ("FI", "FIN"), // Finland
    ("FJ", "FJI"), // Fiji
    ("FK", "FLK"), // Falkland Islands (Malvinas)
    ("FM", "FSM"), // Micronesia, Federated States of
    ("FO", "FRO"), // Faroe Islands
    ("FR", "FRA"), // France
    ("GA", "GAB"), // Gabon
    ("GB", "GBR"), // United Kingdom
    ("GD", "GRD"), // Grenada
    ("GE", "GEO"), // Georgia
    ("GF", "GUF"), // French Guiana
    ("GG", "GGY"), // Guernsey
    ("GH", "GHA"), // Ghana
    ("GI", "GIB"), // Gibraltar
    ("GL", "GRL"), // Greenland
    ("GM", "GMB"), // Gambia
    ("GN", "GIN"), // Guinea
    ("GP", "GLP"), // Guadeloupe
    ("GQ", "GNQ"), // Equatorial Guinea
    ("GR", "GRC"), // Greece
    ("GS", "SGS"), // South Georgia and the South Sandwich Islands
    ("GT", "GTM"), // Guatemala
    ("GU", "GUM"), // Guam
    ("GW", "GNB"), // Guinea-Bissau
    ("GY", "GUY"), // Guyana
    ("HK", "HKG"), // Hong Kong
    ("HM", "HMD"), // Heard Island and McDonald Islands
    ("HN", "HND"), // Honduras
    ("HR", "HRV"), // Croatia
    ("HT", "HTI"), // Haiti
    ("HU", "HUN"), // Hungary
    ("ID", "IDN"), // Indonesia
    ("IE", "IRL"), // Ireland
    ("IL", "ISR"), // Israel
    ("IM", "IMN"), // Isle of Man
    ("IN", "IND"), // India
    ("IO", "IOT"), // British Indian Ocean Territory
    ("IQ", "IRQ"), // Iraq
    ("IR", "IRN"), // Iran, Islamic Republic of
    ("IS", "ISL"), // Iceland
    ("IT", "ITA"), // Italy
    ("JE", "JEY"), // Jersey
    ("JM", "JAM"), // Jamaica
    ("JO", "JOR"), // Jordan
    ("JP", "JPN"), // Japan
    ("KE", "KEN"), // Kenya
    ("KG", "KGZ"), // Kyrgyzstan
    ("KH", "KHM"), // Cambodia
    ("KI", "KIR"), // Kiribati
    ("KM", "COM"), // Comoros
    ("KN", "KNA"), // Saint Kitts and Nevis
    ("KP", "PRK"), // Korea, Democratic People's Republic of
    ("KR", "KOR"), // Korea, Republic of
    ("KW", "KWT"), // Kuwait
    ("KY", "CYM"), // Cayman Islands
    ("KZ", "KAZ"), // Kazakhstan
    ("LA", "LAO"), // Lao People's Democratic Republic
    ("LB", "LBN"), // Lebanon
    ("LC", "LCA"), // Saint Lucia
    ("LI", "LIE"), // Liechtenstein
    ("LK", "LKA"), // Sri Lanka
    ("LR", "LBR"), // Liberia
    ("LS", "LSO"), // Lesotho
    ("LT", "LTU"), // Lithuania
    ("LU", "LUX"), // Luxembourg
    ("LV", "LVA"), // Latvia
    ("LY", "LBY"), // Libya
    ("MA", "MAR"), // Morocco
    ("MC", "MCO"), // Monaco
    ("MD", "MDA"), // Moldova, Republic of
    ("ME", "MNE"), // Montenegro
    ("MF", "MAF"), // Saint Martin (French part)
    ("MG", "MDG"), // Madagascar
    ("MH", "MHL"), // Marshall Islands
    ("MK", "MKD"), // North Macedonia
    ("ML", "MLI"), // Mali
    ("MM", "MMR"), // Myanmar
    ("MN", "MNG"), // Mongolia
    ("MO", "MAC"), // Macao
    ("MP", "MNP"), // Northern Mariana Islands
    ("MQ", "MTQ"), // Martinique
    ("MR", "MRT"), // Mauritania
    ("MS", "MSR"), // Montserrat
    ("MT", "MLT"), // Malta
    ("MU", "MUS"), // Mauritius
    ("MV", "MDV"), // Maldives
    ("MW", "MWI"), // Malawi
    ("MX", "MEX"), // Mexico
    ("MY", "MYS"), // Malaysia
    ("MZ", "MOZ"), // Mozambique
    ("NA", "NAM"), // Namibia
    ("NC", "NCL"), // New Caledonia
    ("NE", "NER"), // Niger
    ("NF", "NFK"), // Norfolk Island
    ("NG", "NGA"), // Nigeria
    ("NI", "NIC"), // Nicaragua
    ("NL", "NLD"), // Netherlands
    ("NO", "NOR"), // Norway
    ("NP", "NPL"), // Nepal
    ("NR", "NRU"), // Nauru
    ("NU", "NIU"), // Niue
    ("NZ", "NZL"), // New Zealand
    ("OM", "OMN"), // Oman
    ("PA", "PAN"), // Panama
    ("PE", "PER"), // Peru
    ("PF", "PYF"), // French Polynesia
    ("PG", "PNG"), // Papua New Guinea
    ("PH", "PHL"), // Philippines
    ("PK", "PAK"), // Pakistan
    ("PL", "POL"), // Poland
    ("PM", "SPM"), // Saint Pierre and Miquelon
    ("PN", "PCN"), // Pitcairn
    ("PR", "PRI"), // Puerto Rico
    ("PS", "PSE"), // Palestine, State of
    ("PT", "PRT"), // Portugal
    ("PW", "PLW"), // Palau
    ("PY", "PRY"), // Paraguay
    ("QA", "QAT"), // Qatar
    ("RE", "REU"), // Réunion
    ("RO", "ROU"), // Romania
    ("RS", "SRB"), // Serbia
    ("RU", "RUS"), // Russian Federation
    ("RW", "RWA"), // Rwanda
    ("SA", "SAU"), // Saudi Arabia
    ("SB", "SLB"), // Solomon Islands
    ("SC", "SYC"), // Seychelles
    ("SD", "SDN"), // Sudan
    ("SE", "SWE"), // Sweden
    ("SG", "SGP"), // Singapore
    ("SH", "SHN"), // Saint Helena, Ascension and Tristan da Cunha
    ("SI", "SVN"), // Slovenia
    ("SJ", "SJM"), // Svalbard and Jan Mayen
    ("SK", "SVK"), // Slovakia
    ("SL", "SLE"), // Sierra Leone
    ("SM", "SMR"), // San Marino
    ("SN", "SEN"), // Senegal
    ("SO", "SOM"), // Somalia
    ("SR", "SUR"), // Suriname
    ("SS", "SSD"), // South Sudan
    ("ST", "STP"), // Sao Tome and Principe
    ("SV", "SLV"), // El Salvador
    ("SX", "SXM"), // Sint Maarten (Dutch part)
    ("SY", "SYR"), // Syrian Arab Republic
    ("SZ", "SWZ"), // Eswatini
    ("TC", "TCA"), // Turks and Caicos Islands
    ("TD", "TCD"), // Chad
    ("TF", "ATF"), // French Southern Territories
    ("TG", "TGO"), // Togo
    ("TH", "THA"), // Thailand
    ("TJ", "TJK"), // Tajikistan
    ("TK", "TKL"), // Tokelau
    ("TL", "TLS"), // Timor-Leste
    ("TM", "TKM"), // Turkmenistan
    ("TN", "TUN"), // Tunisia
    ("TO", "TON"), // Tonga
    ("TR", "TUR"), // Türkiye
    ("TT", "TTO"), // Trinidad and Tobago
    ("TV", "TUV"), // Tuvalu
    ("TW", "TWN"), // Taiwan, Province of China
    ("TZ", "TZA"), // Tanzania, United Republic of
    ("UA", "UKR"), // Ukraine
    ("UG", "UGA"), // Uganda
    ("UM", "UMI"), // United States Minor Outlying Islands
    ("US", "USA"), // United States
    ("UY", "URY"), // Uruguay
    ("UZ", "UZB"), // Uzbekistan
    ("VA", "VAT"), // Holy See (Vatican City State)
    ("VC", "VCT"), // Saint Vincent and the Grenadines
    ("VE", "VEN"), // Venezuela, Bolivarian Republic of
    ("VG", "VGB"), // Virgin Islands, British
    ("VI", "VIR"), // Virgin Islands, U.S.
    ("VN", "VNM"), // Viet Nam
    ("VU", "VUT"), // Vanuatu
    ("WF", "WLF"), // Wallis and Futuna
    ("WS", "WSM"), // Samoa
    ("YE", "YEM"), // Yemen
    ("YT", "MYT"), // Mayotte
    ("ZA", "ZAF"), // South Africa
    ("ZM", "ZMB"), // Zambia
    ("ZW", "ZWE"), // Zimbabwe
];

/// ISO 3166-1: alpha-3 and alpha-2 code, sorted by alpha-3.
static COUNTRIES_BY_ALPHA3: [(&str, &str); 249] = [
    ("ABW", "AW"),
    ("AFG", "AF"),
    ("AGO", "AO"),
    ("AIA", "AI"),
    ("ALA", "AX"),
    ("ALB", "AL"),
    ("AND", "AD"),
    ("ARE", "AE"),
    ("ARG", "AR"),
    ("ARM", "AM"),
    ("ASM", "AS"),
    ("ATA", "AQ"),
    ("ATF", "TF"),
    ("ATG", "AG"),
    ("AUS", "AU"),
    ("AUT", "AT"),
    ("AZE", "AZ"),
    ("BDI", "BI"),
    ("BEL", "BE"),
    ("BEN", "BJ"),
    ("BES", "BQ"),
    ("BFA", "BF"),
    ("BGD", "BD"),
    ("BGR", "BG"),
    ("BHR", "BH"),
    ("BHS", "BS"),
    ("BIH", "BA"),
    ("BLM", "BL"),
    ("BLR", "BY"),
    ("BLZ", "BZ"),
    ("BMU", "BM"),
    ("BOL", "BO"),
    ("BRA", "BR"),
    ("BRB", "BB"),
    ("BRN", "BN"),
    ("BTN", "BT"),
    ("BVT", "BV"),
    ("BWA", "BW"),
    ("CAF", "CF"),
    ("CAN", "CA"),
    ("CCK", "CC"),
    ("CHE", "CH"),
    ("CHL", "CL"),
    ("CHN", "CN"),
    ("CIV", "CI"),
    ("CMR", "CM"),
    ("COD", "CD"),
    ("COG", "CG"),
    ("COK", "CK"),
    ("COL", "CO"),
    ("COM", "KM"),
    ("CPV", "CV"),
    ("CRI", "CR"),
    ("CUB", "CU"),
    ("CUW", "CW"),
    ("CXR", "CX"),
    ("CYM", "KY"),
    ("CYP", "CY"),
    ("CZE", "CZ"),
    ("DEU", "DE"),
    ("DJI", "DJ"),
    ("DMA", "DM"),
    ("DNK", "DK"),
    ("DOM", "DO"),
    ("DZA", "DZ"),
    ("ECU", "EC"),
    ("EGY", "EG"),
    ("ERI", "ER"),
    ("ESH", "EH"),
    ("ESP", "ES"),
    ("EST", "EE"),
    ("ETH", "ET"),
    ("FIN", "FI"),
    ("FJI", "FJ"),
    ("FLK", "FK"),
    ("FRA", "FR"),
    ("FRO", "FO"),
    ("FSM", "FM"),
    ("GAB", "GA"),
    ("GBR", "GB"),
    ("GEO", "GE"),
    ("GGY", "GG"),
    ("GHA", "GH"),
    ("GIB", "GI"),
    ("GIN", "GN"),
    ("GLP", "GP"),
    ("GMB", "GM"),
    ("GNB", "GW"),
    ("GNQ", "GQ"),
    ("GRC", "GR"),
    ("GRD", "GD"),
    ("GRL", "GL"),
    ("GTM", "GT"),
    ("GUF", "GF"),
    ("GUM", "GU"),
    ("GUY", "GY"),
    ("HKG", "HK"),
    ("HMD", "HM"),
    ("HND", "HN"),
    ("HRV", "HR"),
    ("HTI", "HT"),
    ("HUN", "HU"),
    ("IDN", "ID"),
    ("IMN", "IM"),
    ("IND", "IN"),
    ("IOT", "IO"),
    ("IRL", "IE"),
    ("IRN", "IR"),
    ("IRQ", "IQ"),
    ("ISL", "IS"),
    ("ISR", "IL"),
    ("ITA", "IT"),
    ("JAM", "JM"),
    ("JEY", "JE"),
    ("JOR", "JO"),
    ("JPN", "JP"),
    ("KAZ", "KZ"),
    ("KEN", "KE"),
    ("KGZ", "KG"),
    ("KHM", "KH"),
    ("KIR", "KI"),
    ("KNA", "KN"),
    ("KOR", "KR"),
    ("KWT", "KW"),
    ("LAO", "LA"),
    ("LBN", "LB"),
    ("LBR", "LR"),
    ("LBY", "LY"),
    ("LCA", "LC"),
    ("LIE", "LI"),
    ("LKA", "LK"),
    ("LSO", "LS"),
    ("LTU", "LT"),
    ("LUX", "LU"),
    ("LVA", "LV"),
    ("MAC", "MO"),
    ("MAF", "MF"),
    ("MAR", "MA"),
    ("MCO", "MC"),
    ("MDA", "MD"),
    ("MDG", "MG"),
    ("MDV", "MV"),
    ("MEX", "MX"),
    ("MHL", "MH"),
    ("MKD", "MK"),
    ("MLI", "ML"),
    ("MLT", "MT"),
    ("MMR", "MM"),
    ("MNE", "ME"),
    ("MNG", "MN"),
    ("MNP", "MP"),
    ("MOZ", "MZ"),
    ("MRT", "MR"),
    ("MSR", "MS"),
    ("MTQ", "MQ"),
    ("MUS", "MU"),
    ("MWI", "MW"),
    ("MYS", "MY"),
    ("MYT", "YT"),
    ("NAM", "NA"),
    ("NCL", "NC"),
    ("NER", "NE"),
    ("NFK", "NF"),
    ("NGA", "NG"),
    ("NIC", "NI"),
    ("NIU", "NU"),
    ("NLD", "NL"),
    ("NOR", "NO"),
    ("NPL", "NP"),
    ("NRU", "NR"),
    ("NZL", "NZ"),
    ("OMN", "OM"),
    ("PAK", "PK"),
    ("PAN", "PA"),
    ("PCN", "PN"),
    ("PER", "PE"),
    ("PHL", "PH"),
    ("PLW", "PW"),
    ("PNG", "PG"),
    ("POL", "PL"),
    ("PRI", "PR"),
    ("PRK", "KP"),
    ("PRT", "PT"),
    ("PRY", "PY"),
    ("PSE", "PS"),
    ("PYF", "PF"),
    ("QAT", "QA"),
    ("REU", "RE"),
    ("ROU", "RO"),
    ("RUS", "RU"),
    ("RWA", "RW"),
    ("SAU", "SA"),
    ("SDN", "SD"),
    ("SEN", "SN"),
    ("SGP", "SG"),
    ("SGS", "GS"),
    ("SHN", "SH"),
    ("SJM", "SJ"),
    ("SLB", "SB"),
    ("SLE", "SL"),
    ("SLV", "SV"),
    ("SMR", "SM"),
    ("SOM", "SO"),
    ("SPM", "PM"),
    ("SRB", "RS"),
    ("SSD", "SS"),
    ("STP", "ST"),
    ("SUR", "SR"),
    ("SVK", "SK"),
    ("SVN", "SI"),
    ("SWE", "SE"),
    ("SWZ", "SZ"),
    ("SXM", "SX"),
    ("SYC", "SC"),
    ("SYR", "SY"),
    ("TCA", "TC"),
    ("TCD", "TD"),
    ("TGO", "TG"),
    ("THA", "TH"),
    ("TJK", "TJ"),
    ("TKL", "TK"),
    ("TKM", "TM"),
    ("TLS", "TL"),
    ("TON", "TO"),
    ("TTO", "TT"),
    ("TUN", "TN"),
    ("TUR", "TR"),
    ("TUV", "TV"),
    ("TWN", "TW"),
    ("TZA", "TZ"),
    ("UGA", "UG"),
    ("UKR", "UA"),
    ("UMI", "UM"),
    ("URY", "UY"),
    ("USA", "US"),
    ("UZB", "UZ"),
    ("VAT", "VA"),
    ("VCT", "VC"),
    ("VEN", "VE"),
    ("VGB", "VG"),
    ("VIR", "VI"),
    ("VNM", "VN"),
    ("VUT", "VU"),
    ("WLF", "WF"),
    ("WSM", "WS"),
    ("YEM", "YE"),
    ("ZAF", "ZA"),
    ("ZMB", "ZM"),
    ("ZWE", "ZW"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_unique<V>(table: &[(&str, V)]) -> bool {
        table.windows(2).all(|w| w[0].0 < w[1].0)
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        assert!(
            sorted_unique(&CURRENCIES),
            "CURRENCIES must be sorted and unique"
        );
        assert!(sorted_unique(&COUNTRIES_BY_ALPHA2));
        assert!(sorted_unique(&COUNTRIES_BY_ALPHA3));
    }

    #[test]
    fn codes_are_upper_case_ascii_of_the_right_length() {
        for (code, exponent) in CURRENCIES {
            assert!(
                code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code}"
            );
            assert!(exponent.is_none_or(|e| e <= 4), "{code}");
        }
        for (a2, a3) in COUNTRIES_BY_ALPHA2 {
            assert!(
                a2.len() == 2 && a2.bytes().all(|b| b.is_ascii_uppercase()),
                "{a2}"
            );
            assert!(
                a3.len() == 3 && a3.bytes().all(|b| b.is_ascii_uppercase()),
                "{a3}"
            );
        }
    }

    #[test]
    fn counts() {
        assert_eq!(CURRENCIES.len(), 178);
        assert_eq!(COUNTRIES_BY_ALPHA2.len(), 249);
        assert_eq!(COUNTRIES_BY_ALPHA3.len(), 249);
    }

    #[test]
    fn every_country_round_trips() {
        for (a2, a3) in COUNTRIES_BY_ALPHA2 {
            assert_eq!(country_alpha3(a2), Some(a3), "{a2}");
            assert_eq!(country_alpha2(a3), Some(a2), "{a3}");
            assert!(is_country_alpha2(a2) && is_country_alpha3(a3));
        }
        for (a3, a2) in COUNTRIES_BY_ALPHA3 {
            assert_eq!(country_alpha3(a2), Some(a3), "{a3}");
        }
    }

    #[test]
    fn country_spot_checks() {
        for (a2, a3) in [
            ("DE", "DEU"),
            ("CH", "CHE"),
            ("GB", "GBR"),
            ("AT", "AUT"),
            ("US", "USA"),
            ("NL", "NLD"),
            ("CW", "CUW"),
            ("SX", "SXM"),
            ("BQ", "BES"),
            ("SS", "SSD"),
            ("AX", "ALA"),
        ] {
            assert_eq!(country_alpha3(a2), Some(a3));
            assert_eq!(country_alpha2(a3), Some(a2));
        }
        // Not officially assigned, reserved, or withdrawn.
        for code in ["XK", "UK", "EU", "AN", "YU", "CS", "ZZ", "de", "", "DEU"] {
            assert!(!is_country_alpha2(code), "{code}");
        }
        for code in ["XKX", "ANT", "deu", "", "DE", "GER"] {
            assert!(!is_country_alpha3(code), "{code}");
        }
    }

    #[test]
    fn currency_spot_checks() {
        for (code, exponent) in [
            ("EUR", 2),
            ("USD", 2),
            ("GBP", 2),
            ("CHF", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("VND", 0),
            ("ISK", 0),
            ("CLP", 0),
            ("XOF", 0),
            ("UGX", 0),
            ("KWD", 3),
            ("BHD", 3),
            ("TND", 3),
            ("CLF", 4),
            ("UYW", 4),
            ("XCG", 2),
            ("ZWG", 2),
            ("SLE", 2),
            ("VED", 2),
        ] {
            assert_eq!(currency_exponent(code), Some(exponent), "{code}");
            assert!(is_currency(code), "{code}");
        }
        // Funds codes are currencies too.
        for code in ["BOV", "CHE", "CHW", "COU", "MXV", "USN", "UYI", "XAD"] {
            assert!(is_currency(code), "{code}");
        }
        // Known codes without a minor unit.
        for code in ["XAU", "XAG", "XDR", "XXX", "XTS", "XBA"] {
            assert!(is_currency(code), "{code}");
            assert_eq!(currency_exponent(code), None, "{code}");
        }
    }

    #[test]
    fn unknown_and_historic_currencies() {
        for code in [
            "EUX", "eur", "Eur", "EURO", "EU", "", "DEM", "ANG", "BGN", "HRK", "CUC", "SLL", "ZWL",
            "VEF", "USS", "€", "EUR ",
        ] {
            assert!(!is_currency(code), "{code}");
            assert_eq!(currency_exponent(code), None, "{code}");
        }
    }

    #[test]
    fn closest_currency_suggestions() {
        assert_eq!(closest_currency("EUX"), Some("EUR"));
        assert_eq!(closest_currency("eur"), Some("EUR"));
        assert_eq!(closest_currency("EUR"), Some("EUR"));
        assert_eq!(closest_currency("EURO"), Some("EUR"));
        assert_eq!(closest_currency("EU"), Some("EUR"));
        assert_eq!(closest_currency("usd"), Some("USD"));
        assert_eq!(closest_currency("UDS"), Some("UZS"), "one substitution");
        // A swap of two letters is two edits.
        assert_eq!(closest_currency("GPB"), None);
        assert_eq!(closest_currency("PJY"), None);
        // Several codes at distance 1: the alphabetically first wins (CHE < CHF < CHW).
        assert_eq!(closest_currency("CHX"), Some("CHE"));
        assert_eq!(closest_currency("QQQ"), None);
        assert_eq!(closest_currency(""), None);
        assert_eq!(closest_currency("EUROS"), None);
        assert_eq!(closest_currency("€"), None);
    }

    #[test]
    fn one_edit_distance() {
        assert!(within_one_edit(b"EUR", b"EUR"));
        assert!(within_one_edit(b"EUR", b"EUX"));
        assert!(within_one_edit(b"EUR", b"XUR"));
        assert!(within_one_edit(b"EUR", b"EU"));
        assert!(within_one_edit(b"EUR", b"UR"));
        assert!(within_one_edit(b"EUR", b"EXUR"));
        assert!(!within_one_edit(b"EUR", b"UER"));
        assert!(!within_one_edit(b"EUR", b"E"));
        assert!(!within_one_edit(b"EUR", b"XXR"));
        assert!(within_one_edit(b"", b"A"));
        assert!(!within_one_edit(b"", b"AB"));
    }
}
