"""Write the gallery of fake customer exports (no real data) that the workbook must run end to end.

Four exports, each shaped like a different real-world CRM/ERP export, each read through its own
mapping YAML in this folder (committed; the exports themselves are generated and git-ignored):

=========================  ===================================================================
``european.yaml``          German-style shop export: ``;``, decimal comma, ``€1.249,00`` prices,
                           day-first ``dd.mm.yyyy`` dates, UTF-8 BOM, ids like ``12345.0``, EUR
                           kept in EUR, six countries, customer attributes, status-column returns.
``single_country_product``  One country (Sweden), one stock code (coffee beans in variants),
                           SEK, ISO dates, refunds as negative quantities on the order.
``one_year_no_attributes`` Twelve months only, no country column, no customer attributes, GBP,
                           Online-Retail-style ``C`` cancellations.
``b2b_few_large``          42 business accounts ordering hundreds of units, often; USD prices like
                           ``$1,234.50``, US dates ``mm/dd/yyyy`` without time, credit memos
                           ``CM-…``.
=========================  ===================================================================

Customers buy like real ones (the BG/NBD story): each arrives at some day, buys at a personal
rate (gamma across customers, Poisson in time) until an exponential lifetime ends. Orders hold
several distinct products chosen by popularity; a few are returned later. Everything is drawn
from one seeded ``numpy`` generator per export, so the files are byte-identical on every run.

    .venv/bin/python examples/gallery/make_gallery.py                 # -> examples/gallery/
    .venv/bin/python examples/gallery/make_gallery.py --out /tmp/gal  # exports + mapping copies

With ``--out`` elsewhere, the committed mappings are copied next to the exports (their
``source.path`` is relative to the mapping's folder), so ``DIR/<name>.yaml`` is ready to use.
A ``manifest.json`` lists each export's file, lines, customers, currency and SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
MAX_LINES = 30_000
"""Every export stays at or below this many lines (a whole-workbook run takes about a minute)."""


# --------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class Buying:
    """How a population of customers buys.

    Attributes
    ----------
    n_customers
        Customers drawn.
    start, days
        First day of the export and its length in days.
    rate_per_year, rate_shape
        Mean repeat-purchase rate (orders per year) and the gamma shape of its spread across
        customers (small shape = very unequal customers).
    mean_life_days
        Mean of the exponential active lifetime after the first order (churn).
    share_present_at_start
        Customers already active on day 0 (the rest arrive uniformly during the export).
    """

    n_customers: int
    start: str
    days: int
    rate_per_year: float
    rate_shape: float
    mean_life_days: float
    share_present_at_start: float = 0.15


def simulate_orders(rng: np.random.Generator, b: Buying) -> pd.DataFrame:
    """One row per order: ``cust`` (0-based customer index) and ``day`` (float day offset),
    sorted by time. Every customer orders at least once."""
    n = b.n_customers
    present = rng.random(n) < b.share_present_at_start
    arrive = np.where(present, 0.0, rng.uniform(0, b.days - 14, n))
    leave = np.minimum(arrive + rng.exponential(b.mean_life_days, n) + 7, b.days - 1e-3)
    rate = rng.gamma(b.rate_shape, b.rate_per_year / b.rate_shape, n)
    repeats = rng.poisson(rate * (leave - arrive) / 365.0)
    cust = np.repeat(np.arange(n), repeats + 1)
    first = np.zeros(len(cust), dtype=bool)
    first[np.concatenate(([0], np.cumsum(repeats + 1)[:-1]))] = True
    lo, hi = arrive[cust], leave[cust]
    day = np.where(first, lo, rng.uniform(lo, hi))
    out = pd.DataFrame({"cust": cust, "day": day})
    return out.sort_values(["day", "cust"], kind="mergesort").reset_index(drop=True)


def timestamps(
    rng: np.random.Generator, start: str, day: np.ndarray, hours: np.ndarray, weekdays_only: bool
) -> pd.Series:
    """Order timestamps: the day, a time of day drawn from the hour profile ``hours`` (24
    weights), optionally moved off weekends (to the next Monday)."""
    days = np.floor(day).astype(int)
    base = pd.Timestamp(start) + pd.to_timedelta(days, unit="D")
    if weekdays_only:
        wd = base.dayofweek.to_numpy()
        shift = np.where(wd >= 5, 7 - wd, 0)
        base = base + pd.to_timedelta(shift, unit="D")
    hour = rng.choice(24, len(day), p=hours / hours.sum())
    minute = rng.integers(0, 60, len(day))
    return pd.Series(base + pd.to_timedelta(hour * 60 + minute, unit="m"))


def by_time(orders: pd.DataFrame, ts: pd.Series) -> pd.DataFrame:
    """Orders with their timestamp ``ts``, in time order (so order numbers grow with time)."""
    out = orders.assign(ts=ts.to_numpy())
    return out.sort_values(["ts", "cust"], kind="mergesort").reset_index(drop=True)


def popularity(rng: np.random.Generator, n: int, skew: float = 0.9) -> np.ndarray:
    """Product choice weights: Zipf-like by a shuffled rank."""
    w = 1.0 / (rng.permutation(n) + 1.0) ** skew
    return w / w.sum()


def pick_products(
    rng: np.random.Generator, n_lines: np.ndarray, weights: np.ndarray
) -> list[np.ndarray]:
    """Distinct product indices per order (no product twice on one invoice)."""
    n = len(weights)
    return [rng.choice(n, min(int(k), n), replace=False, p=weights) for k in n_lines]


def hour_profile(peaks: list[tuple[int, int, float]]) -> np.ndarray:
    """24 hourly weights from (first hour, last hour, weight) blocks."""
    h = np.zeros(24)
    for a, z, w in peaks:
        h[a : z + 1] += w
    return h


def eu_money(x: float) -> str:
    """``1249.0`` -> ``€1.249,00`` (thousands dot, decimal comma, euro sign)."""
    s = f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"€{s}"


# --------------------------------------------------------------------------- (a) European
EU_PRODUCTS = [
    ("Espressotasse Porzellan 2er-Set", 12.90),
    ("Cappuccinotasse Steingut", 8.50),
    ("Kaffeebecher Thermo 350 ml", 19.95),
    ("Milchkännchen Edelstahl", 14.20),
    ("Crème-Brûlée-Förmchen 4er", 16.80),
    ("Küchenwaage digital", 24.99),
    ("Entkalker 500 ml", 6.49),
    ("Filterpapier Gr. 4, 100 Stk.", 3.20),
    ("Kaffeebohnen Crema 1 kg", 17.90),
    ("Kaffeebohnen Espresso 1 kg", 18.90),
    ("Tee Earl Grey 100 g", 5.40),
    ("Tee Rooibos Vanille 100 g", 5.90),
    ("Wasserkocher Glas 1,7 l", 39.90),
    ("Handmühle Keramik", 44.00),
    ("French Press 1 l", 29.50),
    ("Siebträger-Tamper 58 mm", 21.00),
    ("Milchaufschäumer elektrisch", 59.00),
    ("Kaffeevollautomat Modell S", 1249.00),
    ("Siebträgermaschine Duo", 689.00),
    ("Reinigungstabletten 40 Stk.", 11.99),
    ("Wasserfilter 3er", 27.90),
    ("Zuckerdose mit Deckel", 9.80),
    ("Servierbrett Eiche", 22.50),
    ("Geschirrtuch Leinen", 7.95),
    ("Keksdose Blech", 12.00),
    ("Latte-Macchiato-Glas 6er", 24.00),
    ("Untersetzer Kork 6er", 6.90),
    ("Thermoskanne 1 l", 34.90),
    ("Kakao Bio 250 g", 6.20),
    ("Sirup Haselnuss 700 ml", 8.90),
    ("Sirup Karamell 700 ml", 8.90),
    ("Dosierlöffel Edelstahl", 4.50),
    ("Klopfbox", 19.00),
    ("Barista-Schürze", 29.00),
    ("Gutschein-Karte Design", 2.50),
    ("Frühstücksbrettchen 4er", 18.40),
]
EU_COUNTRIES = ["Deutschland", "Österreich", "Frankreich", "Niederlande", "Belgien", "Italien"]
EU_COUNTRY_P = [0.55, 0.15, 0.10, 0.08, 0.07, 0.05]
EU_REGIONS = ["Nord", "Süd", "Ost", "West"]
EU_AGES = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
EU_GENDERS = ["w", "m", "d"]
EU_CHANNELS = ["Suchmaschine", "Newsletter", "Social Media", "Empfehlung", "Marktplatz"]


def make_european(seed: int = 101) -> pd.DataFrame:
    """German-style shop export, ~2 years, EUR."""
    rng = np.random.default_rng(seed)
    b = Buying(1700, "2023-01-02", 730, rate_per_year=2.6, rate_shape=0.9, mean_life_days=420)
    orders = simulate_orders(rng, b)
    n = b.n_customers
    cust_id = rng.choice(np.arange(10000, 99999), n, replace=False)
    country = rng.choice(EU_COUNTRIES, n, p=EU_COUNTRY_P)
    region = rng.choice(EU_REGIONS, n)
    age = rng.choice(EU_AGES, n, p=[0.08, 0.22, 0.24, 0.2, 0.16, 0.1])
    gender = rng.choice(EU_GENDERS, n, p=[0.52, 0.46, 0.02])
    channel = rng.choice(EU_CHANNELS, n)
    guest = rng.random(len(orders)) < 0.04
    ts = timestamps(
        rng,
        b.start,
        orders["day"].to_numpy(),
        hour_profile([(7, 22, 1.0), (19, 21, 1.5), (12, 13, 0.8)]),
        False,
    )
    orders = by_time(orders, ts)
    ts = orders["ts"]
    weights = popularity(rng, len(EU_PRODUCTS))
    k = 1 + rng.poisson(2.6, len(orders))
    picks = pick_products(rng, k, weights)
    rows = []
    for o, (c, t, g, prods) in enumerate(zip(orders["cust"], ts, guest, picks, strict=True)):
        inv = f"{2023000001 + o}"
        base = {
            "Belegnr": inv,
            "Belegdatum": t.strftime("%d.%m.%Y %H:%M"),
            "Kundennr": "" if g else f"{cust_id[c]}.0",
            "E-Mail": "" if g else f"kunde{cust_id[c]}@example.de",
            "Land": country[c],
            "Region": "" if g else region[c],
            "Altersgruppe": "" if g else age[c],
            "Geschlecht": "" if g else gender[c],
            "Kanal": "" if g else channel[c],
            "Status": "abgeschlossen",
        }
        lines = []
        for p in prods:
            name, price = EU_PRODUCTS[p]
            qty = 1 if price > 100 else int(1 + rng.poisson(0.8))
            lines.append(
                {
                    **base,
                    "Artikelnr": f"{400100 + p}",
                    "Artikelbezeichnung": name,
                    "Menge": qty,
                    "Stückpreis": eu_money(price),
                }
            )
        rows.extend(lines)
        if not g and rng.random() < 0.04:  # a return a few days later (credit note)
            back = t + pd.Timedelta(
                days=int(rng.integers(3, 25)), minutes=int(rng.integers(0, 600))
            )
            ln = lines[int(rng.integers(len(lines)))]
            rows.append(
                {
                    **ln,
                    "Belegnr": f"GS{inv}",
                    "Belegdatum": back.strftime("%d.%m.%Y %H:%M"),
                    "Status": rng.choice(["Retoure", "storniert"]),
                }
            )
    cols = [
        "Belegnr",
        "Belegdatum",
        "Kundennr",
        "E-Mail",
        "Artikelnr",
        "Artikelbezeichnung",
        "Menge",
        "Stückpreis",
        "Land",
        "Region",
        "Altersgruppe",
        "Geschlecht",
        "Kanal",
        "Status",
    ]
    df = pd.DataFrame(rows, columns=cols)
    order = pd.to_datetime(df["Belegdatum"], format="%d.%m.%Y %H:%M")
    return df.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


# --------------------------------------------------------------------------- (b) one country, one product
SE_VARIANTS = [
    ("Kaffebönor 500 g – mörkrost", 119.00),
    ("Kaffebönor 500 g – mellanrost", 119.00),
    ("Kaffebönor 500 g – ljusrost", 125.00),
    ("Kaffebönor 500 g – espresso", 129.00),
    ("Kaffebönor 500 g – koffeinfri", 135.00),
]
SE_CHANNELS = ["Instagram", "Google", "Vän tipsade", "Nyhetsbrev", "Podcast"]
SE_AGES = ["18-29", "30-44", "45-59", "60+"]


def make_single_country_product(seed: int = 202) -> pd.DataFrame:
    """A one-product roastery in Sweden: every line has stock code ``KAFFE-500``, SEK."""
    rng = np.random.default_rng(seed)
    b = Buying(1500, "2023-01-02", 730, rate_per_year=5.0, rate_shape=1.3, mean_life_days=360)
    orders = simulate_orders(rng, b)
    n = b.n_customers
    channel = rng.choice(SE_CHANNELS, n)
    age = rng.choice(SE_AGES, n, p=[0.2, 0.38, 0.28, 0.14])
    favourite = rng.choice(len(SE_VARIANTS), n, p=[0.35, 0.3, 0.1, 0.15, 0.1])
    ts = timestamps(
        rng, b.start, orders["day"].to_numpy(), hour_profile([(6, 23, 1.0), (20, 22, 1.2)]), False
    )
    orders = by_time(orders, ts)
    ts = orders["ts"]
    rows = []
    for o, (c, t) in enumerate(zip(orders["cust"], ts, strict=True)):
        order_id = f"{100001 + o}"
        k = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        others = [v for v in range(len(SE_VARIANTS)) if v != favourite[c]]
        variants = [int(favourite[c]), *rng.choice(others, k - 1, replace=False).tolist()]
        discounted = rng.random() < 0.12  # campaign weeks: 20 % off
        lines = []
        for v in variants:
            name, price = SE_VARIANTS[v]
            lines.append(
                {
                    "order_id": order_id,
                    "order_time": t.strftime("%Y-%m-%d %H:%M:%S"),
                    "sku": "KAFFE-500",
                    "product_name": name,
                    "qty": int(1 + rng.poisson(0.9)),
                    "unit_price": f"{price * (0.8 if discounted else 1.0):.2f}",
                    "customer": f"SE-{c + 1:06d}",
                    "country": "Sweden",
                    "signup_channel": channel[c],
                    "age_group": age[c],
                }
            )
        rows.extend(lines)
        if rng.random() < 0.03:  # refund on the same order, later, as a negative quantity
            ln = lines[0]
            back = t + pd.Timedelta(days=int(rng.integers(2, 15)), hours=int(rng.integers(0, 9)))
            rows.append(
                {**ln, "qty": -ln["qty"], "order_time": back.strftime("%Y-%m-%d %H:%M:%S")}
            )
    df = pd.DataFrame(rows)
    return df.sort_values("order_time", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- (c) one year, no attributes
PET_PRODUCTS = [
    ("Dry dog food 2kg", 11.99),
    ("Dry dog food 12kg", 44.99),
    ("Wet cat food 12x85g", 7.49),
    ("Cat litter clumping 10l", 8.99),
    ("Dog lead reflective", 12.50),
    ("Cat scratching post", 24.99),
    ("Chew toy rope", 4.25),
    ("Squeaky ball 3 pack", 5.99),
    ("Dog bed medium", 34.00),
    ("Dog bed large", 49.00),
    ("Fish flakes 100g", 3.80),
    ("Aquarium filter cartridge", 6.75),
    ("Bird seed mix 1kg", 4.60),
    ("Hamster bedding 30l", 7.20),
    ("Flea drops 3 pipettes", 15.99),
    ("Worming tablets", 9.49),
    ("Grooming brush", 8.40),
    ("Nail clippers", 6.10),
    ("Dental sticks 28", 9.99),
    ("Training treats 200g", 3.99),
    ("Cat treats salmon 60g", 1.99),
    ("Water fountain 2l", 29.99),
    ("Travel water bottle", 9.25),
    ("Poop bags 120", 4.49),
    ("Harness small", 16.99),
    ("Harness large", 19.99),
    ("Collar leather", 13.75),
    ("ID tag engraved", 6.99),
    ("Puppy pads 50", 12.99),
    ("Litter tray hooded", 19.50),
    ("Food bowl ceramic", 7.99),
    ("Slow feeder bowl", 10.99),
    ("Dog shampoo 250ml", 6.49),
    ("Cat carrier", 27.50),
    ("Rabbit hay 1kg", 5.20),
    ("Reptile heat mat", 21.99),
    ("Aquarium gravel 5kg", 8.30),
    ("Cat tunnel", 14.99),
    ("Frisbee soft", 5.49),
    ("Pet blanket fleece", 11.00),
]


def make_one_year(seed: int = 303) -> pd.DataFrame:
    """A pet-supplies shop's calendar-year export: no country, no customer attributes, GBP."""
    rng = np.random.default_rng(seed)
    b = Buying(
        1000,
        "2024-01-01",
        366,
        rate_per_year=4.5,
        rate_shape=0.8,
        mean_life_days=300,
        share_present_at_start=0.35,
    )
    orders = simulate_orders(rng, b)
    ts = timestamps(
        rng, b.start, orders["day"].to_numpy(), hour_profile([(8, 22, 1.0), (18, 21, 1.0)]), False
    )
    orders = by_time(orders, ts)
    ts = orders["ts"]
    guest = rng.random(len(orders)) < 0.03
    weights = popularity(rng, len(PET_PRODUCTS), skew=1.0)
    picks = pick_products(rng, 1 + rng.poisson(2.3, len(orders)), weights)
    rows = []
    for o, (c, t, g, prods) in enumerate(zip(orders["cust"], ts, guest, picks, strict=True)):
        inv = f"{610001 + o}"
        lines = []
        for p in prods:
            name, price = PET_PRODUCTS[p]
            lines.append(
                {
                    "Invoice": inv,
                    "SKU": f"PET{1000 + p}",
                    "Item": name,
                    "Qty": int(1 + rng.poisson(0.6 if price > 10 else 1.5)),
                    "Date": t.strftime("%Y-%m-%d %H:%M:%S"),
                    "Price": f"{price:.2f}",
                    "Customer": "" if g else f"{30001 + c}",
                }
            )
        rows.extend(lines)
        if not g and rng.random() < 0.035:  # Online-Retail-style cancellation C<invoice>
            ln = lines[int(rng.integers(len(lines)))]
            back = t + pd.Timedelta(days=int(rng.integers(0, 10)), hours=int(rng.integers(1, 9)))
            if back < pd.Timestamp("2025-01-01"):
                rows.append(
                    {
                        **ln,
                        "Invoice": f"C{inv}",
                        "Qty": -ln["Qty"],
                        "Date": back.strftime("%Y-%m-%d %H:%M:%S"),
                    }
                )
    df = pd.DataFrame(rows)
    return df.sort_values("Date", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- (d) B2B
B2B_PARTS = [
    ("BRG-6204-2RS", "Ball bearing 6204 2RS", 2.35),
    ("BRG-6205-ZZ", "Ball bearing 6205 ZZ", 2.80),
    ("BLT-M8X30", "Hex bolt M8x30 zinc (box 100)", 9.40),
    ("NUT-M8", "Hex nut M8 (box 100)", 4.10),
    ("WSH-M8", "Washer M8 (box 200)", 3.60),
    ("SEAL-40X62", "Oil seal 40x62x8", 1.95),
    ("BELT-A42", "V-belt A42", 7.85),
    ("BELT-B55", "V-belt B55", 11.20),
    ("GLV-NIT-L", "Nitrile gloves L (box 100)", 8.90),
    ("GLV-NIT-M", "Nitrile gloves M (box 100)", 8.90),
    ("LUB-EP2-400", "EP2 grease cartridge 400g", 5.25),
    ("CUT-DISC-125", "Cutting disc 125mm", 1.15),
    ("FLAP-80-125", "Flap disc 80 grit 125mm", 2.45),
    ("TAPE-PTFE", "PTFE tape 12mm", 0.85),
    ("CBL-TIE-300", "Cable ties 300mm (bag 100)", 3.30),
    ("FIL-HYD-10", "Hydraulic filter 10 micron", 38.50),
    ("HOSE-1/2-50", "Air hose 1/2in 50ft", 64.00),
    ("CPL-QD-1/4", "Quick coupler 1/4in", 4.75),
    ("MOT-0.75KW", "Electric motor 0.75kW", 189.00),
    ("PMP-CENT-2", "Centrifugal pump 2in", 455.00),
    ("SAF-GLS", "Safety glasses clear", 2.10),
    ("EAR-PLUG-200", "Ear plugs (box 200)", 21.50),
    ("MRK-PAINT-W", "Marking paint white", 6.40),
    ("ABS-PAD-100", "Absorbent pads (pack 100)", 48.00),
    ("RAG-WIPE-10", "Wiping rags 10lb", 17.60),
    ("DRL-HSS-8", "HSS drill bit 8mm", 1.70),
    ("BLD-RECIP-5", "Reciprocating saw blade (5)", 12.30),
    ("BAT-AA-24", "AA batteries (24)", 11.95),
    ("LMP-LED-T8", "LED tube T8 4ft", 6.95),
    ("FUS-10A-10", "Fuse 10A (pack 10)", 4.20),
]
B2B_COUNTRIES = ["United States", "Canada", "Mexico"]
B2B_REGIONS = {
    "United States": ["Northeast", "Midwest", "South", "West"],
    "Canada": ["Ontario", "Quebec", "Western Canada"],
    "Mexico": ["Norte", "Centro"],
}
B2B_CHANNELS = ["Field sales", "Distributor", "Trade show", "Web portal"]


def make_b2b(seed: int = 404) -> pd.DataFrame:
    """An industrial supplier's ERP export: 42 accounts, frequent large orders, USD."""
    rng = np.random.default_rng(seed)
    b = Buying(
        42,
        "2023-01-02",
        730,
        rate_per_year=32.0,
        rate_shape=2.0,
        mean_life_days=1400,
        share_present_at_start=0.6,
    )
    orders = simulate_orders(rng, b)
    n = b.n_customers
    country = rng.choice(B2B_COUNTRIES, n, p=[0.7, 0.2, 0.1])
    region = np.array([rng.choice(B2B_REGIONS[c]) for c in country])
    channel = rng.choice(B2B_CHANNELS, n, p=[0.45, 0.3, 0.1, 0.15])
    since = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 4000, n), unit="D")
    size = rng.lognormal(0.0, 0.6, n)  # account size: multiplies quantities
    ts = timestamps(
        rng, b.start, orders["day"].to_numpy(), hour_profile([(7, 17, 1.0)]), weekdays_only=True
    )
    orders = by_time(orders, ts)
    ts = orders["ts"]
    weights = popularity(rng, len(B2B_PARTS), skew=0.7)
    picks = pick_products(rng, 3 + rng.poisson(4.0, len(orders)), weights)
    rows = []
    for o, (c, t, prods) in enumerate(zip(orders["cust"], ts, picks, strict=True)):
        so = f"SO-{104001 + o}"
        lines = []
        for p in prods:
            code, desc, price = B2B_PARTS[p]
            step = 1 if price > 100 else 25
            qty = max(
                step, int(round(rng.gamma(2.0, 150.0 / (1 + price / 40)) * size[c] / step)) * step
            )
            lines.append(
                {
                    "Order Number": so,
                    "Order Date": t.strftime("%m/%d/%Y"),
                    "Item": code,
                    "Item Description": desc,
                    "Qty Ordered": qty,
                    "Unit Price": f"${price:,.2f}",
                    "Account ID": f"ACCT-{c + 1:04d}",
                    "Ship Country": country[c],
                    "Sales Region": region[c],
                    "Channel": channel[c],
                    "Customer Since": since[c].strftime("%m/%d/%Y"),
                }
            )
        rows.extend(lines)
        if rng.random() < 0.05:  # credit memo for part of one line, a week or two later
            ln = lines[int(rng.integers(len(lines)))]
            back = t + pd.Timedelta(days=int(rng.integers(5, 20)))
            part = ln["Qty Ordered"] if rng.random() < 0.5 else max(1, ln["Qty Ordered"] // 5)
            rows.append(
                {
                    **ln,
                    "Order Number": f"CM-{104001 + o}",
                    "Qty Ordered": -part,
                    "Order Date": back.strftime("%m/%d/%Y"),
                }
            )
    df = pd.DataFrame(rows)
    order = pd.to_datetime(df["Order Date"], format="%m/%d/%Y")
    return df.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


# --------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class Export:
    """One gallery entry: the mapping's stem, the data file, how it is written."""

    name: str
    file: str
    make: Callable[[], pd.DataFrame]
    sep: str
    encoding: str
    customer_column: str
    currency: str


EXPORTS: tuple[Export, ...] = (
    Export("european", "european_export.csv", make_european, ";", "utf-8-sig", "Kundennr", "EUR"),
    Export(
        "single_country_product",
        "single_country_product.csv",
        make_single_country_product,
        ",",
        "utf-8",
        "customer",
        "SEK",
    ),
    Export(
        "one_year_no_attributes",
        "one_year_no_attributes.csv",
        make_one_year,
        ",",
        "utf-8",
        "Customer",
        "GBP",
    ),
    Export("b2b_few_large", "b2b_few_large.csv", make_b2b, ",", "utf-8", "Account ID", "USD"),
)
"""The gallery, in the order the runner uses."""


def write_export(e: Export, out: Path) -> dict:
    """Write one export into ``out`` and return its manifest entry."""
    df = e.make()
    if len(df) > MAX_LINES:
        raise RuntimeError(f"{e.name}: {len(df)} lines, more than {MAX_LINES}")
    path = out / e.file
    df.to_csv(path, sep=e.sep, index=False, encoding=e.encoding, lineterminator="\n")
    cust = df[e.customer_column].astype(str)
    return {
        "name": e.name,
        "file": e.file,
        "mapping": f"{e.name}.yaml",
        "lines": len(df),
        "customers": int(cust[cust != ""].nunique()),
        "currency": e.currency,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def build(out: Path, only: str | None = None) -> list[dict]:
    """Write the exports (and, outside this folder, copies of their mappings) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for e in EXPORTS:
        if only and e.name != only:
            continue
        entries.append(write_export(e, out))
        mapping = HERE / f"{e.name}.yaml"
        if out.resolve() != HERE and mapping.exists():
            shutil.copyfile(mapping, out / mapping.name)
    manifest = out / "manifest.json"
    if only and manifest.exists():  # keep the other exports' entries
        kept = {m["name"]: m for m in json.loads(manifest.read_text())}
        kept.update({m["name"]: m for m in entries})
        entries_all = [kept[e.name] for e in EXPORTS if e.name in kept]
    else:
        entries_all = entries
    manifest.write_text(json.dumps(entries_all, indent=1) + "\n")
    return entries


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument("--out", default=str(HERE), help="folder for the exports (default: here)")
    ap.add_argument("--only", choices=[e.name for e in EXPORTS], help="write one export")
    args = ap.parse_args()
    for m in build(Path(args.out), args.only):
        print(
            f"wrote {Path(args.out) / m['file']}: {m['lines']} lines, {m['customers']} "
            f"customers, {m['currency']}"
        )


if __name__ == "__main__":
    main()
