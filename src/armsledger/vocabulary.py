"""Names shared across modules, kept free of heavy imports so the build starts fast."""

from __future__ import annotations

CERTAINTY_TIERS = ("confirmed", "probable", "possible")  # strongest first
DISPUTED = "disputed"
CURRENCIES = ("EUR", "USD")

# Record tables (the things claims support), their id column and the date that places them in time.
RECORD_TABLES: dict[str, tuple[str, str]] = {
    "contracts": ("contract_id", "signed"),
    "contract_lines": ("line_id", "delivery"),
    "transfers": ("transfer_id", "date"),
    "flights": ("flight_id", "date"),
    "events": ("event_id", "date"),
    "aggregates": ("aggregate_id", "period"),
}
# Every table of the data package; a ledger without one of them cannot be checked as a whole.
LEDGER_TABLES = ("sources", "entities", *RECORD_TABLES, "claims", "categories")
# Tables every notebook reads, whatever its own list says.
ALWAYS_READ = ("sources", "entities", "claims", "categories")

NOTEBOOK_NAMES = ("01-ledger", "02-timeline", "03-values", "04-reconciliation", "05-surveillance")
# The record tables each notebook reads. The build re-executes a notebook only when one of these
# (or one of ALWAYS_READ) changes; notebook.open_ledger loads nothing else, so a notebook cannot
# silently depend on a table missing from its list.
NOTEBOOK_TABLES: dict[str, tuple[str, ...]] = {
    "01-ledger": tuple(RECORD_TABLES),
    "02-timeline": ("contracts", "transfers", "flights", "events"),
    "03-values": ("contracts", "transfers", "aggregates"),
    "04-reconciliation": tuple(RECORD_TABLES),  # contradictions may concern a record of any table
    "05-surveillance": ("contracts", "events"),
}
