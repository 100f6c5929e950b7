"""Stages 02-03, profile and behaviour: customers, lifecycle, baskets, funnel, trends."""
