#!/usr/bin/env python3
"""Builds the connector-style payloads in this folder, the way each connector's PHP computes them.

Python floats are IEEE doubles like PHP's, and `json.dumps` writes the shortest repr, as PHP's
`json_encode` does with `serialize_precision = -1` (PHP >= 7.1): so `99.95 - 15.96` comes out as
`83.99000000000001` here exactly as in a real request body. Magento stores money as DECIMAL(20,4)
strings ("59.9500"); the connectors cast them with `(float)`, which is what the literals below
are. `php_round` is PHP's `round()` (half away from zero, with PHP's pre-rounding).

Run from the repository root: `python3 tests/connectors/generate.py`. See README.md for the
inputs and formulas per order.
"""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent


def php_round(x, places=2):
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def magento_tax(gross_row, rate_percent):
    """Magento's row tax for a tax-inclusive row (catalog prices incl. tax, tax after discount):
    the tax contained in the discounted gross row, rounded to the cent."""
    return php_round(gross_row * rate_percent / (100 + rate_percent))


def md5(s):
    return hashlib.md5(s.strip().lower().encode()).hexdigest()


def sha1(s):
    return hashlib.sha1(s.encode()).hexdigest()


SALT = "k1ar-5a1t-from-support"
T0 = 1795000000  # 2026-11-18 08:53:20 UTC


def write(rel, payload):
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------
# C2: placeholder-tech/klar-magento-2 (v2.1.1), API 07.2025. docs/klar-api.md §14.1, §14.4, §12.
# ---------------------------------------------------------------------------------------------

def c2_tax(title, percent, item_tax_amount, qty):
    # TaxesBuilder: one Tax per sales_order_tax_item row; taxRate = tax_percent / 100,
    # taxAmount = item tax_amount / qty (per unit, unrounded). No descriptor.
    return {"title": title, "taxRate": percent / 100, "taxAmount": item_tax_amount / qty}


def c2_after(gmv, qty, taxes, discounts):
    # LineItemsBuilder::calculateTotalAfterTaxesAndDiscounts: Q×GMV − Σ tax×Q − Σ disc×Q,
    # skipping the synthetic "Price Reduction" (since 1546fcb); falsy → 0.0.
    total = gmv * qty
    for t in taxes:
        total -= t["taxAmount"] * qty
    for d in discounts:
        if d["title"] != "Price Reduction":
            total -= d["discountAmount"] * qty
    return total or 0.0


def c2_line(item_id, name, product_id, sku, price_incl_tax, original_price, qty, taxes, discounts,
            row_total_incl_tax, cogs, weight_kg, variant=None):
    # productGmv = price_incl_tax, falling back to original_price when 0 (860330d).
    gmv = price_incl_tax if price_incl_tax else original_price
    line = {"id": item_id, "productName": name, "productId": product_id}
    if variant:
        line["productVariantName"], line["productVariantId"] = variant
    line.update({
        "productCogs": cogs,
        "productGmv": gmv,
        "productShippingWeightInGrams": weight_kg * 1000,
        "sku": sku,
        "quantity": float(qty),
        "discounts": discounts,
        "taxes": taxes,
        # totalAmountBeforeTaxesAndDiscounts = row_total_incl_tax
        "totalAmountBeforeTaxesAndDiscounts": row_total_incl_tax,
        "totalAmountAfterTaxesAndDiscounts": c2_after(gmv, float(qty), taxes, discounts),
    })
    return line


def c2_shipping(incl_tax, tax, region="Berlin", city="Berlin", zip_code="10115"):
    taxes = [{"title": "DE-19", "taxRate": 0.19, "taxAmount": tax}] if tax else []
    return {
        "city": city,
        "provinceOrState": region,
        "countryCodeIso3Letter": "DEU",
        "countryCodeIso2Letter": "DE",
        "currencyCodeIso3Letter": "EUR",
        "zipOrPostalCode": zip_code,
        "providerDescriptor": "DHL Paket - Standardversand",
        "shippingTotalAmountBeforeTaxAndDiscounts": incl_tax,
        "discounts": [],
        "taxes": taxes,
        # after = shipping_incl_tax − Σ tax − shipping discount
        "shippingTotalAmountAfterTaxAndDiscounts": incl_tax - tax - 0.0,
    }


def c2_guest(email):
    return {
        "id": md5(email),
        "email": "redacted@getklar.com",
        "emailHash": sha1(SALT + email.strip().lower()),
        "tags": ["customerGroupId-0"],
    }


