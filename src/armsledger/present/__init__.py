"""Presentation: number and money formatting, Markdown tables, charts and the generated sentences,
from the DataFrames armsledger.analysis computes."""
