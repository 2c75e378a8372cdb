"""Datasets: the synthetic generator (the embedded default) and loaders for real data."""