def c2_registered(customer_id, email):
    return {
        "id": customer_id,
        "email": "redacted@getklar.com",
        "emailHash": sha1(SALT + email.strip().lower()),
        "tags": ["customerGroupId-1"],
    }


def c2_order(entity_id, increment, created, updated, financial, shipment, gateway, method,
             lines, shipping, customer, processed=None, cancelled=None, refunded=None):
    order = {
        "id": entity_id,
        "createdAt": created,
        "updatedAt": updated,
    }
    if processed is not None:
        order["processedAt"] = processed
    # getClosedAt: the "closed" status-history entry, else 0 (always sent).
    order["closedAt"] = 0
    if cancelled is not None:
        order["cancelledAt"] = cancelled
    order.update({
        "currencyCodeIso3Letter": "EUR",
        "financialStatus": financial,
        "shipmentStatus": shipment,
        "paymentGatewayName": gateway,
        "paymentMethodName": method,
        "orderName": f"Main Website Store - Order #{increment}",
        "orderNumber": increment,
        "lineItems": lines,
        "refundedLineItems": refunded or [],
        "shipping": shipping,
        "customer": customer,
        "optionalIdentifiers": {"googleAnalyticsTransactionId": increment},
    })
    return order


def build_c2():
    orders = []

    # 0: 10 % coupon, sales rule created by a data patch: description NULL → "descriptor": null.
    q = 2
    disc = 59.95 * 0.10  # by_percent: price_incl_tax × pct, per unit
    row_disc = php_round(59.95 * q * 0.10)  # Magento's item discount_amount 11.99
    tax = magento_tax(59.95 * q - row_disc, 19)  # 17.23
    lines = [c2_line("1101", "Leinenhemd Classic", "311", "LH-CL-42", 59.95, 59.95, q,
                     [c2_tax("DE-19", 19, tax, q)],
                     [{"title": "Newsletter 10 %", "descriptor": None, "isVoucher": True,
                       "voucherCode": "WELCOME10", "discountAmount": disc}],
                     php_round(59.95 * q), 21.4, 0.35)]
    orders.append(c2_order("1001", "000001001", T0, T0 + 86400, "paid", "shipped", "paypal_express",
                           "PayPal Express Checkout", lines, c2_shipping(4.95, 0.79),
                           c2_guest("anna.schmidt@example.com"), processed=T0 + 86400))

    # 1: configurable on special price: original_price 129.95, sold at 99.95.
    tax = magento_tax(99.95, 19)  # 15.96
    pr = 129.95 - 99.95  # synthetic "Price Reduction" = original_price − price_incl_tax
    lines = [c2_line("1102", "Winterjacke Alpin", "412", "WJ-ALPIN-NAVY-M", 99.95, 129.95, 1,
                     [c2_tax("DE-19", 19, tax, 1)],
                     [{"title": "Price Reduction", "discountAmount": pr}],
                     99.95, 41.5, 1.2, variant=("Winterjacke Alpin Navy M", "WJ-ALPIN-NAVY-M"))]
    orders.append(c2_order("1002", "000001002", T0 + 3600, T0 + 90000, "paid", "shipped", "stripe_payments",
                           "Kreditkarte", lines, c2_shipping(0.0, 0.0, city="München", region="Bayern", zip_code="80331"),
                           c2_registered("1842", "jonas.weber@example.com"), processed=T0 + 90000))

    # 2: dynamic bundle "Pflege-Set" (qty 1): 2 × Shampoo 8.95, 1 × Spülung 12.95; automatic
    # rule "Sommer-Sale 10 %" (no coupon) on the constituents.
    sh_q, sp_q = 2, 1
    sh_disc, sp_disc = 8.95 * 0.10, 12.95 * 0.10
    sh_tax = magento_tax(8.95 * sh_q - php_round(8.95 * sh_q * 0.10), 19)  # 2.57
    sp_tax = magento_tax(12.95 * sp_q - php_round(12.95 * sp_q * 0.10), 19)
    rule = {"title": "Sommer-Sale 10 %", "descriptor": "10 % auf Pflegeprodukte im Juni",
            "isVoucher": False}
    shampoo = c2_line("1104", "Shampoo Mild 250 ml", "520", "SH-MILD-250", 8.95, 8.95, sh_q,
                      [c2_tax("DE-19", 19, sh_tax, sh_q)], [dict(rule, discountAmount=sh_disc)],
                      php_round(8.95 * sh_q), 2.1, 0.28)
    spuelung = c2_line("1105", "Spülung Repair 200 ml", "521", "SP-REP-200", 12.95, 12.95, sp_q,
                       [c2_tax("DE-19", 19, sp_tax, sp_q)], [dict(rule, discountAmount=sp_disc)],
                       php_round(12.95 * sp_q), 3.05, 0.23)
    children = [shampoo, spuelung]
    parent = c2_line("1103", "Pflege-Set Haar", "519", "SET-HAAR", 30.85, 30.85, 1, [], [], 30.85, 0.0, 0.0)
    # Parent filled as docs/klar-api.md §12 describes: Bundle Discount = Σ children per-unit discounts (not
    # × child qty) + the parent's own rules at 0; taxes merged by title as Σ child tax × child
    # qty; weight and both totals = Σ children.
    parent["discounts"] = [{"title": "Bundle Discount", "discountAmount": sh_disc + sp_disc},
                           dict(rule, discountAmount=0)]
    parent["taxes"] = [{"title": "DE-19", "taxRate": 0.19,
                        "taxAmount": shampoo["taxes"][0]["taxAmount"] * sh_q
                        + spuelung["taxes"][0]["taxAmount"] * sp_q}]
    parent["productShippingWeightInGrams"] = sum(c["productShippingWeightInGrams"] for c in children)
    parent["totalAmountBeforeTaxesAndDiscounts"] = sum(c["totalAmountBeforeTaxesAndDiscounts"] for c in children)
    parent["totalAmountAfterTaxesAndDiscounts"] = sum(c["totalAmountAfterTaxesAndDiscounts"] for c in children)
    parent["bundledProducts"] = children
    orders.append(c2_order("1003", "000001003", T0 + 7200, T0 + 7260, "paid", "not_shipped", "paypal_express",
                           "PayPal Express Checkout", [parent], c2_shipping(4.95, 0.79),
                           c2_guest("lea.mueller@example.com")))

    # 3: partial refund: 1 of 3 T-Shirts refunded (credit memo). Shipping region is NULL in the
    # address (German addresses have none): "provinceOrState": null.
    ts_q, so_q = 3, 2
    ts_tax = magento_tax(19.95 * ts_q, 19)  # 9.56
    so_tax = magento_tax(7.95 * so_q, 19)  # 2.54
    lines = [
        c2_line("1106", "T-Shirt Basic Weiß", "601", "TS-BAS-W-L", 19.95, 19.95, ts_q,
                [c2_tax("DE-19", 19, ts_tax, ts_q)], [], php_round(19.95 * ts_q), 6.2, 0.18),
        c2_line("1107", "Sneakersocken 3er", "602", "SO-SNK-3-39", 7.95, 7.95, so_q,
                [c2_tax("DE-19", 19, so_tax, so_q)], [], php_round(7.95 * so_q), 2.3, 0.09),
    ]
    refunded = [{"id": "1106", "lineItemId": "1106", "refundedQuantity": 1.0, "createdAt": T0 + 7 * 86400}]
    orders.append(c2_order("1004", "000001004", T0 + 10800, T0 + 7 * 86400, "partially_refunded", "shipped",
                           "checkmo", "Rechnung", lines, c2_shipping(4.95, 0.79, region=None, city="Hamburg", zip_code="20095"),
                           c2_registered("2077", "tim.becker@example.com"), processed=T0 + 2 * 86400,
                           refunded=refunded))

    # 4: cancelled before payment (bank transfer, no method_title → "-"): cancelledAt =
    # updated_at; nothing paid → "pending"; not closed → closedAt 0.
    tax = magento_tax(24.95, 19)  # 3.98
    lines = [c2_line("1108", "Kaschmirschal Grau", "705", "KS-GR", 24.95, 24.95, 1,
                     [c2_tax("DE-19", 19, tax, 1)], [], 24.95, 9.8, 0.15)]
    orders.append(c2_order("1005", "000001005", T0 + 14400, T0 + 5 * 86400, "pending", "not_shipped",
                           "banktransfer", "-", lines, c2_shipping(4.95, 0.79),
                           c2_guest("m.krause@example.com"), cancelled=T0 + 5 * 86400))

    # 5: cart-wide 5 EUR coupon (cart_fixed) + two free gifts (custom price 0).
    lb_q = 3
    # cart_fixed rules get 0, then the item's remaining discount_amount (5.00) is spread evenly
    # over the units, rounded to 4 decimals: round(5.00 / 3, 4) = 1.6667.
    lb_disc = php_round(5.00 / lb_q, 4)
    lb_tax = magento_tax(7.95 * lb_q - 5.00, 19)  # 3.01
    gift_q = 2
    lines = [
        c2_line("1109", "Lippenbalsam Honig", "810", "LB-HON", 7.95, 7.95, lb_q,
                [c2_tax("DE-19", 19, lb_tax, lb_q)],
                [{"title": "5 EUR Gutschein", "descriptor": "5 EUR Rabatt ab 20 EUR Bestellwert",
                  "isVoucher": True, "voucherCode": "FUENF", "discountAmount": lb_disc}],
                php_round(7.95 * lb_q), 1.9, 0.02),
        # The gift: price_incl_tax 0 → productGmv falls back to original_price 9.95, while
        # row_total_incl_tax (the before-total) is 0. Tax row present with amount 0.
        c2_line("1110", "Handcreme Probiergröße (Geschenk)", "811", "HC-MINI", 0.0, 9.95, gift_q,
                [c2_tax("DE-19", 19, 0.0, gift_q)], [], 0.0, 0.0, 0.03),
    ]
    orders.append(c2_order("1006", "000001006", T0 + 18000, T0 + 86400, "paid", "shipped", "paypal_express",
                           "PayPal Express Checkout", lines, c2_shipping(4.95, 0.79),
                           c2_guest("sophie.wagner@example.com"), processed=T0 + 86400))
    write("07.2025/c2-orders.json", orders)


