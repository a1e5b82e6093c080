"""Analysis: DataFrames in, DataFrames out. Imports only armsledger.model; formats nothing, writes no
sentence and draws nothing (that is armsledger.present)."""
