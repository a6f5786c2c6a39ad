"""Measuring extraction and answers against hand-made keys."""
