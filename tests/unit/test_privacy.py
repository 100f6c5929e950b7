"""helpers.data.privacy on hand-worked cases: key file, pseudonyms, personal-column detection.

(The original privacy tests live in test_foundation_io.py; these add the boundaries, messages
and defaults that mutation testing showed were unguarded.)
"""

# Surviving mutants (mutmut 3.8.1, make mutate: 89 mutants, 83 killed, 93.3%) and why they are left:
# x_load_key__mutmut_19, _31 ("UTF-8" for "utf-8"): equivalent, the same codec.
# x_load_key__mutmut_11, _13, _29 (encoding=None / omitted: the locale's encoding): equivalent for
#   the key, which is ASCII hex written by load_key itself.
# x_load_key__mutmut_15 (secrets.token_hex(None)): equivalent, the default entropy is 32 bytes.
# (Five more equivalent ones went with the code: str.encode() is always UTF-8, so the explicit
# "utf-8" is gone, and personal_columns no longer strips "_", which its (^|_) ... ($|_) patterns
# never needed.)

import logging
import re

import pandas as pd
import pytest

from helpers.data import privacy

LOGGER = "helpers.data.privacy"


def test_load_key_creates_missing_parent_folders_and_a_64_hex_key(tmp_path, caplog):
    # two missing folder levels: creation must make parents
    f = tmp_path / "a" / "b" / "pseudonym.key"
    with caplog.at_level(logging.INFO, logger=LOGGER):
        key = privacy.load_key(f)
    text = f.read_text(encoding="utf-8")
    # 32 random bytes as hex = 64 lower-case hex digits, then one newline
    assert re.fullmatch(r"[0-9a-f]{64}\n", text)
    assert key == text.strip().encode("ascii")
    # the only trace that a secret file appeared: the log names its path
    assert caplog.messages == [f"created a new pseudonymisation key at {f}"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert privacy.load_key(f) == key  # second call reads, does not recreate or log
    assert caplog.messages == []


def test_load_key_in_an_existing_folder(tmp_path):
    # the parent folder already exists: creating the key file must not fail on it
    f = tmp_path / "pseudonym.key"
    assert len(privacy.load_key(f)) == 64


def test_load_key_length_boundary_and_message(tmp_path):
    f = tmp_path / "k"
    f.write_text("0123456789abcdef\n", encoding="utf-8")  # exactly 16 characters: accepted
    assert privacy.load_key(f) == b"0123456789abcdef"
    f.write_text("  0123456789abcde \n", encoding="utf-8")  # 15 after stripping: rejected
    with pytest.raises(ValueError, match="^" + re.escape(
            f"{f}: pseudonymisation key is shorter than 16 characters") + "$"):
        privacy.load_key(f)


def test_load_key_empty_env_value_falls_back_to_the_file(tmp_path):
    f = tmp_path / "k"
    f.write_text("fedcba9876543210fedcba\n", encoding="utf-8")
    # CRM_PSEUDONYM_KEY set but empty counts as not set
    assert privacy.load_key(f, "") == b"fedcba9876543210fedcba"
    assert privacy.load_key(f, None) == b"fedcba9876543210fedcba"


def test_pseudonymise_key_message_names_the_fix():
    msg = r"^pseudonymise: key must be bytes of length >= 16 \(see load_key\)$"
    with pytest.raises(ValueError, match=msg):
        privacy.pseudonymise(pd.Series([1]), b"0123456789abcde")  # 15 bytes
    with pytest.raises(ValueError, match=msg):
        privacy.pseudonymise(pd.Series([1]), "0123456789abcdef")  # str, not bytes
    # 16 bytes is enough; the custom prefix replaces "c_"; 2 distinct ids -> 2 pseudonyms
    got = privacy.pseudonymise(pd.Series([7, 8, 7]), b"0123456789abcdef", prefix="x_")
    assert got.str.startswith("x_").all() and got.str.len().eq(18).all() and got.nunique() == 2


def test_personal_columns_reports_the_kind():
    cols = ["customer_id", "E-Mail", "Mobile", "Surname", "Post Code", "username", "country"]
    # "E-Mail" -> e_mail, "Post Code" -> post_code; "username" has no word boundary -> kept
    assert privacy.personal_columns(cols) == {
        "E-Mail": "email", "Mobile": "phone", "Surname": "name", "Post Code": "address"}


def test_drop_personal_logs_what_it_dropped(caplog):
    df = pd.DataFrame({"customer_id": [1], "email": ["a@b.c"], "country": ["UK"]})
    with caplog.at_level(logging.INFO, logger=LOGGER):
        out, dropped = privacy.drop_personal(df)
    assert dropped == ["email"] and list(out.columns) == ["customer_id", "country"]
    assert caplog.messages == ["dropped personal columns ['email'] before analysis"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        out, dropped = privacy.drop_personal(df, allow=("email",))
    assert dropped == [] and list(out.columns) == list(df.columns)
    assert caplog.messages == []  # nothing dropped, nothing logged
