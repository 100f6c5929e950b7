"""Figures of notebook 03's funnel section (helpers.plots.funnel) on a seeded synthetic CRM."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers import synth  # noqa: E402
from helpers.analysis import funnel  # noqa: E402
from helpers.plots import funnel as fplots  # noqa: E402


@pytest.fixture(scope="module")
def opps():
    crm = synth.simulate_crm(n_customers=1500, start="2009-12-01", end="2011-12-09", seed=3)
    cutoff = pd.Timestamp("2011-12-10")
    return funnel.as_of_view(crm.opportunities, cutoff), cutoff


def test_each_funnel_figure_draws_what_it_is_given(opps):
    o, cutoff = opps
    conv = funnel.stage_conversion(o)
    fig = fplots.stage_conversion(conv)
    assert len(fig.axes[0].patches) == len(conv)  # one bar per stage step
    plt.close(fig)

    by = {"lead source": funnel.win_rate_by(o, "lead_source"),
          "channel": funnel.win_rate_by(o, "channel")}
    fig = fplots.win_rate_forest(by, 0.15)
    labels = " ".join(t.get_text() for ax in fig.axes for t in ax.get_yticklabels())
    for table in by.values():
        assert all(str(g) in labels for g in table.index)
    plt.close(fig)

    fig = fplots.sales_cycle(funnel.sales_cycle(o, cutoff), funnel.stage_durations(o, cutoff))
    assert len(fig.axes) >= 2 and fig.axes[0].get_lines()
    plt.close(fig)

    shr = funnel.rep_shrinkage(o, adjust_for="lead_source")
    fig = fplots.rep_shrinkage(shr)
    labels = " ".join(t.get_text() for t in fig.axes[0].get_yticklabels())
    assert all(str(r) in labels for r in shr.index)
    plt.close(fig)

    dates = pd.date_range("2010-06-01", "2011-09-01", freq="MS")
    bt = funnel.pipeline_backtest(o, dates, 56, cutoff)
    fig = fplots.pipeline_backtest(bt, 56)
    assert len(fig.axes[0].get_lines()) >= 3  # actual, forecasts, baseline
    plt.close(fig)
