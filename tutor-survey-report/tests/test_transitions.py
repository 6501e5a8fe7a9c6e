"""
The operator's answer, and every later change of mind, through the real ``tutor`` CLI.

Each test answers the question with ``tutor config save -i``, then changes the
answer twice (yes -> no -> yes, or no -> yes -> no) with ``tutor config save
--set``, and after each step starts the platform the way an operator would
(``tutor local start -d``, ``tutor k8s start``). What those start, read back
from the rendered env/ and the recorded docker/kubectl calls, must follow the
latest answer: on Kubernetes the CronJob is always applied, suspended after a
"no" (issue 10: a CronJob left out of the manifests stays on the cluster and
keeps sending); with docker compose the scheduler service is there or not, and
``up --remove-orphans`` removes it.
"""

import ast

import pytest
from test_interactive import PRODUCTION_ANSWERS, QUESTION, lines

SCHEDULER = "survey-report-scheduler"


def answer(tutor, yes):
    """Answer the question interactively, for a production platform."""
    run = tutor.run(
        "config", "save", "-i", input=lines("y", *PRODUCTION_ANSWERS, "y" if yes else "n")
    ).check()
    assert run.output.count(QUESTION) == 1
    assert tutor.user_config["SURVEY_REPORT_AUTO_SEND"] is yes


def change_mind(tutor, yes):
    """What the README tells operators to run: the question is never asked again."""
    tutor.save(f"SURVEY_REPORT_AUTO_SEND={'true' if yes else 'false'}")


def lms_auto_send(tutor):
    """SURVEY_REPORT_AUTO_SEND as the LMS (and so the scheduled command) reads it."""
    text = tutor.env_text("apps", "openedx", "settings", "lms", "production.py")
    (value,) = [
        ast.literal_eval(node.value)
        for node in ast.parse(text).body
        if isinstance(node, ast.Assign)
        and getattr(node.targets[0], "id", None) == "SURVEY_REPORT_AUTO_SEND"
    ]
    return value


def assert_k8s_follows(tutor, yes):
    run = tutor.run("k8s", "start").check()
    (apply,) = [
        call["args"]
        for call in run.calls
        if call.get("tool") == "kubectl" and call["args"][0] == "apply"
    ]
    # What `k8s start` applies: the whole kustomization, jobs.yml included.
    assert apply[apply.index("--kustomize") + 1] == str(tutor.root / "env")
    (kustomization,) = tutor.env_yaml_documents("kustomization.yml")
    assert "k8s/jobs.yml" in kustomization["resources"]
    (cronjob,) = [
        doc for doc in tutor.env_yaml_documents("k8s", "jobs.yml") if doc["kind"] == "CronJob"
    ]
    assert cronjob["metadata"]["name"] == "survey-report"
    assert cronjob["spec"]["suspend"] is (not yes)
    # It mounts the settings by their generated name, which kustomize rewrites
    # to the new hash-suffixed ConfigMap on every apply.
    volumes = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "settings-lms", "configMap": {"name": "openedx-settings-lms"}} in volumes
    assert lms_auto_send(tutor) is yes


def assert_compose_follows(tutor, yes):
    run = tutor.run("local", "start", "-d").check()
    (up,) = [
        call["args"]
        for call in run.calls
        if call.get("tool") == "docker" and "up" in call["args"]
    ]
    assert "--remove-orphans" in up
    files = [up[i + 1] for i, arg in enumerate(up) if arg == "-f"]
    prod = str(tutor.root / "env" / "local" / "docker-compose.prod.yml")
    assert prod in files
    (compose,) = tutor.env_yaml_documents("local", "docker-compose.prod.yml")
    assert (SCHEDULER in compose["services"]) is yes
    assert lms_auto_send(tutor) is yes


@pytest.mark.parametrize("assert_follows", [assert_k8s_follows, assert_compose_follows], ids=["k8s", "compose"])
@pytest.mark.parametrize("first", [True, False], ids=["yes-no-yes", "no-yes-no"])
def test_deployment_follows_every_answer(tutor, first, assert_follows):
    """Kubernetes and docker compose follow the operator's answer, and each change of mind."""
    answer(tutor, first)
    assert_follows(tutor, first)
    change_mind(tutor, not first)
    assert_follows(tutor, not first)
    change_mind(tutor, first)
    assert_follows(tutor, first)
