"""Scan reports and exports for raw customer IDs, e-mail addresses and ``customer_id`` columns.

    .venv/bin/python scripts/audit.py reports [more folders or files]
        [--interim data/interim]

Exit code 0 when nothing is found, 1 with a table of findings per file, 2 on a usage error.
See ``helpers.results.audit`` for what counts as a finding.
"""

from __future__ import annotations

import argparse
import sys

from helpers.results import audit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="folders or files to scan (e.g. reports)")
    ap.add_argument("--interim", default="data/interim",
                    help="folder whose */customer_map.parquet hold the raw IDs to look for")
    args = ap.parse_args(argv)
    ids = audit.known_ids(args.interim)
    try:
        found = audit.scan_paths(args.paths, ids)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scanned = ", ".join(args.paths)
    if found.empty:
        print(f"privacy scan: clean ({scanned}; {len(ids):,} known raw IDs checked)")
        return 0
    print(f"privacy scan: personal data found in {len(found)} file(s) under {scanned}:")
    print(found.to_string(index=False))
    return 1


if __name__ == "__main__":
    sys.exit(main())
