"""Stage 04, value: RFM, clusters and tiers, CLV, and the one playbook of actions."""
