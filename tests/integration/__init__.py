"""
The integration tier: MariaDB, Redis with a real Celery worker, RabbitMQ, and a real browser.

Each test uses its real service or skips with a one-line reason; under ``CI=true`` it fails instead.
"""
