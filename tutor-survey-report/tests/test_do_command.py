"""
``tutor local|dev|k8s do survey-report [--force | --status [--json]]``, through the real CLI.

docker is the recording stand-in from conftest.py, which plays the container:
it prints $FAKE_RUN_OUTPUT and exits with $FAKE_RUN_EXIT. ``tutor k8s do``
tasks are recorded by run_tutor.py instead of being submitted to a cluster.
"""

import pytest

COMMAND = "./manage.py lms send_survey_report_if_due"
STATUS = "./manage.py lms survey_report_status"


def compose_runs(run):
    """(service, script) of each `docker compose ... run` this tutor run made."""
    found = []
    for call in run.calls:
        args = call["args"]
        if call.get("tool") == "docker" and "run" in args:
            assert args[-4:-1] == ["sh", "-e", "-c"], args
            found.append((args[-5], args[-1]))
    return found


@pytest.mark.parametrize("mode", ["local", "dev"])
@pytest.mark.parametrize("force", [False, True])
def test_compose_runs_the_command_in_the_lms_job(tutor, mode, force):
    args = [mode, "do", "survey-report"] + (["--force"] if force else [])
    run = tutor.run(*args).check()
    expected = COMMAND + (" --force" if force else "")
    assert compose_runs(run) == [("lms-job", expected)]
    # Not the scheduled variant: a person asking gets a report even when
    # automatic sending is off.
    assert "--scheduled" not in expected


def test_output_is_shown(tutor):
    output = "Survey report 7 generated and sent.\n"
    run = tutor.run("local", "do", "survey-report", env={"FAKE_RUN_OUTPUT": output}).check()
    assert output in run.output


def test_failure_exits_non_zero(tutor):
    output = "CommandError: The survey report could not be sent: report 8 is in state 'error'\n"
    run = tutor.run(
        "local",
        "do",
        "survey-report",
        "--force",
        env={"FAKE_RUN_OUTPUT": output, "FAKE_RUN_EXIT": "1"},
    )
    assert run.returncode != 0
    assert output in run.output
    assert "Command failed with status 1" in run.errors
    assert compose_runs(run) == [("lms-job", COMMAND + " --force")]


@pytest.mark.parametrize("force", [False, True])
def test_k8s_runs_the_command_in_the_lms_job(tutor, force):
    args = ["k8s", "do", "survey-report"] + (["--force"] if force else [])
    run = tutor.run(*args).check()
    tasks = [(call["k8s_task"], call["command"]) for call in run.calls if "k8s_task" in call]
    assert tasks == [("lms", COMMAND + (" --force" if force else ""))]


@pytest.mark.parametrize("mode", ["local", "dev", "k8s"])
def test_listed_in_help(tutor, mode):
    listing = tutor.run(mode, "do", "--help").check().output
    assert "survey-report" in listing
    help_text = tutor.run(mode, "do", "survey-report", "--help").check().output
    assert "--force" in help_text and "--status" in help_text and "--json" in help_text
    assert "Send the Open edX survey report now" in " ".join(help_text.split())


def test_gone_when_the_plugin_is_disabled(tutor):
    tutor.run("plugins", "disable", "survey_report").check()
    run = tutor.run("local", "do", "survey-report")
    assert run.returncode != 0
    assert "No such command" in run.errors


@pytest.mark.parametrize("mode", ["local", "dev"])
@pytest.mark.parametrize("as_json", [False, True])
def test_status_runs_the_read_only_command(tutor, mode, as_json):
    args = [mode, "do", "survey-report", "--status"] + (["--json"] if as_json else [])
    run = tutor.run(*args).check()
    assert compose_runs(run) == [("lms-job", STATUS + (" --json" if as_json else ""))]


@pytest.mark.parametrize("as_json", [False, True])
def test_k8s_status(tutor, as_json):
    args = ["k8s", "do", "survey-report", "--status"] + (["--json"] if as_json else [])
    run = tutor.run(*args).check()
    tasks = [(call["k8s_task"], call["command"]) for call in run.calls if "k8s_task" in call]
    assert tasks == [("lms", STATUS + (" --json" if as_json else ""))]


def test_status_output_is_shown(tutor):
    output = '{\n  "schema": 1,\n  "problem": null\n}\n'
    run = tutor.run(
        "local", "do", "survey-report", "--status", "--json", env={"FAKE_RUN_OUTPUT": output}
    ).check()
    # Tutor prints its own lines first; the object is the job's output, whole, at the end.
    assert run.output.endswith(output)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--status", "--force"], "--status sends nothing and --force sends a report: choose one."),
        (["--json"], "--json goes with --status."),
        (["--force", "--json"], "--json goes with --status."),
    ],
)
def test_status_options_that_do_not_go_together(tutor, args, message):
    run = tutor.run("local", "do", "survey-report", *args)
    assert run.returncode == 2
    assert message in run.errors
    assert compose_runs(run) == []
