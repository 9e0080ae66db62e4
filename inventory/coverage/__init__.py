"""Coverage: per-school tiers, reports per region and stage, trends, targets, snapshots.

Everything is computed in SQL as of a date from the opening/closing and commissioning dates
(``schools.school_rows`` is the one per-school query every part builds on).
"""
