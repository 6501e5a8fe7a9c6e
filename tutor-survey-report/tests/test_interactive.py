"""
The one interactive question, driven through Tutor's real interactive code.

Each test runs ``tutor config save -i``, ``tutor local launch``,
``tutor dev launch`` or ``tutor k8s launch`` with answers on stdin, the way an
operator would, and reads the prompts back from the output.
"""

import pytest
from tutorsurveyreport.plugin import AUTO_SEND_QUESTION

QUESTION = AUTO_SEND_QUESTION + " [y/N]"
PRODUCTION_QUESTION = "Are you configuring a production platform?"
PROD_HOST = "learn.example.org"


def lines(*answers: str) -> str:
    return "".join(answer + "\n" for answer in answers)


# Answers to Tutor's own questions, in Tutor 22's order.
# Production: LMS host, CMS host, platform name, email, language, HTTPS.
PRODUCTION_ANSWERS = (PROD_HOST, "studio." + PROD_HOST, "", "", "", "")
# Not production: platform name, email, language.
TESTING_ANSWERS = ("", "", "")


def test_exact_question_text():
    assert AUTO_SEND_QUESTION == (
        "Would you like to send anonymized reports of usage back to the Open edX project?"
    )


@pytest.mark.parametrize("answer, expected", [("y", True), ("n", False), ("", False)])
def test_config_save_interactive_production_asks_and_stores(tutor, answer, expected):
    run = tutor.run(
        "config", "save", "-i", input=lines("y", *PRODUCTION_ANSWERS, answer)
    ).check()

    assert run.output.count(QUESTION) == 1
    # Asked after all of Tutor's own questions.
    assert run.output.index(QUESTION) > run.output.index(
        "Activate SSL/TLS certificates"
    )
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is expected
    assert tutor.user_config["LMS_HOST"] == PROD_HOST


def test_config_save_interactive_not_production_is_not_asked(tutor):
    run = tutor.run("config", "save", "-i", input=lines("n", *TESTING_ANSWERS)).check()

    assert PRODUCTION_QUESTION in run.output
    assert AUTO_SEND_QUESTION not in run.output
    # Nothing stored: the question comes when the platform goes to production.
    assert "SURVEY_REPORT_AUTO_SEND" not in tutor.user_config
    assert tutor.printvalue("SURVEY_REPORT_AUTO_SEND") == "false"

    run = tutor.run(
        "config", "save", "-i", input=lines("y", *PRODUCTION_ANSWERS, "y")
    ).check()
    assert QUESTION in run.output
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is True


@pytest.mark.parametrize("first_answer, stored", [("y", True), ("n", False)])
def test_already_answered_is_not_asked_again(tutor, first_answer, stored):
    tutor.run(
        "config", "save", "-i", input=lines("y", *PRODUCTION_ANSWERS, first_answer)
    ).check()

    # Second round: no answer for our question on stdin. Were it asked, click
    # would hit end of input and abort.
    run = tutor.run(
        "config", "save", "-i", input=lines("y", *PRODUCTION_ANSWERS)
    ).check()
    assert AUTO_SEND_QUESTION not in run.output
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is stored


def test_set_non_interactively_is_not_asked(tutor):
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is True

    run = tutor.run(
        "config", "save", "-i", input=lines("y", *PRODUCTION_ANSWERS)
    ).check()
    assert AUTO_SEND_QUESTION not in run.output
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is True


@pytest.mark.parametrize("value", ["true", "false"])
def test_set_on_the_same_command_line_is_not_asked(tutor, value):
    run = tutor.run(
        "config",
        "save",
        "-i",
        "--set",
        f"SURVEY_REPORT_AUTO_SEND={value}",
        input=lines("y", *PRODUCTION_ANSWERS),
    ).check()
    assert AUTO_SEND_QUESTION not in run.output
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is (value == "true")


def _compose_up_files(run):
    """The -f files of the `docker compose ... up` that `local launch` ran."""
    for call in run.calls:
        args = call.get("args", [])
        if call.get("tool") == "docker" and "up" in args:
            return [args[i + 1] for i, arg in enumerate(args) if arg == "-f"]
    raise AssertionError(f"no `docker compose up` in {run.calls}")


