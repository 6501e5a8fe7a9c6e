"""What ``tutor config save`` renders into env/, parsed and checked field by field."""

import ast
import os
import re
import shutil
import subprocess

import pytest

SCHEDULER = "survey-report-scheduler"
COMMAND = "./manage.py lms send_survey_report_if_due --scheduled"
LMS_SETTINGS_MOUNT = (
    "../apps/openedx/settings/lms:/openedx/edx-platform/lms/envs/tutor:roz"
)


def compose_prod_services(tutor):
    (document,) = tutor.env_yaml_documents("local", "docker-compose.prod.yml")
    return document["services"]


def k8s_jobs(tutor):
    return tutor.env_yaml_documents("k8s", "jobs.yml")


def cronjobs(tutor):
    return [doc for doc in k8s_jobs(tutor) if doc["kind"] == "CronJob"]


def cronjob(tutor):
    (found,) = cronjobs(tutor)
    return found


def tutor_lms_job(tutor):
    (found,) = [doc for doc in k8s_jobs(tutor) if doc["metadata"]["name"] == "lms-job"]
    return found


def lms_settings(tutor, name="production.py"):
    text = tutor.env_text("apps", "openedx", "settings", "lms", name)
    tree = ast.parse(text)  # valid Python
    assignments = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.isupper():
                try:
                    assignments[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    return text, assignments


########## docker compose


def test_compose_service_when_auto_send(tutor):
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    services = compose_prod_services(tutor)
    service = services[SCHEDULER]

    assert service["image"] == tutor.printvalue("DOCKER_IMAGE_OPENEDX")
    assert service["environment"] == {
        "SERVICE_VARIANT": "lms",
        "DJANGO_SETTINGS_MODULE": "lms.envs.tutor.production",
    }
    assert service["restart"] == "unless-stopped"
    assert service["depends_on"] == ["lms"]
    # Same mounts as Tutor's own long-running LMS sibling, lms-worker.
    assert LMS_SETTINGS_MOUNT in service["volumes"]
    assert service["volumes"] == services["lms-worker"]["volumes"]
    # No Docker socket, no privileges, no new image.
    assert not any("docker.sock" in volume for volume in service["volumes"])
    assert "build" not in service and "privileged" not in service

    shell, flag, script = service["command"]
    assert (shell, flag) == ("sh", "-c")
    assert COMMAND in script
    assert "sleep 86400" in script
    # docker compose interpolates "$": every literal one must be doubled.
    assert not re.search(r"(?<!\$)\$(?!\$)", script.replace("$$", ""))


def test_compose_service_absent_by_default_and_when_declined(tutor):
    assert SCHEDULER not in compose_prod_services(tutor)
    tutor.save("SURVEY_REPORT_AUTO_SEND=false")
    assert SCHEDULER not in compose_prod_services(tutor)
    # Never in the dev platform's files, whatever the answer.
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    for name in os.listdir(tutor.root / "env" / "dev"):
        assert SCHEDULER not in tutor.env_text("dev", name)


def test_compose_service_mounts_follow_tutor_mounts(tutor, tmp_path):
    checkout = tmp_path / "edx-platform"
    checkout.mkdir()
    tutor.run("mounts", "add", str(checkout)).check()
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    service = compose_prod_services(tutor)[SCHEDULER]
    assert f"{checkout}:/openedx/edx-platform:z" in service["volumes"]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_compose_loop_runs_logs_failures_and_stops_on_sigterm(tutor, tmp_path):
    """Run the rendered loop with a fake manage.py and a fake sleep."""
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    script = compose_prod_services(tutor)[SCHEDULER]["command"][2].replace("$$", "$")

    workdir = tmp_path / "edx-platform"
    workdir.mkdir()
    calls = tmp_path / "manage-calls"
    manage = workdir / "manage.py"
    # First run fails, later runs succeed.
    manage.write_text(
        f'#!/bin/sh\necho "$@" >> {calls}\n[ "$(wc -l < {calls})" -gt 1 ] || exit 3\n'
    )
    manage.chmod(0o755)
    fake_bin = tmp_path / "loop-bin"
    fake_bin.mkdir()
    sleeps = tmp_path / "sleeps"
    sleep = fake_bin / "sleep"
    # Returns at once; on its third call it sends SIGTERM to the loop, as
    # `docker stop` would.
    sleep.write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> {sleeps}\n'
        f'if [ "$(wc -l < {sleeps})" -ge 3 ]; then kill -TERM "$PPID"; fi\n'
    )
    sleep.chmod(0o755)

    proc = subprocess.run(
        ["sh", "-c", script],
        cwd=workdir,
        env={"PATH": f"{fake_bin}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    assert calls.read_text().splitlines() == [
        "lms send_survey_report_if_due --scheduled"
    ] * 2
    assert sleeps.read_text().split() == ["3600", "86400", "86400"]
    assert "send_survey_report_if_due failed (exit code 3)" in proc.stderr
    assert "done; next check in 24 hours" in proc.stdout


########## Kubernetes


def test_cronjob_when_auto_send(tutor):
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    job = cronjob(tutor)
    lms_job = tutor_lms_job(tutor)

    assert job["apiVersion"] == "batch/v1"
    assert job["metadata"]["name"] == "survey-report"
    labels = job["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "cronjob"
    assert labels["app.kubernetes.io/name"] == "survey-report"
    spec = job["spec"]
    assert spec["suspend"] is False
    assert spec["schedule"] == "17 3 * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["successfulJobsHistoryLimit"] >= 1
    assert spec["failedJobsHistoryLimit"] >= 1
    job_spec = spec["jobTemplate"]["spec"]
    assert 0 <= job_spec["backoffLimit"] <= 2
    assert "ttlSecondsAfterFinished" not in job_spec  # keep failed Jobs visible
    pod = job_spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    assert container["image"] == tutor.printvalue("DOCKER_IMAGE_OPENEDX")
    assert container["command"] == [
        "./manage.py",
        "lms",
        "send_survey_report_if_due",
        "--scheduled",
    ]
    assert " ".join(container["command"]) == COMMAND
    assert {e["name"]: e["value"] for e in container["env"]} == {
        "SERVICE_VARIANT": "lms",
        "DJANGO_SETTINGS_MODULE": "lms.envs.tutor.production",
    }
    # Settings and config mounted exactly as for Tutor's own lms-job.
    (lms_container,) = lms_job["spec"]["template"]["spec"]["containers"]
    assert container["volumeMounts"] == lms_container["volumeMounts"]
    assert pod["volumes"] == lms_job["spec"]["template"]["spec"]["volumes"]


def test_cronjob_is_applied_by_k8s_start_and_ignored_by_k8s_do(tutor):
    """`tutor k8s start` must select the CronJob; `tutor k8s do` must not run it."""
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    run = tutor.run("k8s", "start").check()
    (apply,) = [
        c["args"]
        for c in run.calls
        if c.get("tool") == "kubectl" and c["args"][0] == "apply"
    ]
    selector = apply[apply.index("--selector") + 1]
    match = re.fullmatch(r"app\.kubernetes\.io/component notin \((.*)\)", selector)
    assert match, selector
    excluded = match.group(1).split(",")
    assert (
        cronjob(tutor)["metadata"]["labels"]["app.kubernetes.io/component"]
        not in excluded
    )

    from tutor.commands.k8s import K8sTaskRunner

    # Tutor's own job lookup for `k8s do`, fed with the jobs.yml rendered above.
    runner = K8sTaskRunner(str(tutor.root), {})
    runner.render = lambda *path: tutor.env_text(*path)
    assert "kind: CronJob" in runner.render("k8s", "jobs.yml")
    names = [job["metadata"]["name"] for job in runner._load_jobs()]  # pylint: disable=protected-access
    assert "lms-job" in names and "survey-report" not in names


def test_cronjob_suspended_unless_auto_send(tutor):
    """
    Always rendered, so that `tutor k8s start` updates it; suspended unless "yes".

    A CronJob dropped from the manifests would stay on the cluster, mounting
    the old hash-suffixed settings ConfigMap that still says True (issue 10).
    """
    assert cronjob(tutor)["spec"]["suspend"] is True
    assert tutor_lms_job(tutor)
    tutor.save("SURVEY_REPORT_AUTO_SEND=true")
    assert cronjob(tutor)["spec"]["suspend"] is False
    tutor.save("SURVEY_REPORT_AUTO_SEND=false")
    job = cronjob(tutor)
    assert job["spec"]["suspend"] is True
    # Otherwise the same CronJob, so applying it updates the one on the cluster.
    (container,) = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert " ".join(container["command"]) == COMMAND
    assert tutor_lms_job(tutor)


def test_k8s_start_with_auto_send_off_applies_a_suspended_cronjob(tutor):
    """`tutor k8s start` after "no": the CronJob it applies is suspended, the settings say False."""
    tutor.save("SURVEY_REPORT_AUTO_SEND=false")
    run = tutor.run("k8s", "start").check()
    assert any(c.get("tool") == "kubectl" and c["args"][0] == "apply" for c in run.calls)
    assert cronjob(tutor)["spec"]["suspend"] is True
    _, settings = lms_settings(tutor)
    assert settings["SURVEY_REPORT_AUTO_SEND"] is False


def test_cronjob_schedule_is_configurable(tutor):
    tutor.save("SURVEY_REPORT_AUTO_SEND=true", "SURVEY_REPORT_CRON_SCHEDULE=0 5 * * 1")
    assert cronjob(tutor)["spec"]["schedule"] == "0 5 * * 1"


def test_cronjob_listed_in_kustomization(tutor):
    (kustomization,) = tutor.env_yaml_documents("kustomization.yml")
    assert "k8s/jobs.yml" in kustomization["resources"]


########## LMS settings


def test_lms_settings_defaults(tutor):
    for name in ("production.py", "development.py"):
        text, settings = lms_settings(tutor, name)
        assert settings["ANONYMOUS_SURVEY_REPORT"] is True
        assert "ANONYMOUS_SURVEY_REPORT = True" in text
        # Always rendered: `send_survey_report_if_due --scheduled` reads it.
        assert settings["SURVEY_REPORT_AUTO_SEND"] is False
        assert "SURVEY_REPORT_AUTO_SEND = False" in text
        # Left to edx-platform unless configured.
        assert "SURVEY_REPORT_EXTRA_DATA" not in text
        assert "SURVEY_REPORT_CHECK_THRESHOLD" not in text
        assert "SURVEY_REPORT_SCHEDULED_LEAD_HOURS" not in text


@pytest.mark.parametrize("value, expected", [("true", True), ("false", False)])
def test_lms_settings_auto_send(tutor, value, expected):
    tutor.save(f"SURVEY_REPORT_AUTO_SEND={value}")
    for name in ("production.py", "development.py"):
        text, settings = lms_settings(tutor, name)
        assert settings["SURVEY_REPORT_AUTO_SEND"] is expected
        assert f"SURVEY_REPORT_AUTO_SEND = {expected}" in text


def test_lms_settings_not_anonymous(tutor):
    tutor.save("SURVEY_REPORT_ANONYMOUS=false")
    _, settings = lms_settings(tutor)
    assert settings["ANONYMOUS_SURVEY_REPORT"] is False


def test_lms_settings_extra_data_is_a_safe_python_literal(tutor):
    data = (
        '{"organization": "It\'s \\"Acme\\"", "count": 3, "ratio": 0.5, "public": true,'
        ' "notes": null, "tags": ["a", "b"], "nested": {"k": "v"}, "city": "Bogotá",'
        ' "injection": "\'; import os  #"}'
    )
    tutor.save(f"SURVEY_REPORT_EXTRA_DATA={data}")
    _, settings = lms_settings(tutor)
    assert settings["SURVEY_REPORT_EXTRA_DATA"] == {
        "organization": 'It\'s "Acme"',
        "count": 3,
        "ratio": 0.5,
        "public": True,
        "notes": None,
        "tags": ["a", "b"],
        "nested": {"k": "v"},
        "city": "Bogotá",
        "injection": "'; import os  #",
    }


def test_lms_settings_send_release(tutor):
    tutor.save("SURVEY_REPORT_SEND_RELEASE=true")
    _, settings = lms_settings(tutor)
    release = tutor.printvalue("OPENEDX_COMMON_VERSION")
    assert release
    assert settings["SURVEY_REPORT_EXTRA_DATA"] == {"openedx_release": release}

    tutor.save('SURVEY_REPORT_EXTRA_DATA={"org": "Acme"}')
    _, settings = lms_settings(tutor)
    assert settings["SURVEY_REPORT_EXTRA_DATA"] == {
        "org": "Acme",
        "openedx_release": release,
    }


def test_lms_settings_check_threshold(tutor):
    tutor.save("SURVEY_REPORT_CHECK_THRESHOLD=3")
    _, settings = lms_settings(tutor)
    assert settings["SURVEY_REPORT_CHECK_THRESHOLD"] == 3


def test_lms_settings_scheduled_lead(tutor):
    """For a schedule less frequent than daily: e.g. weekly runs, a week plus a day."""
    tutor.save("SURVEY_REPORT_CRON_SCHEDULE=0 5 * * 1", "SURVEY_REPORT_SCHEDULED_LEAD_HOURS=192")
    _, settings = lms_settings(tutor)
    assert settings["SURVEY_REPORT_SCHEDULED_LEAD_HOURS"] == 192


def test_lms_settings_name_the_scheduler_in_production_only(tutor):
    """`survey_report_status` says what sends on schedule: only we know, and `tutor dev` never does."""
    tutor.save("SURVEY_REPORT_AUTO_SEND=true", "SURVEY_REPORT_CRON_SCHEDULE=0 5 * * 1")
    _, settings = lms_settings(tutor)
    assert settings["SURVEY_REPORT_SCHEDULER"] == (
        "the Tutor plugin survey_report: the survey-report-scheduler service every 24 hours "
        "(tutor local), or the survey-report CronJob on schedule 0 5 * * 1 (tutor k8s)"
    )
    assert "SURVEY_REPORT_SCHEDULER" not in lms_settings(tutor, "development.py")[0]
    tutor.save("SURVEY_REPORT_AUTO_SEND=false")
    assert "SURVEY_REPORT_SCHEDULER" not in lms_settings(tutor)[0]


@pytest.mark.parametrize(
    "setting, message",
    [
        ("SURVEY_REPORT_CHECK_THRESHOLD=soon", "must be a number of months"),
        ("SURVEY_REPORT_CHECK_THRESHOLD=0", "must be at least 1"),
        ("SURVEY_REPORT_EXTRA_DATA=Acme", "SURVEY_REPORT_EXTRA_DATA must be a mapping"),
        ("SURVEY_REPORT_SCHEDULED_LEAD_HOURS=-1", "must be a whole number of hours"),
        ("SURVEY_REPORT_SCHEDULED_LEAD_HOURS=a day", "must be a whole number of hours"),
        ("SURVEY_REPORT_SCHEDULED_LEAD_HOURS=1000", "from 0 to 336"),
    ],
)
def test_bad_settings_fail_with_a_clear_error(tutor, setting, message):
    run = tutor.run("config", "save", "--set", setting)
    assert run.returncode != 0
    assert "Error: " in run.errors
    assert message in run.errors
    assert "Traceback" not in run.errors


def test_lms_settings_not_in_cms(tutor):
    assert "SURVEY_REPORT" not in tutor.env_text(
        "apps", "openedx", "settings", "cms", "production.py"
    )


########## Image


def test_dockerfile_installs_a_compatible_banner_app(tutor):
    dockerfile = tutor.env_text("build", "openedx", "Dockerfile")
    assert "$PIP_COMMAND install 'survey-report-banner>=0.1.0,<0.2'" in dockerfile
    # In the python-requirements stage, next to Tutor's own extra requirements.
    stage = dockerfile[
        dockerfile.index("AS python-requirements") : dockerfile.index(
            "AS nodejs-requirements"
        )
    ]
    assert "install 'survey-report-banner>=0.1.0,<0.2'" in stage


@pytest.mark.parametrize(
    "requirement",
    [
        "survey-report-banner @ git+https://github.com/example/survey-report-banner.git@main",
        "survey-report-banner @ https://example.org/wheels/survey_report_banner-0.1.0-py3-none-any.whl",
    ],
)
def test_dockerfile_installs_an_unpublished_version(tutor, requirement):
    """The README's "Installing an unpublished version" examples."""
    tutor.save(f"SURVEY_REPORT_BANNER_PIP_REQUIREMENT={requirement}")
    dockerfile = tutor.env_text("build", "openedx", "Dockerfile")
    assert f"$PIP_COMMAND install '{requirement}'" in dockerfile


def test_dockerfile_pip_requirement_is_configurable_and_composes(tutor):
    tutor.save("SURVEY_REPORT_BANNER_PIP_REQUIREMENT=survey-report-banner==1.2.3")
    tutor.run(
        "config", "save", "--append", "OPENEDX_EXTRA_PIP_REQUIREMENTS=some-xblock"
    ).check()
    dockerfile = tutor.env_text("build", "openedx", "Dockerfile")
    assert "install 'survey-report-banner==1.2.3'" in dockerfile
    assert "install 'some-xblock'" in dockerfile
    # The operator's list holds only what the operator put there.
    assert tutor.user_config["OPENEDX_EXTRA_PIP_REQUIREMENTS"] == ["some-xblock"]


########## do init

SWITCH_ON = "./manage.py lms waffle_switch survey_report_banner.disable_banner on --create"
SWITCH_OFF = "./manage.py lms waffle_switch survey_report_banner.disable_banner off --create"
LEFT_ALONE = (
    "echo 'survey_report: SURVEY_REPORT_BANNER is not set: "
    "the survey_report_banner.disable_banner switch is left as it is'"
)


def _init_commands(tutor):
    return tutor.run("local", "do", "init", "--limit", "survey_report").check().lms_job_commands()


def test_init_leaves_the_switch_alone_by_default(tutor):
    """Issue 10: an operator who turned the banner off in Django admin keeps it off."""
    assert tutor.printvalue("SURVEY_REPORT_BANNER") == "null"
    (command,) = _init_commands(tutor)
    assert command == LEFT_ALONE
    assert "waffle_switch" not in command
    assert "left as it is" in subprocess.run(
        ["sh", "-e", "-c", command], capture_output=True, text=True, check=True
    ).stdout


def test_init_turns_banner_switch_on_when_banner_disabled(tutor):
    tutor.save("SURVEY_REPORT_BANNER=false")
    assert _init_commands(tutor) == [SWITCH_ON]


def test_init_turns_banner_switch_off_when_banner_enabled_explicitly(tutor):
    tutor.save("SURVEY_REPORT_BANNER=true")
    assert _init_commands(tutor) == [SWITCH_OFF]


def test_init_leaves_the_switch_alone_once_unset_again(tutor):
    tutor.save("SURVEY_REPORT_BANNER=false")
    tutor.run("config", "save", "--unset", "SURVEY_REPORT_BANNER").check()
    assert "SURVEY_REPORT_BANNER" not in tutor.user_config
    assert _init_commands(tutor) == [LEFT_ALONE]


def test_init_task_runs_after_tutor_lms_init(tutor):
    run = tutor.run("local", "do", "init").check()
    lms_commands = [
        call["args"][-1]
        for call in run.calls
        if call.get("tool") == "docker"
        and "run" in call["args"]
        and "lms-job" in call["args"]
    ]
    migrate = next(i for i, c in enumerate(lms_commands) if "lms migrate" in c)
    waffle = next(
        i
        for i, c in enumerate(lms_commands)
        if "survey_report_banner.disable_banner" in c
    )
    assert migrate < waffle
    assert lms_commands[waffle] == LEFT_ALONE


########## disable


def test_disable_removes_everything(tutor):
    tutor.save("SURVEY_REPORT_AUTO_SEND=true", "SURVEY_REPORT_SEND_RELEASE=true")
    tutor.run("plugins", "disable", "survey_report").check()
    assert SCHEDULER not in compose_prod_services(tutor)
    assert not cronjobs(tutor)
    assert "SURVEY_REPORT" not in tutor.env_text(
        "apps", "openedx", "settings", "lms", "production.py"
    )
    assert "survey-report-banner" not in tutor.env_text(
        "build", "openedx", "Dockerfile"
    )
