"""plots.models: axis words follow what is plotted."""

import numpy as np

from helpers.plots import models as mplots


def test_calibration_plot_labels_name_the_event():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p).astype(int)
    ax = mplots.calibration_plot(y, {"m": p}, 5, event="repurchase", title="t").axes[0]
    # 06_bgnbd_calibration plots P(purchase): its axis read "predicted churn probability"
    assert ax.get_xlabel() == "predicted repurchase probability"
    assert ax.get_ylabel() == "observed repurchase rate" and ax.get_title() == "t"
    default = mplots.calibration_plot(y, {"m": p}, 5).axes[0]
    assert default.get_xlabel() == "predicted churn probability"
