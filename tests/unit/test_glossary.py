"""The glossary names the statistics the notebooks use, in English and Chinese."""

import re

from helpers.results import glossary


def test_every_statistical_method_of_the_workbook_is_in_the_glossary() -> None:
    terms = " | ".join(t for t, _, _ in glossary.GLOSSARY).lower()
    for needed in ("mase", "smape", "brier", "calibration error", "rand index", "silhouette",
                   "shap", "conformal", "log-rank", "diebold-mariano", "kaplan-meier",
                   "mann-kendall", "benjamini-hochberg", "wilson", "bootstrap", "roc-auc"):
        assert needed in terms, needed


def test_each_term_has_chinese_and_a_meaning_and_appears_once() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    names = [t for t, _, _ in glossary.GLOSSARY]
    assert len(names) == len(set(names))
    for term, zh, meaning in glossary.GLOSSARY:
        assert han.search(zh), term
        assert meaning.endswith(".") and len(meaning) > 20, term
    assert glossary.GLOSSARY[: len(glossary.CRM_TERMS)] == glossary.CRM_TERMS
    assert len(glossary.glossary_table()) == len(glossary.GLOSSARY)
