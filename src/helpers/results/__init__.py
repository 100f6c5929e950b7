"""What the study publishes: the metrics store, the report pages, the privacy audit, re-run
verification and the glossary."""