# ---------------------------------------------------------------------------------------------
# C2old: ltd-iconcept/magento2-klar (ICT_Klar 1.0.18), API 12.2022. docs/klar-api.md §14.2, §14.4 item 3.
# ---------------------------------------------------------------------------------------------

def c2old_line(item_id, name, product_id, sku, original_price, price_excl_tax, qty, discount_row,
               discounts, weight_kg, cogs):
    q = float(qty)
    disc_unit = discount_row / q
    # TaxesBuilder: tax per unit = (price excl. tax − VAT-inclusive discount / qty) × rate.
    tax_unit = (price_excl_tax - disc_unit) * 0.19
    taxes = [{"title": "DE-19", "taxRate": 0.19, "taxAmount": tax_unit}]
    # after = Q×GMV + round(tax × Q, 2) − Σ disc × Q (the sign bug of 2c0bd8c).
    after = original_price * q
    for t in taxes:
        after += php_round(t["taxAmount"] * q, 2)
    for d in discounts:
        after -= d["discountAmount"] * q
    return {
        "id": item_id, "productName": name, "productId": product_id,
        "productCogs": cogs, "productGmv": original_price,
        # getWeightInGrams only converts in the lbs branch: 0 for a kg store.
        "productShippingWeightInGrams": 0.0, "sku": sku, "quantity": q,
        "discounts": discounts, "taxes": taxes,
        "totalAmountBeforeTaxesAndDiscounts": original_price * q,
        "totalAmountAfterTaxesAndDiscounts": after,
    }