def test_local_launch_production_asks(tutor):
    run = tutor.run(
        "local", "launch", "--skip-build", input=lines("y", *PRODUCTION_ANSWERS, "y")
    ).check()

    assert run.output.count(QUESTION) == 1
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is True
    # The platform that launch started includes the scheduler.
    prod_file = [
        f for f in _compose_up_files(run) if f.endswith("docker-compose.prod.yml")
    ]
    assert prod_file, "local launch did not use docker-compose.prod.yml"
    services = tutor.env_yaml_documents("local", "docker-compose.prod.yml")[0][
        "services"
    ]
    assert "survey-report-scheduler" in services
    # ...and the init that launch ran leaves the banner's switch alone (the default).
    commands = run.lms_job_commands()
    assert any("disable_banner switch is left as it is" in command for command in commands)
    assert not any("waffle_switch survey_report_banner" in command for command in commands)

    # Next launch: not asked again.
    run = tutor.run(
        "local", "launch", "--skip-build", input=lines("y", *PRODUCTION_ANSWERS)
    ).check()
    assert AUTO_SEND_QUESTION not in run.output


def test_local_launch_not_production_is_not_asked(tutor):
    run = tutor.run(
        "local", "launch", "--skip-build", input=lines("n", *TESTING_ANSWERS)
    ).check()

    assert PRODUCTION_QUESTION in run.output
    assert AUTO_SEND_QUESTION not in run.output
    assert tutor.user_config["LMS_HOST"] == "local.openedx.io"
    assert "SURVEY_REPORT_AUTO_SEND" not in tutor.user_config
    services = tutor.env_yaml_documents("local", "docker-compose.prod.yml")[0][
        "services"
    ]
    assert "survey-report-scheduler" not in services


def test_local_launch_production_answered_no_schedules_nothing(tutor):
    tutor.run(
        "local", "launch", "--skip-build", input=lines("y", *PRODUCTION_ANSWERS, "n")
    ).check()

    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is False
    services = tutor.env_yaml_documents("local", "docker-compose.prod.yml")[0][
        "services"
    ]
    assert "survey-report-scheduler" not in services


def test_dev_launch_is_never_asked(tutor):
    # Even with a production-looking host left over in config.yml.
    tutor.save(f"LMS_HOST={PROD_HOST}")

    run = tutor.run(
        "dev", "launch", "--skip-build", input=lines(*TESTING_ANSWERS)
    ).check()

    assert PRODUCTION_QUESTION not in run.output
    assert AUTO_SEND_QUESTION not in run.output
    assert "SURVEY_REPORT_AUTO_SEND" not in tutor.user_config


def test_k8s_launch_is_always_production(tutor):
    # A host that `tutor local` would take for a test platform: k8s still asks.
    answers = ("local.openedx.io", "studio.local.openedx.io", "", "", "", "")
    run = tutor.run("k8s", "launch", input=lines(*answers, "y")).check()

    assert PRODUCTION_QUESTION not in run.output
    assert run.output.count(QUESTION) == 1
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is True
    (cronjob,) = _cronjobs(tutor)
    assert cronjob["spec"]["suspend"] is False
    assert "--scheduled" in cronjob["spec"]["jobTemplate"]["spec"]["template"][
        "spec"
    ]["containers"][0]["command"]
    # The init that launch ran in the cluster includes the plugin's task,
    # which leaves the banner's switch alone by default.
    k8s_tasks = [(call["k8s_task"], call["command"]) for call in run.calls if "k8s_task" in call]
    (banner_task,) = [task for task in k8s_tasks if "disable_banner" in task[1]]
    assert banner_task[0] == "lms"
    assert "waffle_switch" not in banner_task[1]

    run = tutor.run("k8s", "launch", input=lines(*answers)).check()
    assert AUTO_SEND_QUESTION not in run.output


def test_k8s_launch_non_interactive_is_not_asked(tutor):
    run = tutor.run("k8s", "launch", "--non-interactive").check()
    assert AUTO_SEND_QUESTION not in run.output
    assert "SURVEY_REPORT_AUTO_SEND" not in tutor.user_config
    (cronjob,) = _cronjobs(tutor)
    assert cronjob["spec"]["suspend"] is True


def _cronjobs(tutor):
    return [
        doc
        for doc in tutor.env_yaml_documents("k8s", "jobs.yml")
        if doc["kind"] == "CronJob"
    ]
