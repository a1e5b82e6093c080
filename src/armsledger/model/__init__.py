"""The ledger as data: schema, dates (EDTF), currency conversion, certainty, lineage of sources and
the Ledger itself. Imports nothing else from the package."""
