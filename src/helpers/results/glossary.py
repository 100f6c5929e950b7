"""The CRM and statistical terms the workbook uses, in English and Chinese (the study's source
literature is Chinese). One list, shown in the reports index, ``reports/README.md`` and the case
study: CRM terms first (:data:`CRM_TERMS`), then the statistics behind the methods
(:data:`STATISTICS_TERMS`)."""

from __future__ import annotations

import pandas as pd

CRM_TERMS: tuple[tuple[str, str, str], ...] = (
    ("customer profile", "客户画像", "Who a customer is: location, size, what and when they buy."),
    ("customer lifecycle", "客户生命周期", "Stages from new to active, at-risk, dormant and churned."),
    ("lifecycle stage", "生命周期阶段", "A customer's stage at a date, judged against their own purchase cadence."),
    ("customer value", "客户价值", "What a customer is worth to the business, now and in future."),
    ("customer lifetime value (CLV)", "客户终身价值", "Discounted expected future revenue of a customer over a horizon."),
    ("RFM", "RFM 模型（最近一次消费、消费频率、消费金额）", "Recency, frequency and monetary value: three scores that rank customers."),
    ("customer segmentation", "客户细分", "Grouping customers with similar behaviour or value."),
    ("churn", "客户流失", "A customer stops buying; here: no purchase within a horizon after a cutoff."),
    ("retention", "客户留存", "The share of a cohort still buying in later periods."),
    ("cohort", "同期群", "Customers acquired in the same period, followed over time."),
    ("probability alive", "存活概率", "BG/NBD probability that a customer has not silently dropped out."),
    ("sales funnel", "销售漏斗", "Stages an opportunity passes: lead, qualified, proposal, negotiation, won or lost."),
    ("conversion rate", "转化率", "Share of opportunities (or visitors) that move to the next stage."),
    ("customer satisfaction (CSAT)", "客户满意度", "Survey score 1-5 of how satisfied a customer is."),
    ("Net Promoter Score (NPS)", "净推荐值", "Share of promoters (9-10) minus share of detractors (0-6)."),
    ("cross-selling", "交叉销售", "Offering products a customer has not bought that go with what they buy."),
    ("association rule", "关联规则", "If a basket holds A it often holds B: support, confidence and lift."),
    ("sales forecasting", "销售预测", "Predicting future revenue, top-down from the series or bottom-up from customers."),
    ("market trend", "市场趋势", "Growth or decline of a country, category or segment over time."),
    ("value tier", "价值分层", "High, medium or low (repeat buyers by predicted CLV), potential (recent one-time buyers) or lost (one-time buyers past the repurchase window), each with its own playbook."),
    ("repurchase window", "复购窗口", "Time within which most (by default 90%) second orders come; a one-time buyer past it is lost."),
    ("potential customer", "潜在客户", "A recent first-time customer who may still grow (not a lapsed one-time buyer)."),
    ("precision marketing", "精准营销", "Sending each customer the offer their segment and history call for."),
)


STATISTICS_TERMS: tuple[tuple[str, str, str], ...] = (
    ("MASE", "平均绝对标度误差", "Mean absolute forecast error divided by that of a naive forecast on the training data; below 1 beats it."),
    ("sMAPE", "对称平均绝对百分比误差", "Mean of |actual - forecast| / ((|actual| + |forecast|) / 2), in per cent."),
    ("prediction interval coverage", "预测区间覆盖率", "Share of actual values inside the stated interval; an 80% interval should cover about 80%."),
    ("conformal prediction interval", "保形预测区间", "Interval built from a model's own past errors, with coverage that holds without distributional assumptions."),
    ("Winkler score", "温克勒评分", "Interval width plus a penalty for each miss; lower is better, rewarding narrow intervals that cover."),
    ("Diebold-Mariano test", "DM 检验（迪博尔德-马里亚诺检验）", "Test of whether two forecasts' errors differ on average, allowing for autocorrelated errors."),
    ("ROC-AUC", "ROC 曲线下面积", "Probability that a random churner is ranked above a random non-churner; 0.5 is chance."),
    ("Brier score", "布里尔分数", "Mean squared difference between predicted probability and outcome (0 or 1); lower is better."),
    ("expected calibration error (ECE)", "期望校准误差", "Average gap between predicted probability and observed rate over probability bins."),
    ("bootstrap interval", "自助法置信区间", "Interval from recomputing a statistic on many resamples drawn with replacement."),
    ("paired bootstrap", "配对自助法", "Resampling the same customers or weeks for two models at once, so their difference is compared fairly."),
    ("Wilson interval", "威尔逊区间", "Confidence interval for a proportion that stays inside 0..1 for small counts."),
    ("adjusted Rand index (ARI)", "调整兰德指数", "Agreement of two groupings beyond chance: 1 identical, about 0 random."),
    ("silhouette score", "轮廓系数", "How much closer each point is to its own cluster than to the next one (-1..1)."),
    ("SHAP value", "SHAP 值（沙普利加性解释）", "One feature's contribution to one prediction, from Shapley values of cooperative games."),
    ("Kaplan-Meier estimate", "卡普兰-迈耶估计", "Survival curve that uses censored customers (still active at the end) correctly."),
    ("log-rank test", "对数秩检验", "Test of whether survival curves of groups differ."),
    ("Mann-Kendall test", "曼-肯德尔趋势检验", "Rank-based test for a monotonic trend; the seasonal version compares the same month across years."),
    ("Benjamini-Hochberg correction", "BH 校正（错误发现率控制）", "Adjusts p-values when many groups are tested so that few reported trends are false."),
    ("BG/NBD model", "BG/NBD 模型", "Customers buy at a Poisson rate and may drop out after each purchase; rates and drop-out vary by customer."),
    ("Gamma-Gamma model", "Gamma-Gamma 模型", "Spend per order varies around each customer's own mean, which varies across customers."),
    ("lift", "提升度", "How much more often two products are bought together than if bought independently."),
)

GLOSSARY: tuple[tuple[str, str, str], ...] = CRM_TERMS + STATISTICS_TERMS
"""Every term: CRM first, then statistics."""


def glossary_table() -> pd.DataFrame:
    """The glossary as a table (English, Chinese, meaning)."""
    return pd.DataFrame(GLOSSARY, columns=["term", "中文", "meaning"])