def c2old_order(entity_id, increment, created, financial, shipment, lines, customer, refunded=None):
    return {
        "id": entity_id, "createdAt": created, "updatedAt": created + 86400,
        # Sent on every order; 0 unless cancelled.
        "cancelledAt": 0,
        "currencyCodeIso3Letter": "EUR", "financialStatus": financial, "shipmentStatus": shipment,
        "paymentGatewayName": "paypal_express", "paymentMethodName": "PayPal Express Checkout",
        "orderName": f"Main Website Store - Order #{increment}", "orderNumber": increment,
        "lineItems": lines, "refundedLineItems": refunded or [],
        "shipping": {
            "city": "Köln", "countryCodeIso3Letter": "DEU", "countryCodeIso2Letter": "DE",
            "currencyCodeIso3Letter": "EUR", "zipOrPostalCode": "50667",
            "providerDescriptor": "DHL Paket - Standardversand",
            "shippingTotalAmountBeforeTaxAndDiscounts": 4.95, "discounts": [],
            "taxes": [{"title": "DE-19", "taxRate": 0.19, "taxAmount": 0.79}],
            "shippingTotalAmountAfterTaxAndDiscounts": 4.95 - 0.79 - 0.0,
        },
        "customer": customer,
        "optionalIdentifiers": {"googleAnalyticsTransactionId": increment},
    }


