"""Pure money math: ledger replay into lots, valuation, value history and returns.

Nothing here touches a database, the network or a clock: services feed plain data in and get
plain data out. Exact figures use :class:`~decimal.Decimal`; the vectorised history, returns
and the fast revaluation path use float64 and say so.
"""
