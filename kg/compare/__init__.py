"""Comparisons across regions: tables of one indicator, and what bounds allow to conclude."""

from kg.compare.bounds import Interval, compare_two, interval, order, satisfies, surely_ahead, surely_at_least
from kg.compare.table import Comparison, ComparisonRow, ROW_FIELDS

__all__ = ["Comparison", "ComparisonRow", "ROW_FIELDS", "Interval", "interval", "order", "compare_two", "satisfies", "surely_ahead",
           "surely_at_least"]