def build_c2old():
    # Email sending off: every guest is md5("redacted@getklar.com") (hash of the email *sent*).
    guest = {"id": hashlib.md5(b"redacted@getklar.com").hexdigest(), "email": "redacted@getklar.com",
             "emailHash": sha1(SALT + "redacted@getklar.com")}
    orders = [
        c2old_order("2001", "000002001", T0, "paid", "shipped", [
            c2old_line("2101", "Leinenhemd Classic", "311", "LH-CL-42", 59.95, 50.38, 2, 0.0, [], 0.35, 21.4),
        ], guest),
        c2old_order("2002", "000002002", T0 + 3600, "paid", "not_shipped", [
            c2old_line("2102", "Strickmütze Wolle", "318", "SM-WO-GR", 24.95, 20.97, 1, 2.50,
                       [{"title": "Newsletter 10 %", "descriptor": None, "isVoucher": True,
                         "voucherCode": "WELCOME10", "discountAmount": 2.5}], 0.12, 7.9),
        ], guest),
        c2old_order("2003", "000002003", T0 + 7200, "partially_refunded", "shipped", [
            c2old_line("2103", "T-Shirt Basic Weiß", "601", "TS-BAS-W-L", 19.95, 16.76, 3, 0.0, [], 0.18, 6.2),
            c2old_line("2104", "Sneakersocken 3er", "602", "SO-SNK-3-39", 7.95, 6.68, 2, 0.0, [], 0.09, 2.3),
        ], {"id": "2077", "email": "redacted@getklar.com", "emailHash": sha1(SALT + "tim.becker@example.com")},
            refunded=[{"id": "2103", "lineItemId": "2103", "refundedQuantity": 1.0, "createdAt": T0 + 7 * 86400}]),
    ]
    write("12.2022/c2old-orders.json", orders)


# ---------------------------------------------------------------------------------------------
# C1: placeholder-tech/klar-magento-1 (Klar_DataSync), API 12.2022. docs/klar-api.md §14.2.
# ---------------------------------------------------------------------------------------------

def c1_line(item_id, name, product_id, sku, original_price, price_incl_tax, qty, discounts, cogs):
    q = float(qty)
    disc_unit = sum(d["discountAmount"] for d in discounts)
    # Taxesbuilder: per unit (priceInclTax − disc/qty... here the per-unit discount) × r/(1+r),
    # one row per rate, unrounded.
    tax_unit = (price_incl_tax - disc_unit) * 0.19 / 1.19
    taxes = [{"title": "DE-19", "descriptor": "", "taxRate": 0.19, "taxAmount": tax_unit}]
    after = original_price * q
    for t in taxes:
        after -= php_round(t["taxAmount"] * q, 2)
    for d in discounts:
        after -= d["discountAmount"] * q
    return {
        "id": item_id, "productName": name, "productId": product_id,
        "productCogs": cogs, "productGmv": original_price,
        # getWeightInGrams multiplies the 0.00 initialiser, not the weight: always 0.
        "productShippingWeightInGrams": 0.0,
        "sku": sku, "quantity": q, "discounts": discounts, "taxes": taxes,
        "totalAmountBeforeTaxesAndDiscounts": original_price * q,
        "totalAmountAfterTaxesAndDiscounts": after or 0.0,
    }


def c1_order(entity_id, increment, created, financial, shipment, lines, shipping_incl, shipping_tax,
             customer, cancelled=0, refunded=None):
    return {
        "id": entity_id, "createdAt": created, "updatedAt": created + 86400,
        # Both sent on every order, 0 unless set.
        "closedAt": 0, "cancelledAt": cancelled,
        "currencyCodeIso3Letter": "EUR", "financialStatus": financial, "shipmentStatus": shipment,
        "paymentGatewayName": "paypal_standard", "paymentMethodName": "PayPal",
        "orderName": f"Main Website - Order #{increment}", "orderNumber": increment,
        "lineItems": lines, "refundedLineItems": refunded or [],
        "shipping": {
            "city": "Leipzig", "provinceOrState": "Sachsen", "countryCodeIso3Letter": "DEU",
            "countryCodeIso2Letter": "DE", "zipOrPostalCode": "04109",
            "currencyCodeIso3Letter": "EUR", "providerDescriptor": "Versandkostenpauschale",
            "shippingTotalAmountBeforeTaxAndDiscounts": shipping_incl,
            "discounts": [],
            # buildForShipping builds a Tax object, then returns [].
            "taxes": [],
            # after = shipping_incl_tax − shipping_tax_amount − shipping_discount_amount (order fields)
            "shippingTotalAmountAfterTaxAndDiscounts": shipping_incl - shipping_tax - 0.0,
        },
        "customer": customer,
        "optionalIdentifiers": {"googleAnalyticsTransactionId": increment},
    }


