"""Split a base-currency gain into its price effect and its currency effect.

For ``Q`` units bought at a per-unit cost ``P_cost`` (fees included) with the trade-date rate
``FX_cost`` (base per asset-currency unit), now priced ``P_now`` at rate ``FX_now``::

    price effect    = (P_now - P_cost) * Q * FX_cost
    currency effect = P_now * Q * (FX_now - FX_cost)
    price effect + currency effect = P_now * Q * FX_now - P_cost * Q * FX_cost
                                   = value in base - cost in base         (exactly)

``FX_cost`` of a lot is ``cost_base / cost``: its own trade-date rate, or, for lots pooled
at average cost, the cost-weighted rate of the purchases. A realized gain splits the same
way with the sale price and the sale-date rate in place of ``P_now`` and ``FX_now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class GainSplit:
    """A base-currency gain and its two parts; ``price + currency == total``."""

    price: Decimal
    currency: Decimal

    @property
    def total(self) -> Decimal:
        return self.price + self.currency


def split_gain(
    quantity: Decimal, cost: Decimal, cost_base: Decimal, price_now: Decimal, fx_now: Decimal
) -> GainSplit:
    """Price and currency effects of holding ``quantity`` units of total ``cost``.

    ``cost`` is in the asset currency, ``cost_base`` in the base currency at the trade-date
    rate; ``price_now`` is per unit in the asset currency, ``fx_now`` base per asset unit.
    """
    value = price_now * quantity
    fx_cost = cost_base / cost if cost else fx_now
    price_effect = (value - cost) * fx_cost
    # The remainder equals value * (fx_now - fx_cost) and keeps the two parts summing exactly.
    currency_effect = value * fx_now - cost_base - price_effect
    return GainSplit(price_effect, currency_effect)
