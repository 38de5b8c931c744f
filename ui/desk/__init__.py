"""The seat's service desk: caller, case lookup, knowledge base, wrap-up,
work orders and escalation, questions to the consulting judge, complaints,
the daily report. Each page is a widget built on ``DeskContext``."""
