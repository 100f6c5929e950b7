"""Stages 05-06, models: forecasting, churn, spend, cross-sell, backtests and the metrics they share."""
