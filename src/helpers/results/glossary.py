"""The CRM terms the workbook uses, in English and Chinese (the study's source literature is
Chinese). One list, shown in the reports index, ``reports/README.md`` and the case study."""

from __future__ import annotations

import pandas as pd

GLOSSARY: tuple[tuple[str, str, str], ...] = (
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


def glossary_table() -> pd.DataFrame:
    """The glossary as a table (English, Chinese, meaning)."""
    return pd.DataFrame(GLOSSARY, columns=["term", "中文", "meaning"])
