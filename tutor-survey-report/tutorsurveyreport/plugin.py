"""
Tutor plugin ``survey_report``.

Asks operators of production platforms, once, whether they want to send
anonymized usage reports to the Open edX project, and if so schedules
``./manage.py lms send_survey_report_if_due`` daily on docker compose
(``tutor local``) and on Kubernetes (``tutor k8s``). It also installs the
``survey-report-banner`` Django app into the openedx image and configures it,
and adds ``tutor local|k8s|dev do survey-report`` to send a report now (or,
with ``--status``, to say where reports stand).

Tutor imports this module only when the plugin is enabled, so every hook below
is active exactly while ``tutor plugins enable survey_report`` is in force.
"""

from __future__ import annotations

import json
import typing as t
from importlib import resources

import click
from tutor import exceptions, hooks

PLUGIN_NAME = "survey_report"

#: The question, word for word. Tests assert on it.
AUTO_SEND_QUESTION = (
    "Would you like to send anonymized reports of usage back to the Open edX project?"
)

#: The survey-report-banner releases this plugin release works with (the
#: ``send_survey_report_if_due`` options and settings it renders): installed
#: into the openedx image unless SURVEY_REPORT_BANNER_PIP_REQUIREMENT says
#: otherwise. Pre-1.0, a minor release may break compatibility.
BANNER_REQUIREMENT = "survey-report-banner>=0.1.0,<0.2"

#: LMS hosts that Tutor itself uses for platforms that are not in production
#: (see ``tutor.interactive.ask_questions``), plus the older overhang.io one.
NON_PRODUCTION_LMS_HOSTS = (
    "local.openedx.io",
    "local.edly.io",
    "local.overhang.io",
)

# Every setting is prefixed with SURVEY_REPORT_ and declared as a *default*:
# defaults are never written to config.yml, so an operator's config.yml only
# ever holds the values that they chose themselves (or answered interactively).
hooks.Filters.CONFIG_DEFAULTS.add_items(
    [
        # The interactive answer. False until the operator says yes.
        ("SURVEY_REPORT_AUTO_SEND", False),
        # Kubernetes CronJob schedule (docker compose has no cron: see the
        # local-docker-compose-prod-services patch). An odd minute past an odd
        # hour keeps the job away from the top-of-the-hour rush.
        ("SURVEY_REPORT_CRON_SCHEDULE", "17 3 * * *"),
        # Installed into the openedx image. Any pip requirement specifier works:
        # "survey-report-banner==1.2.3", a git URL, a wheel URL...
        ("SURVEY_REPORT_BANNER_PIP_REQUIREMENT", BANNER_REQUIREMENT),
        # edx-platform's ANONYMOUS_SURVEY_REPORT setting.
        ("SURVEY_REPORT_ANONYMOUS", True),
        # The banner's waffle switch, set at each `do init` only when the
        # operator chose: true shows the banner, false hides it. None (null,
        # unset) never touches the switch, so one flipped in Django admin stays.
        ("SURVEY_REPORT_BANNER", None),
        # Extra key/values sent along with each report (edx-platform's
        # SURVEY_REPORT_EXTRA_DATA setting).
        ("SURVEY_REPORT_EXTRA_DATA", {}),
        # True adds {"openedx_release": OPENEDX_COMMON_VERSION} to the above.
        ("SURVEY_REPORT_SEND_RELEASE", False),
        # edx-platform's SURVEY_REPORT_CHECK_THRESHOLD (months between reports).
        # None (null) leaves edx-platform's own default (6) untouched.
        ("SURVEY_REPORT_CHECK_THRESHOLD", None),
        # How many hours before a report falls due the scheduled job sends it:
        # at least the interval between runs plus slack. None (null) leaves the
        # app's default (30: daily runs plus 6 hours) untouched; set it when
        # SURVEY_REPORT_CRON_SCHEDULE runs less often than daily.
        ("SURVEY_REPORT_SCHEDULED_LEAD_HOURS", None),
    ]
)


########################################
# Interactive question
########################################


def is_production(config: dict[str, t.Any]) -> bool:
    """
    Tell whether the interactive configuration in progress is for production.

    ``hooks.Actions.CONFIG_INTERACTIVE`` receives only the config, not the
    ``run_for_prod`` value that ``tutor.interactive.ask_questions`` worked with,
    and Tutor does not store it. So:

    - ``tutor k8s launch`` always configures production
      (``ask_questions(config, run_for_prod=True)``), whatever LMS_HOST is;
    - ``tutor dev launch`` never does (``run_for_prod=False``);
    - otherwise (``tutor local launch``, ``tutor config save -i``) the operator
      answered "Are you configuring a production platform?", and a "no" makes
      Tutor set LMS_HOST to ``local.openedx.io``. Tutor refuses a production
      LMS_HOST that contains "localhost", so such a host means "not production".
    """
    command = _current_tutor_command()
    if command == "k8s":
        return True
    if command == "dev":
        return False
    lms_host = str(config.get("LMS_HOST") or "").strip().lower()
    if not lms_host:
        return False
    if "localhost" in lms_host:
        return False
    return not any(
        lms_host == host or lms_host.endswith("." + host)
        for host in NON_PRODUCTION_LMS_HOSTS
    )


