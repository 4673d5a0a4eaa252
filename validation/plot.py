"""Error-distribution plot of a validation run (one box per protocol × capability)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from validation.run import Score  # noqa: E402


def error_plot(scores: list[Score]) -> Figure:
    """Box plots of absolute errors, split by Council rule, for every score."""
    fig, axes = plt.subplots(1, 2, figsize=(max(6, 1.1 * len(scores) + 3), 4.5), sharey=True)
    for ax, rule in zip(axes, ("qmv", "unanimity"), strict=True):
        data = [[e for e, r in zip(s.errors, s.rule, strict=True) if r == rule] for s in scores]
        ax.boxplot(data, showmeans=True)
        ax.set_xticks(range(1, len(scores) + 1),
                      [f"{s.protocol}\n{s.capability}" for s in scores], rotation=60, fontsize=7)
        ax.set_title(f"Council rule: {rule} (n={len(data[0])})")
        ax.axhline(10, color="grey", lw=0.6, ls="--")
    axes[0].set_ylabel("absolute error (0-100 scale)")
    fig.suptitle("DEU III: forecast errors per protocol")
    fig.tight_layout()
    return fig
