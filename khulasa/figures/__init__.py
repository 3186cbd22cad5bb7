"""Key figures: quantities in Arabic news, normalized, grouped across outlets, with agree/disagree verdicts.

A figure is a number (digits, Eastern digits or number words; fractions, percentages; "نحو",
"أكثر من", "الآلاف" ...) with what it counts ("2000 ضربة جوية", "700 كلم مربع", "15 ألف مقاتل",
"وزراء خارجية 20 دولة"). Figures of one event that count the same thing in similar words are one
quantity; their values by source give the verdict: agree, approximate, or disagree.

Modules: ``numbers`` (numbers in digits and words), ``extraction`` (the figures of an article),
``grouping`` (one quantity across outlets, and the verdict).
"""

from __future__ import annotations

from khulasa.figures.extraction import TIME_UNITS, extract
from khulasa.figures.grouping import group_figures, verdict
from khulasa.figures.numbers import parse_number

__all__ = ["TIME_UNITS", "extract", "group_figures", "parse_number", "verdict"]