def build_c1():
    orders = [
        c1_order("3001", "100003001", T0, "paid", "shipped", [
            c1_line("3101", "Leinenhemd Classic", "311", "LH-CL-42", 49.90, 49.90, 1,
                    [{"title": "Sommer 10 %", "descriptor": "10 % auf alles", "isVoucher": True,
                      "voucherCode": "SOMMER10", "discountAmount": 4.99}], 18.0),
        ], 4.95, 0.79, {"id": md5("anna.schmidt@example.com"), "email": "anna.schmidt@example.com",
                        "emailHash": sha1(SALT + "anna.schmidt@example.com")}),
        c1_order("3002", "100003002", T0 + 3600, "partially_refunded", "shipped", [
            c1_line("3102", "T-Shirt Basic Weiß", "601", "TS-BAS-W-L", 19.95, 19.95, 3, [], 6.2),
            c1_line("3103", "Sneakersocken 3er", "602", "SO-SNK-3-39", 7.95, 7.95, 2, [], 2.3),
        ], 4.95, 0.79, {"id": "88", "email": "tim.becker@example.com",
                        "emailHash": sha1(SALT + "tim.becker@example.com")},
            refunded=[{"id": "3102", "lineItemId": "3102", "refundedQuantity": 1.0, "createdAt": T0 + 7 * 86400}]),
        # Cancelled, unpaid; the cart-wide 5 EUR coupon became "Other Discount" (code lost).
        c1_order("3003", "100003003", T0 + 7200, "pending", "not_shipped", [
            c1_line("3104", "Kaschmirschal Grau", "705", "KS-GR", 24.95, 24.95, 1,
                    [{"title": "Other Discount", "discountAmount": 5.0}], 9.8),
        ], 0.0, 0.0, {"id": md5("m.krause@example.com"), "email": "m.krause@example.com",
                      "emailHash": sha1(SALT + "m.krause@example.com")}, cancelled=T0 + 3 * 86400),
    ]
    write("12.2022/c1-orders.json", orders)


# ---------------------------------------------------------------------------------------------
# Klar's help centre: Order Example #1 and #2, COGS, logistics costs, refunds. docs/klar-api.md §11.2, §10.
# ---------------------------------------------------------------------------------------------

