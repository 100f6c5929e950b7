"""Pseudonymisation of customer identifiers and masking of personal fields.

Customer keys shown in reports and exports are ``HMAC-SHA256(key, str(customer_id))`` truncated to
16 hex digits and prefixed ``c_``: stable for one key (so exports can be joined back by whoever
holds the key), meaningless without it. The key comes from the environment variable
``CRM_PSEUDONYM_KEY`` or from a git-ignored key file created on first use; notebooks pass both in
explicitly (helpers read no environment).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

PERSONAL_PATTERNS: dict[str, str] = {
    "email": r"(^|_)(e_?mail|email_address)($|_)",
    "phone": r"(^|_)(phone|mobile|tel|telephone)($|_)",
    "name": r"(^|_)(name|first_?name|last_?name|surname|full_?name|contact_?name)($|_)",
    "address": r"(^|_)(address|street|postcode|zip|zip_?code|post_?code)($|_)",
}
"""Column-name patterns (lower-case, snake-case) that mark a field as personal."""

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def load_key(key_file: str | Path, env_value: str | None = None) -> bytes:
    """Return the pseudonymisation key: ``env_value`` if given, else the key file (created if absent).

    Parameters
    ----------
    key_file
        Path of a git-ignored file holding a hex key; created with 32 random bytes if missing.
    env_value
        The value of ``CRM_PSEUDONYM_KEY`` if the caller found one (takes precedence).
    """
    if env_value:
        return env_value.encode()  # str.encode is always UTF-8 (not the locale)
    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # created whole or not at all, readable by the owner only from the start, and never
        # overwritten: of two notebooks starting side by side, the first creates it and the
        # second reads that key (a complete file: written in a temporary, then hard-linked)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)
                log.info("created a new pseudonymisation key at %s", path)
            except FileExistsError:
                pass  # another process was first: use its key
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 16:
        raise ValueError(f"{path}: pseudonymisation key is shorter than 16 characters")
    return key.encode()


def pseudonymise(ids: pd.Series, key: bytes, prefix: str = "c_") -> pd.Series:
    """Map identifiers to keyed pseudonyms (nulls stay null).

    >>> pseudonymise(pd.Series([1, 1, 2]), b"k" * 16).nunique()
    2
    """
    if not isinstance(key, bytes) or len(key) < 16:
        raise ValueError("pseudonymise: key must be bytes of length >= 16 (see load_key)")
    uniq = pd.unique(ids.dropna())
    table = {
        u: prefix + hmac.new(key, str(u).encode(), hashlib.sha256).hexdigest()[:16]
        for u in uniq
    }
    return ids.map(table).astype("string")


def personal_columns(columns: list[str]) -> dict[str, str]:
    """Return ``{column: kind}`` for column names that look personal (email, phone, name, address)."""
    found = {}
    for col in columns:
        norm = re.sub(r"[^a-z0-9]+", "_", str(col).lower())  # the patterns accept _ at the ends
        for kind, pat in PERSONAL_PATTERNS.items():
            if re.search(pat, norm):
                found[col] = kind
                break
    return found


def drop_personal(df: pd.DataFrame, allow: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[str]]:
    """Drop personal-looking columns unless listed in ``allow``; return the frame and what was dropped."""
    drop = [c for c in personal_columns(list(df.columns)) if c not in allow]
    if drop:
        log.info("dropped personal columns %s before analysis", drop)
    return df.drop(columns=drop), drop
