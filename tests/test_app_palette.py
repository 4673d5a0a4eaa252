"""Colour-blind safety (issue 24, 10): under simulated deuteranopia the old red and green
coalitions differed by ΔE 7.3, under protanopia orange and green by ΔE 4.6. Every pair of
coalition colours now differs by ΔE ≥ 15 under normal vision, deuteranopia and
protanopia (Machado et al. 2009, severity 1, in linear RGB; CIE76 ΔE in CIELAB), and two
coalitions of consecutive letters also differ in dash pattern (the second cue)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app import network, timecharts
from app.charts import ROLES

DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
VISION = {"normal": np.eye(3), "deuteranopia": DEUTERANOPIA, "protanopia": PROTANOPIA}


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                  [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(rgb, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: np.ndarray) -> float:
    return float(np.linalg.norm(_lab(vision @ _linear(a)) - _lab(vision @ _linear(b))))


def test_the_method_shows_the_reviewed_defect():
    assert delta_e("#d62728", "#2ca02c", DEUTERANOPIA) == pytest.approx(7.3, abs=0.1)
    assert delta_e("#ff7f0e", "#2ca02c", PROTANOPIA) == pytest.approx(4.6, abs=0.1)


@pytest.mark.parametrize("vision", VISION, ids=list(VISION))
@pytest.mark.parametrize("palette", [network.PALETTE, list(ROLES.values()),
                                     list(dict.fromkeys(timecharts.BLOC_COLOURS.values()))],
                         ids=["coalitions", "roles", "blocs"])
def test_colours_differ_under_colour_vision_deficiency(palette, vision):
    worst = min((delta_e(a, b, VISION[vision]), a, b)
                for a, b in itertools.combinations(palette, 2))
    assert worst[0] >= 15, worst


def test_consecutive_coalitions_differ_in_colour_and_dash():
    names = [network.letter(k) for k in range(40)]
    for a, b in itertools.pairwise(names):
        assert network.dashes(a) != network.dashes(b), (a, b)
    colours = {network.letter(k): network.PALETTE[k % len(network.PALETTE)] for k in range(40)}
    same = [(a, b) for a, b in itertools.combinations(names, 2)
            if colours[a] == colours[b] and network.dashes(a) == network.dashes(b)]
    assert all(abs(names.index(a) - names.index(b)) >= 28 for a, b in same), same[:3]
