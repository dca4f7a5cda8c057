"""Prometheus metrics every service exposes at /metrics (one process, one registry)."""

from prometheus_client import Counter, Gauge, Histogram

http_requests = Counter(
    "motcua_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
http_latency = Histogram(
    "motcua_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)
events_published = Counter(
    "motcua_events_published_total", "Outbox events published to JetStream", ["service"]
)
events_consumed = Counter(
    "motcua_events_consumed_total", "Events taken from JetStream", ["service", "outcome"]
)
consumer_lag = Gauge(
    "motcua_consumer_pending_events", "Events in the stream this service has not yet processed", ["service"]
)
