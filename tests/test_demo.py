"""
``make demo`` (scripts/demo.py): restarting right after Ctrl-C, ``manage`` reaching the running demo, its modes.
"""

import importlib.util
import json
import os
import socket
import urllib.error
import urllib.request

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


def post_report(receiver, timeout=5):
    """POST a report as openedx-platform does; return the HTTP status (or raise on a timeout)."""
    request = urllib.request.Request(
        receiver.endpoint, data=json.dumps({"id": "x"}).encode(), headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code


class TestReceiverModes:
    """SRB_DEMO_RECEIVER: a newcomer can see a delivered report, a failing endpoint and a silent one."""

    @pytest.mark.parametrize("mode, status", [("ok", 200), ("fail", 503)])
    def test_answers(self, demo, mode, status):
        with demo.make_receiver(mode, port=0) as receiver:
            assert post_report(receiver) == status
            assert receiver.payloads == [{"id": "x"}]  # Kept, and shown, whatever the answer.

    def test_silent_never_answers(self, demo):
        with demo.make_receiver("silent", port=0) as receiver:
            with pytest.raises(TimeoutError):
                post_report(receiver, timeout=0.5)
            assert receiver.payloads == [{"id": "x"}]
            receiver.resume()

    def test_a_silent_endpoint_is_cut_soon(self, demo):
        assert demo.config(mode="silent").env()["SRB_SEND_TIMEOUT"] == f"{demo.SILENT_SEND_TIMEOUT}"
        assert "SRB_SEND_TIMEOUT" not in demo.config(mode="fail").env(base={})

    def test_an_unknown_mode_is_refused(self, demo, monkeypatch, capsys):
        monkeypatch.setattr(demo, "RECEIVER_MODE", "flaky")
        assert demo.run() == 2
        assert "SRB_DEMO_RECEIVER='flaky': use one of ok, fail, silent." in capsys.readouterr().err


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_host_settings_honour_the_anonymous_switch(demo, tmp_path, anonymous):
    """SRB_DEMO_ANONYMOUS=0 reaches the host's settings: the report names the site (LMS_BASE)."""
    from host import processes  # pylint: disable=import-outside-toplevel

    config = demo.config(anonymous=anonymous)
    config.sqlite_path = str(tmp_path / "db.sqlite3")
    printed = processes.manage(
        config, "shell", "-c", "from django.conf import settings; print(settings.ANONYMOUS_SURVEY_REPORT)",
    )
    assert printed.splitlines()[-1] == str(anonymous)  # After Django 5.2's "objects imported" line.
