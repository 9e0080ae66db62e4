"""HTML pages for people: coverage overview, drill-down, forms, exports (dashboards issue)."""