def build_help_centre():
    customer = {"id": "42aa80d6441bc1b95a8d9009276b2778", "email": "john.doe@example.com",
                "emailHash": "eb806831a426492e644c29ca6db282b40cf8f07f",
                "isNewsletterSubscriberAtTimeOfCheckout": True, "tags": ["vip", "subscriber"]}
    voucher = {"title": "5 € off order", "descriptor": "", "target": "", "isVoucher": True,
               "voucherCode": "WELCOME5", "voucherType": "New Customers", "discountAmount": 0.63}
    sweets = {"title": "10% off sweets", "descriptor": "", "target": "", "isVoucher": False,
              "voucherCode": "", "voucherType": "CRM", "discountAmount": 0.35}
    vat7 = {"title": "VAT 7%", "descriptor": "", "taxRate": 0.07}
    shipping = {"city": "Munich", "provinceOrState": "Bayern", "countryCodeIso3Letter": "DEU",
                "countryCodeIso2Letter": "DE", "currencyCodeIso3Letter": "EUR",
                "zipOrPostalCode": "80331", "providerDescriptor": "DHL",
                "shippingTotalAmountBeforeTaxAndDiscounts": 4.99, "discounts": [],
                "taxes": [{"title": "VAT 19%", "descriptor": "", "taxRate": 0.19, "taxAmount": 0.80}],
                "shippingTotalAmountAfterTaxAndDiscounts": 4.19, "totalLogisticsCosts": 3.13}
    ex1 = {
        "id": "2312231241", "createdAt": 1678376546, "updatedAt": 1678376546,
        "currencyCodeIso3Letter": "EUR", "financialStatus": "paid", "shipmentStatus": "shipped",
        "paymentGatewayName": "paypal", "paymentMethodName": "PayPal",
        "lineItems": [
            {"id": "5234123423", "productName": "Cadbury Dairy Milk", "productId": "A-2344234230-B",
             "productVariantName": "Cadbury Dairy Milk 110g", "productVariantId": "134",
             "productBrand": "Cadbury", "productCollection": "Food > Sweets", "productCogs": 1.50,
             "productGmv": 3.50, "productShippingWeightInGrams": 120, "sku": "A-123-797-C",
             "quantity": 2, "productTags": ["food", "sweets"],
             "discounts": [voucher, sweets], "taxes": [dict(vat7, taxAmount=0.16)],
             "totalAmountBeforeTaxesAndDiscounts": 7.0, "totalAmountAfterTaxesAndDiscounts": 4.71,
             "totalLogisticsCosts": 0},
            # Assumed: the other 6 units the 5 € voucher is spread over (0.63 × 8 = 5.04).
            {"id": "5234123424", "productName": "Haribo Goldbären", "productId": "A-2344234231-B",
             "productBrand": "Haribo", "productCollection": "Food > Sweets", "productCogs": 0.80,
             "productGmv": 1.99, "productShippingWeightInGrams": 200, "sku": "A-123-798-C",
             "quantity": 6, "productTags": ["food", "sweets"],
             "discounts": [voucher], "taxes": [dict(vat7, taxAmount=0.09)],
             "totalAmountBeforeTaxesAndDiscounts": 11.94, "totalAmountAfterTaxesAndDiscounts": 7.63,
             "totalLogisticsCosts": 0},
        ],
        "refundedLineItems": [],
        "shipping": shipping, "customer": customer,
    }
    ex2 = {
        "id": "2312231242", "createdAt": 1678376546, "updatedAt": 1678376546,
        "currencyCodeIso3Letter": "EUR", "financialStatus": "partially_refunded",
        "shipmentStatus": "shipped", "paymentGatewayName": "stripe", "paymentMethodName": "Credit Card",
        "lineItems": [
            {"id": "5234123423", "productName": "Cadbury Dairy Milk", "productId": "A-2344234230-B",
             "productBrand": "Cadbury", "productCogs": 1.50, "productGmv": 3.50,
             "productShippingWeightInGrams": 120, "sku": "A-123-797-C", "quantity": 2,
             "productTags": ["food", "beverages", "with_deposit"], "discounts": [],
             "taxes": [dict(vat7, taxAmount=0.23)],
             "totalAmountBeforeTaxesAndDiscounts": 7.0, "totalAmountAfterTaxesAndDiscounts": 6.54,
             "totalLogisticsCosts": 0},
            # The doc's second line reuses the first line's id (docs/klar-api.md §15 item 7).
            {"id": "5234123423", "productName": "Free sample", "productId": "A-2344234299-B",
             "productGmv": 0, "sku": "A-123-799-C", "quantity": 1, "productTags": ["free_item"],
             "discounts": [], "taxes": [dict(vat7, taxAmount=0)],
             "totalAmountBeforeTaxesAndDiscounts": 0, "totalAmountAfterTaxesAndDiscounts": 0,
             "totalLogisticsCosts": 0},
        ],
        "refundedLineItems": [
            {"id": "A-1231234-B-42342342-C", "lineItemId": "5234123423", "reasonDescriptor": "too_small",
             "refundedQuantity": 1, "createdAt": 1678462946},
        ],
        "shipping": dict(shipping), "customer": customer,
    }
    write("12.2022/klar-help-centre-orders.json", [ex1, ex2])

    # COGS example [D:9346938] made valid JSON (quoted keys, no trailing comma); its
    # `lineItemid` (lower-case d) kept: that is the doc's own mistake (docs/klar-api.md §15 item 6).
    write("12.2022/cogs.json", {"items": [
        {"orderId": "2312231241", "lineItemId": "5234123423", "productCogs": 17.33},
        {"orderId": "2312231241", "lineItemid": "5234123424", "productCogs": 4.8},
        {"orderId": "2312231242", "sku": "34123-243234-2342342", "productCogs": 17.33},
    ]})
    # Logistics costs example [D:9346932] under 04.2024, the version the doc page uses.
    write("04.2024/logistics-costs.json", {"items": [
        {"orderId": "ABCDEF", "totalLogisticsCosts": 6.90},
        {"orderId": "2312231241", "totalLogisticsCosts": 0},
        {"orderId": "2312231242", "totalLogisticsCosts": 99.99},
    ]})
    # Refunds [D:9345948]: a partial refund (1 of 2 units) and a cancelled refund ([]).
    write("12.2022/refunds.json", [
        {"id": "2312231242", "createdAt": 1678462946, "updatedAt": 1678462946, "lineItems": [
            {"id": "A-1231234-B-42342342-C", "lineItemId": "5234123423", "reasonDescriptor": "too_small",
             "refundedQuantity": 1, "createdAt": 1678462946, "processedAt": 1678549346},
        ]},
        {"id": "ABC-12345678-XYZ", "createdAt": 1678376546, "updatedAt": 1678549346, "lineItems": []},
    ])


