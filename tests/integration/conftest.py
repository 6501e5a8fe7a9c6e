"""
The integration tier's fixtures: real services (or a one-line skip; a failure under ``CI=true``)
and real host processes around a database the test process shares with them.

Service fixtures are session-scoped, so a missing service is detected once. Stacks (web servers,
workers) start once per session where tests can share them, and are reset before every test.
"""

import pytest

from host import services
from host.processes import AMQP_URL, REDIS_URL
from host.receiver import ReportReceiver

from .support import REDIS_BROKER_URL, SharedDatabase, Stack, need


@pytest.fixture(scope="session")
def redis_service():
    """Redis on 127.0.0.1:6379 (``SRB_REDIS_URL``): broker and shared cache."""
    need(services.redis_problem())
    return REDIS_URL


@pytest.fixture(scope="session")
def mariadb_service():
    """MariaDB on 127.0.0.1:3306 (``SRB_MYSQL_*``): connection parameters."""
    need(services.mariadb_problem())
    return services.mariadb_params()


@pytest.fixture(scope="session")
def rabbitmq_service():
    """RabbitMQ on 127.0.0.1:5672 (``SRB_AMQP_URL``): the broker most production sites use."""
    need(services.rabbitmq_problem())
    return AMQP_URL


@pytest.fixture(scope="session")
def chromium_service():
    """Debian's Chromium (``SRB_CHROMIUM``), driven by Playwright."""
    need(services.chromium_problem())
    return services.CHROMIUM


@pytest.fixture
def shared_db(django_db_blocker):
    """
    Let this test use the shared databases. They are not pytest-django's test database: host
    processes write to them too, so nothing is rolled back; :meth:`Stack.reset` empties them.
    """
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def process_logs(tmp_path_factory):
    """Where the host processes write their output (named in every failure message)."""
    return tmp_path_factory.mktemp("host-processes")


@pytest.fixture(scope="session")
def sqlite_db(django_db_blocker, tmp_path_factory):
    """A migrated SQLite file shared by the test process and the host processes."""
    with django_db_blocker.unblock():
        database = SharedDatabase.sqlite(tmp_path_factory.mktemp("db") / "host.sqlite3")
    yield database
    with django_db_blocker.unblock():
        database.drop()


@pytest.fixture(scope="session")
def mariadb_db(django_db_blocker, mariadb_service):
    """A new, migrated MariaDB database shared by the test process and the host processes."""
    with django_db_blocker.unblock():
        database = SharedDatabase.mariadb(mariadb_service)
    yield database
    with django_db_blocker.unblock():
        database.drop(mariadb_service)


@pytest.fixture(scope="session")
def receiver():
    """The survey report endpoint: a real HTTP server on loopback, in the test process."""
    with ReportReceiver() as server:
        yield server


@pytest.fixture(scope="session")
def _redis_stack(sqlite_db, redis_service, receiver, process_logs):
    stack = Stack.build(sqlite_db, receiver, process_logs, broker_url=REDIS_BROKER_URL)
    stack.web()
    stack.worker()
    yield stack
    stack.stop()


@pytest.fixture
def redis_stack(_redis_stack, shared_db):
    """
    One web server and one real Celery worker on Redis (broker and shared cache), a SQLite file
    database and the report receiver; emptied before the test.
    """
    _redis_stack.reset()
    return _redis_stack


@pytest.fixture
def stack_factory(receiver, process_logs, shared_db):
    """Build stacks for one test (``stack_factory(database, broker_url, shared_cache)``); stopped after it."""
    stacks = []

    def build(database, broker_url, shared_cache=True):
        stack = Stack.build(database, receiver, process_logs, broker_url=broker_url, shared_cache=shared_cache)
        stacks.append(stack)
        stack.reset()
        return stack

    yield build
    for stack in stacks:
        stack.stop()
