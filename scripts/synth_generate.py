"""Generate the synthetic CRM raw files (thin wrapper of helpers.synth).

Usage::

    .venv/bin/python scripts/synth_generate.py --out data/raw/synthetic --customers 4000
    .venv/bin/python scripts/synth_generate.py --out /tmp/big --lines 1000000 --seed 7
    .venv/bin/python scripts/synth_generate.py --out /tmp/flat --set seasonal_amplitude=0

``make data DATASET=synthetic`` does the same through ``python -m helpers.cli data``.
"""

from __future__ import annotations

import argparse
import ast
import logging
import sys
import time

from helpers import synth

log = logging.getLogger("synth_generate")


def _parse_set(items: list[str]) -> dict:
    out = {}
    for kv in items:
        if "=" not in kv:
            raise ValueError(f"--set {kv!r}: expected name=value")
        k, v = kv.split("=", 1)
        try:
            out[k.strip()] = ast.literal_eval(v.strip())
        except (ValueError, SyntaxError):
            out[k.strip()] = v.strip()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="raw folder to write (e.g. data/raw/synthetic)")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--customers", type=int, default=4000, help="customers acquired")
    size.add_argument("--lines", type=int, help="target raw lines instead of --customers")
    ap.add_argument("--start", default="2009-12-01", help="first day (ISO date)")
    ap.add_argument("--end", default="2011-12-09", help="last day, inclusive (ISO date)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a SynthConfig field (repeatable)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = _parse_set(args.set)
        n = args.customers
        if args.lines:
            n = synth.n_customers_for_lines(args.lines, args.start, args.end, **config)
        t0 = time.perf_counter()
        crm = synth.simulate_crm(n, args.start, args.end, args.seed, **config)
        synth.write_synthetic(crm, args.out)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    log.info("%d customers, %d raw lines -> %s in %.1f s", n, len(crm.transactions), args.out,
             time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
