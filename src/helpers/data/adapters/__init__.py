"""Source adapters: each maps one kind of raw export into :class:`helpers.data.ingest.SourceData`.

An adapter is a module with ``read(raw_dir: Path, **options) -> SourceData``. Register it in
:data:`ADAPTERS` under the dataset name used by ``make all DATASET=...``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

ADAPTERS: dict[str, str] = {
    "online_retail_ii": "helpers.data.adapters.online_retail_ii",
    "synthetic": "helpers.data.adapters.synthetic",
    "custom": "helpers.data.adapters.custom",
}


def get_adapter(dataset: str) -> Callable:
    """The ``read`` function of the adapter for ``dataset``."""
    if dataset not in ADAPTERS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(ADAPTERS)}")
    return import_module(ADAPTERS[dataset]).read
