"""Coverage (覆盖率) resource: reports, school evaluations, gap list, trends, exports."""
