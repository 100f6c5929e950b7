"""Figures of the campaign uplift section (helpers.plots.uplift) on a hand-made campaign."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.models import uplift  # noqa: E402
from helpers.plots import uplift as uplots  # noqa: E402

T = np.array([1, 0] * 10, bool)
Y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 0] * 2, float)
S = np.linspace(1, 0, 20)


def test_qini_plot_draws_each_curve_the_random_line_and_the_planted_points():
    curves = {"model": uplift.qini_curve(Y, T, S), "truth": uplift.qini_curve(Y, T, -S)}
    fig = uplots.qini_plot(curves, uplift.uplift_by_decile(Y, T, S, truth=S, n_bins=5), "t")
    left, right = fig.axes
    assert [ln.get_label() for ln in left.get_lines()][:3] == ["model", "random order", "truth"]
    assert np.allclose(left.get_lines()[0].get_ydata(), curves["model"]["qini"])
    assert len(right.patches) == 5 and len(right.get_lines()) >= 1  # bars + planted points
    plt.close(fig)
    no_truth = uplots.qini_plot(curves, uplift.uplift_by_decile(Y, T, S, n_bins=5), "t")
    assert [ln.get_label() for ln in no_truth.axes[1].get_lines()
            if not ln.get_label().startswith("_")] == []
    plt.close(no_truth)


def test_targeting_bars_one_panel_per_source():
    tab = pd.DataFrame({"source": ["a", "a", "b"], "rule": ["risk", "uplift_value", "risk"],
                        "value": [1.0, 2.0, 3.0], "value_lo": [0.5, 1.0, 2.0],
                        "value_hi": [1.5, 3.0, 4.0]})
    fig = uplots.targeting_bars(tab, "value", "gain", "t", money=True)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["risk", "uplift value"]
    plt.close(fig)
