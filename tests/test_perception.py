"""Perception chart: quadrant rules and the figure it returns."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from forecasting.perception import perception_chart, quadrant


@pytest.mark.parametrize("x,y,zone", [
    (0.3, 0.2, "conflict"), (-0.2, -0.1, "status quo"), (0.4, -0.1, "compromise"),
    (0.1, -0.6, "capitulation"), (-0.1, 0.5, "compromise"), (-0.6, 0.1, "capitulation"),
])
def test_quadrants(x: float, y: float, zone: str) -> None:
    assert quadrant(x, y) == zone


def test_chart_returns_figure_with_points(tmp_path) -> None:
    fig = perception_chart("FR", ["DE", "PL"], np.array([0.3, -0.2]), np.array([0.2, -0.1]))
    assert isinstance(fig, Figure)
    offsets = fig.axes[0].collections[-1].get_offsets()
    np.testing.assert_allclose(offsets, [[0.3, 0.2], [-0.2, -0.1]])
    fig.savefig(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_chart_shape_error() -> None:
    with pytest.raises(ValueError, match="one x and y per other actor"):
        perception_chart("FR", ["DE"], np.array([0.1, 0.2]), np.array([0.1, 0.2]))
