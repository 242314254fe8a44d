"""Connectors: trainable (or fixed) adapters applied to recorded features.

A connector maps one feature to the form a loss compares. When the recorded
value is a tuple/list of features (FPN levels), the same connector is applied
to every element, which is what a shared adapter across levels means.
"""
from __future__ import annotations

from typing import Any

from torch import Tensor, nn


class BaseConnector(nn.Module):
    """Subclasses implement :meth:`forward_single` for one tensor."""

    def forward(self, feature: Any) -> Any:
        if isinstance(feature, (list, tuple)):
            return type(feature)(self.forward_single(f) for f in feature)
        return self.forward_single(feature)

    def forward_single(self, feature: Tensor) -> Tensor:
        raise NotImplementedError
