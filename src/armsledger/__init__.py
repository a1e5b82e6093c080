"""armsledger: a source-traceable ledger of the Serbia–Israel arms and surveillance trade."""

__version__ = "0.1.0"