# ---------------------------------------------------------------------------------------------
# Magebit: placeholder-tech/magento2-magebit-klar (overrides of ICT_Klar's line, discount and tax
# builders, wired by the integrator), API 12.2022. docs/klar-api.md §14.2, §14.4 item 7.
# ---------------------------------------------------------------------------------------------

def mb_line(item_id, name, product_id, sku, original_price, price_incl_tax, qty, item_discount,
            item_tax, coupon_percent=None, coupon=None, has_tax_row=True, variant=None):
    q = int(qty)  # (int)getQtyOrdered()
    # Discounts: the item's discount_amount / qty, or original_price × qty for a zero price.
    remaining = item_discount / q
    if price_incl_tax == 0.0:
        remaining = original_price * q
    discounts = []
    if remaining and coupon:
        # Only specific-coupon rules; by_percent = price_incl_tax × pct, then / qty again.
        amount = price_incl_tax * (coupon_percent / 100)
        if amount > 0:
            amount = amount / q
        discounts.append(dict(coupon, discountAmount=amount))
        if amount > 0:
            remaining -= amount
    if remaining > 0.02:
        discounts.append({"title": "Price Reduction", "descriptor": "Special price discount",
                          "discountAmount": remaining})
    # Taxes: recomputed from original_price − discount_amount / qty as price × r / (1 + r).
    taxes = []
    if has_tax_row:
        item_price = original_price - item_discount / q
        taxes.append({"title": "DE-19", "taxRate": 0.19, "taxAmount": item_price - item_price / (1 + 0.19)})
    # Line discount for the after-total: the item's discount_amount, or original_price × qty.
    line_discount = original_price * q if price_incl_tax == 0.0 else item_discount
    before = original_price * q
    line = {"id": item_id, "productName": name, "productId": product_id}
    if variant:
        line["productVariantName"], line["productVariantId"] = variant
    line.update({
        "productCollection": "Bekleidung",
        "productCogs": 0.0, "productGmv": original_price,
        # kg store: only the lbs branch sets the weight.
        "productShippingWeightInGrams": 0.0,
        "sku": sku, "quantity": q, "discounts": discounts, "taxes": taxes,
        "totalAmountBeforeTaxesAndDiscounts": before,
        "totalAmountAfterTaxesAndDiscounts": before - item_tax - line_discount,
    })
    return line


def build_magebit():
    guest = {"id": hashlib.md5(b"redacted@getklar.com").hexdigest(), "email": "redacted@getklar.com",
             "emailHash": sha1(SALT + "redacted@getklar.com")}
    coupon = {"title": "Newsletter 10 %", "descriptor": "10 % für Newsletter-Abonnenten",
              "isVoucher": True, "voucherCode": "WELCOME10"}
    orders = [
        # A configurable product: the parent line and its child (price 0) both sent.
        c2old_order("4001", "000004001", T0, "paid", "shipped", [
            mb_line("4101", "Winterjacke Alpin", "412", "WJ-ALPIN-NAVY-M", 99.95, 99.95, 1, 0.0,
                    magento_tax(99.95, 19), variant=("Winterjacke Alpin Navy M", "WJ-ALPIN-NAVY-M")),
            mb_line("4102", "Winterjacke Alpin Navy M", "413", "WJ-ALPIN-NAVY-M", 0.0, 0.0, 1, 0.0, 0.0,
                    has_tax_row=False),
        ], guest),
        # 10 % coupon on 2 units: the rule amount is divided by qty again, the rest of the
        # item discount becomes "Price Reduction".
        c2old_order("4002", "000004002", T0 + 3600, "paid", "not_shipped", [
            mb_line("4103", "Strickmütze Wolle", "318", "SM-WO-GR", 24.95, 24.95, 2,
                    php_round(24.95 * 2 * 0.10), magento_tax(24.95 * 2 - php_round(24.95 * 2 * 0.10), 19),
                    coupon_percent=10, coupon=coupon),
        ], guest),
        # A free gift (custom price 0, original_price 9.95) next to a paid item.
        c2old_order("4003", "000004003", T0 + 7200, "paid", "shipped", [
            mb_line("4104", "T-Shirt Basic Weiß", "601", "TS-BAS-W-L", 19.95, 19.95, 1, 0.0,
                    magento_tax(19.95, 19)),
            mb_line("4105", "Handcreme Probiergröße (Geschenk)", "811", "HC-MINI", 9.95, 0.0, 2, 0.0, 0.0),
        ], guest),
    ]
    write("12.2022/magebit-orders.json", orders)


if __name__ == "__main__":
    build_c2()
    build_c2old()
    build_c1()
    build_magebit()
    build_help_centre()
