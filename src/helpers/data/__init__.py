"""Stage 01, collect and clean: schema, rules, ingestion, cleaning, the SQL data layer, adapters."""