def _current_tutor_command() -> str | None:
    """
    Return "k8s", "dev" or "local" when running under that Tutor command group.

    The click context of ``tutor k8s launch`` carries Tutor's K8sContext object,
    and ``tutor local|dev launch`` a compose context whose NAME is "local" or
    "dev". The names of the command groups on the way up are the fallback.
    """
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        obj = ctx.obj
        if type(obj).__name__ == "K8sContext":
            return "k8s"
        name = getattr(obj, "NAME", None)
        if name in ("local", "dev"):
            return t.cast(str, name)
        if ctx.info_name in ("k8s", "local", "dev"):
            return ctx.info_name
        ctx = ctx.parent
    return None


def _set_on_command_line() -> bool:
    """
    True for ``tutor config save -i --set SURVEY_REPORT_AUTO_SEND=...``.

    Tutor applies ``--set`` only after the interactive questions, so the
    answer to a question asked here would be thrown away.
    """
    ctx = click.get_current_context(silent=True)
    set_vars = ctx.params.get("set_vars") if ctx is not None else None
    return any(key == "SURVEY_REPORT_AUTO_SEND" for key, _value in set_vars or ())


@hooks.Actions.CONFIG_INTERACTIVE.add()
def ask_auto_send(config: dict[str, t.Any]) -> None:
    """
    Ask, once and only for production, whether to send reports automatically.

    Tutor calls this after all of its own questions, with the operator's config
    (config.yml plus base settings, *without* plugin defaults): a
    SURVEY_REPORT_AUTO_SEND key in it was set by the operator, interactively
    or with ``tutor config save --set``, so it is never asked again. The
    answer lands in config.yml when Tutor saves the config.
    """
    if "SURVEY_REPORT_AUTO_SEND" in config or _set_on_command_line():
        return
    if not is_production(config):
        return
    # Imported here: tutor.interactive imports tutor.config, which may still be
    # loading when Tutor imports plugins.
    from tutor import interactive  # pylint: disable=import-outside-toplevel

    # Same helper, prompt style and y/N rendering as Tutor's own yes/no
    # questions (e.g. "Activate SSL/TLS certificates for HTTPS access?").
    interactive.ask_bool(
        AUTO_SEND_QUESTION,
        "SURVEY_REPORT_AUTO_SEND",
        config,
        {"SURVEY_REPORT_AUTO_SEND": False},
    )


########################################
# Template filter
########################################


def survey_report_extra_data(extra_data: t.Any, release: str | None = None) -> str:
    """
    Render SURVEY_REPORT_EXTRA_DATA as a Python literal for a settings file.

    JSON is not Python (``true``/``null``), and a raw ``{{ dict }}`` breaks on
    quotes, so the value goes through JSON (which turns YAML dates and other
    odd values into strings and rejects anything that is not plain data) and
    back, and is written with ``repr``: ``ast.literal_eval`` reads it back.
    ``release``, when given, is added as "openedx_release" unless the operator
    set that key themselves.
    """
    if extra_data in (None, ""):
        extra_data = {}
    if not isinstance(extra_data, dict):
        raise exceptions.TutorError(
            "SURVEY_REPORT_EXTRA_DATA must be a mapping, "
            f"got {type(extra_data).__name__}: {extra_data!r}"
        )
    data = json.loads(json.dumps(extra_data, default=str, sort_keys=True))
    if release:
        data.setdefault("openedx_release", str(release))
    return repr(data)


