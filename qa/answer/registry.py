"""The answer types in the order questions are typed: a yes/no question before all (有没有超过200), a list before
the names it lists (哪几个站), 百分之几 a percent before 几 a quantity, 几点 a time before a date."""

from __future__ import annotations

from .extractors import EXTRACTORS, OTHER, Date, Document, Organisation, Person, Place, Time, register
from .naming import Term
from .numbers import Percent, Quantity
from .statements import Listing, YesNo

for _extractor in (
    YesNo(),
    Listing(),
    Document(),
    Percent(),
    Time(),
    Date(),
    Organisation(),
    Person(),
    Place(),
    Quantity(),
    Term(),
):
    register(_extractor)

TYPES = (*EXTRACTORS, OTHER)
