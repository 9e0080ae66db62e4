"""Published reports (发布的报告) resource."""
