"""
``make demo`` (scripts/demo.py): restarting right after Ctrl-C, and ``manage`` reaching the running demo.
"""

import importlib.util
import json
import os
import socket

import pytest

from host.processes import REPO_DIR


@pytest.fixture(scope="module")
def demo():
    """scripts/demo.py, imported as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("srb_demo_script", REPO_DIR / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def leave_time_wait():
    """A loopback port whose server closed a connection first (TIME-WAIT), and nothing listening."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # The server side closes first, as an HTTP server does: its end waits.
    client.recv(1)
    client.close()
    server.close()
    return port


class TestPortCheck:
    """A restart right after Ctrl-C must not fail on "port in use"."""

    def test_a_port_in_time_wait_is_free(self, demo):
        port = leave_time_wait()
        with socket.socket() as plain:  # Without SO_REUSEADDR, the kernel refuses (the old check).
            with pytest.raises(OSError):
                plain.bind(("127.0.0.1", port))
        assert demo.port_is_free(port)

    def test_a_listening_port_is_not(self, demo):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            assert not demo.port_is_free(listener.getsockname()[1])


class TestManageConfig:
    """``demo.py manage`` uses the running demo's Redis, whatever the terminal's variables."""

    def test_running_demo_wins(self, demo, tmp_path, monkeypatch):
        run_file = tmp_path / "running.json"
        run_file.write_text(json.dumps({
            "pid": os.getpid(), "redis_url": "redis://127.0.0.1:6379/5",
            "endpoint": "http://127.0.0.1:8011/survey_report/", "url": "http://127.0.0.1:8010",
        }))
        monkeypatch.setattr(demo, "RUN_FILE", run_file)
        config = demo.manage_config()
        assert config.cache_url == config.broker_url == "redis://127.0.0.1:6379/5"
        assert config.report_endpoint == "http://127.0.0.1:8011/survey_report/"
        assert config.env()["SRB_CACHE_PREFIX"] == demo.CACHE_PREFIX

    def test_no_running_demo_uses_this_shell(self, demo, tmp_path, monkeypatch):
        run_file = tmp_path / "running.json"
        monkeypatch.setattr(demo, "RUN_FILE", run_file)
        assert demo.manage_config().cache_url == demo.REDIS
        # A demo killed without cleaning up: its process is gone, so its file is ignored.
        gone = os.fork()
        if gone == 0:
            os._exit(0)
        os.waitpid(gone, 0)
        run_file.write_text(json.dumps({"pid": gone, "redis_url": "redis://127.0.0.1:6379/5", "endpoint": "x"}))
        assert demo.manage_config().cache_url == demo.REDIS


def test_a_web_server_whose_picked_port_was_taken_starts_on_another(tmp_path, monkeypatch):
    """Two integration runs at once: a port taken between free_port() and runserver's bind."""
    from host import processes  # pylint: disable=import-outside-toplevel

    with socket.create_server(("127.0.0.1", 0)) as taken:
        taken_port = taken.getsockname()[1]
        picks = iter([taken_port])
        real_free_port = processes.free_port
        monkeypatch.setattr(processes, "free_port", lambda: next(picks, None) or real_free_port())
        config = processes.HostConfig(sqlite_path=str(tmp_path / "db.sqlite3"))
        with processes.start_web_server(config, tmp_path, name="web-retry") as server:
            assert server.url != f"http://127.0.0.1:{taken_port}"
            assert processes.http_ok(server.url + "/health")
