"""An agency's queue (hồ sơ chờ xử lý): the steps waiting at it in due order, and its load for the
leader."""
