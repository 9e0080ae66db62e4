"""Plans (规划) and milestones (目标) resource."""