def survey_report_months(value: t.Any) -> int:
    """
    Validate SURVEY_REPORT_CHECK_THRESHOLD: a whole, positive number of months.

    Jinja's ``int`` filter would quietly turn a typo into 0, which would make a
    report due every day; fail the ``tutor config save`` instead.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise exceptions.TutorError(
            f"SURVEY_REPORT_CHECK_THRESHOLD must be a number of months, got {value!r}"
        )
    try:
        months = int(value)
    except ValueError as exc:
        raise exceptions.TutorError(
            f"SURVEY_REPORT_CHECK_THRESHOLD must be a number of months, got {value!r}"
        ) from exc
    if months < 1:
        raise exceptions.TutorError(
            f"SURVEY_REPORT_CHECK_THRESHOLD must be at least 1, got {months}"
        )
    return months


def survey_report_lead_hours(value: t.Any) -> int:
    """
    Validate SURVEY_REPORT_SCHEDULED_LEAD_HOURS: a whole number of hours, 0 to 336.

    The app caps the lead at 14 days (a longer one would send reports well
    before they are due) and ignores nonsense: fail the ``tutor config save``
    instead of letting a typo silently mean the default.
    """
    error = (
        "SURVEY_REPORT_SCHEDULED_LEAD_HOURS must be a whole number of hours "
        f"from 0 to 336, got {value!r}"
    )
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise exceptions.TutorError(error)
    try:
        hours = int(value)
    except ValueError as exc:
        raise exceptions.TutorError(error) from exc
    if not 0 <= hours <= 336:
        raise exceptions.TutorError(error)
    return hours


hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(
    [
        ("survey_report_extra_data", survey_report_extra_data),
        ("survey_report_months", survey_report_months),
        ("survey_report_lead_hours", survey_report_lead_hours),
    ]
)


########################################
# Patches
########################################


def _iter_patches() -> t.Iterator[tuple[str, str]]:
    """Yield (patch name, content) for every file in the patches/ folder."""
    patches = resources.files("tutorsurveyreport") / "patches"
    for entry in sorted(patches.iterdir(), key=lambda p: p.name):
        if entry.is_file() and not entry.name.startswith("."):
            yield entry.name, entry.read_text(encoding="utf-8")


hooks.Filters.ENV_PATCHES.add_items(list(_iter_patches()))


########################################
# Init task: the banner's kill switch
########################################

# Runs in the lms container during `tutor local|dev|k8s do init` (so during
# every launch and upgrade too), after Tutor's own lms init task has run the
# migrations that create waffle's tables. The command is rendered with the
# config at run time. Only an operator who set SURVEY_REPORT_BANNER gets the
# switch set, on every init, to match; by default (unset) the task only says
# so, and a switch flipped in Django admin is never overwritten.
hooks.Filters.CLI_DO_INIT_TASKS.add_item(
    (
        "lms",
        (
            "{% if SURVEY_REPORT_BANNER is none %}"
            "echo 'survey_report: SURVEY_REPORT_BANNER is not set: "
            "the survey_report_banner.disable_banner switch is left as it is'"
            "{% else %}"
            "./manage.py lms waffle_switch survey_report_banner.disable_banner "
            "{% if SURVEY_REPORT_BANNER %}off{% else %}on{% endif %} --create"
            "{% endif %}"
        ),
    )
)


########################################
# `do survey-report`: send one now, or say where reports stand
########################################


@click.command(
    name="survey-report",
    help=(
        "Send the Open edX survey report now if it is due "
        "(no report sent within SURVEY_REPORT_CHECK_THRESHOLD months), or always "
        "with --force. Fails when the report could not be sent. With --status, "
        "send nothing: say what the LMS knows about its reports (--json for monitoring)."
    ),
)
@click.option(
    "--force",
    is_flag=True,
    help="Send a report even if one was sent recently.",
)
@click.option(
    "--status",
    is_flag=True,
    help=(
        "Send nothing: print the last report delivered, when the next one is due, "
        "whether one is on its way, the last failure and its cause, and the settings "
        "that decide sending (./manage.py lms survey_report_status). Exits 0."
    ),
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="With --status: print one JSON object, for monitoring.",
)
def survey_report_command(force: bool, status: bool, as_json: bool) -> t.Iterator[tuple[str, str]]:
    """
    ``tutor local|k8s|dev do survey-report [--force | --status [--json]]``.

    Tutor runs the command in a one-off lms job container: its output is shown
    (docker compose) or kept in the Job's logs (Kubernetes), and a non-zero exit
    (the report could not be sent) makes the ``tutor`` command fail. It runs
    without ``--scheduled``: a person asking for a report gets one even when
    automatic sending is off. ``--status`` runs the app's read-only
    ``survey_report_status`` instead, which always exits 0.
    """
    if status and force:
        raise click.UsageError("--status sends nothing and --force sends a report: choose one.")
    if as_json and not status:
        raise click.UsageError("--json goes with --status.")
    if status:
        command = "./manage.py lms survey_report_status"
        if as_json:
            command += " --json"
    else:
        command = "./manage.py lms send_survey_report_if_due"
        if force:
            command += " --force"
    yield ("lms", command)


hooks.Filters.CLI_DO_COMMANDS.add_item(survey_report_command)


__all__ = [
    "AUTO_SEND_QUESTION",
    "BANNER_REQUIREMENT",
    "PLUGIN_NAME",
    "ask_auto_send",
    "is_production",
    "survey_report_command",
    "survey_report_extra_data",
    "survey_report_lead_hours",
    "survey_report_months",
]
