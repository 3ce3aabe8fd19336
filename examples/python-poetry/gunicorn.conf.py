"""gunicorn's settings for the container: the production WSGI server in front of the Flask app."""

import os

# Every interface: the container's port is what the load balancer (or `dagger call serve`) reaches.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# 2 workers: a Fargate task of 0.25-0.5 vCPU; raise with WEB_CONCURRENCY on larger tasks.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Logs to the container's stdout/stderr, which ECS sends to CloudWatch Logs.
accesslog = "-"
errorlog = "-"
# 20 s: workers finish in-flight requests after SIGTERM within ECS's 30 s stop timeout.
graceful_timeout = 20
# 75 s: longer than the ALB's 60 s idle timeout, so the ALB closes idle connections first (no 502s).
keepalive = 75
