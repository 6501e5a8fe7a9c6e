"""
Is a real service there? Each check returns None when it is, or a one-line reason when it is not.

Used by the integration tests (skip, or fail under ``CI=true``) and by ``make demo`` (explain).
"""

import os
import shutil
import socket
from urllib.parse import urlsplit

from .processes import AMQP_URL, REDIS_URL

CHROMIUM = os.environ.get("SRB_CHROMIUM", "/usr/bin/chromium")


def redis_problem(url=REDIS_URL):
    """Why Redis at ``url`` cannot be used, or None."""
    try:
        import redis  # pylint: disable=import-outside-toplevel
    except ImportError:
        return "the redis package is not installed (make requirements)"
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {url} ({exc.__class__.__name__}: {exc})"
    return None


def mariadb_problem():
    """Why MariaDB (``SRB_MYSQL_*`` settings, root@127.0.0.1:3306 by default) cannot be used, or None."""
    try:
        import MySQLdb  # pylint: disable=import-outside-toplevel
    except ImportError:
        return "mysqlclient is not installed (make requirements)"
    params = mariadb_params()
    try:
        MySQLdb.connect(connect_timeout=3, **params).close()
    except MySQLdb.Error as exc:
        return f"MariaDB is not reachable at {params['host']}:{params['port']} as {params['user']} ({exc})"
    return None


def mariadb_params():
    """Connection parameters of MariaDB, from the same variables ``host.settings`` reads."""
    return {
        "host": os.environ.get("SRB_MYSQL_HOST", "127.0.0.1"),
        "port": int(os.environ.get("SRB_MYSQL_PORT", "3306")),
        "user": os.environ.get("SRB_MYSQL_USER", "root"),
        "password": os.environ.get("SRB_MYSQL_PASSWORD", ""),
    }


def rabbitmq_problem(url=AMQP_URL):
    """Why RabbitMQ at ``url`` cannot be used, or None."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 5672), timeout=2).close()
    except OSError as exc:
        return f"RabbitMQ is not reachable at {parts.hostname}:{parts.port or 5672} ({exc})"
    from kombu import Connection  # pylint: disable=import-outside-toplevel

    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:  # pylint: disable=broad-except
        return f"RabbitMQ at {url} refused the AMQP login ({exc.__class__.__name__}: {exc})"
    return None


def chromium_problem(path=CHROMIUM):
    """Why Playwright cannot drive Chromium at ``path``, or None."""
    try:
        import playwright  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return "playwright is not installed (make requirements)"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
        return f"Chromium is not installed at {path} (apt-get install chromium, or set SRB_CHROMIUM)"
    return None
