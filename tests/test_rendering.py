"""
The banner's HTML kept per state and language (``survey_report_banner.rendering``), on real pages.

The rule under test: a page whose banner comes from the kept HTML is byte for byte the page
``{% include "survey_report_banner/banner.html" %}`` renders for the same state, apart from the
CSRF token (masked afresh on every request, as Django does); each request gets its own token and
``next``; any change of state gives new HTML.
"""

import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path
from unittest import mock

import pytest
from django.template import Context, Engine, Template
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from openedx.features.survey_report.models import SURVEY_REPORT_ERROR

from survey_report_banner import preview, rendering
from survey_report_banner.context_processors import survey_report_banner as banner_processor
from survey_report_banner.models import SurveyReportAttempt

from conftest import make_report

BANNER = 'id="survey-report-banner"'
SEND = "/survey-report-banner/send/"
DISMISS = "/survey-report-banner/dismiss/"
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]*)(")')
NEXT = re.compile(r'name="next" value="([^"]*)"')


def fresh(context):
    """What the wrapper rendered before the HTML was kept: a plain ``{% include %}``."""
    return context.template.engine.get_template(rendering.TEMPLATE_NAME).render(context)


@contextmanager
def counting_renders():
    """Count the banner template's renders (a render is a split of its output at the placeholders)."""
    with mock.patch.object(rendering, "_SLOTS", wraps=rendering._SLOTS) as slots:
        yield slots.split


def page(client, path="/admin/", **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


def section(html):
    return re.search(r'<section id="survey-report-banner".*?</section>', html, re.S).group(0)


def without_tokens(html):
    return TOKEN.sub(r"\1TOKEN\3", html)


def kept_and_fresh(client, path="/admin/", **headers):
    """The page from the kept HTML (asserting no render), and the page rendered with a plain include."""
    # Renders and keeps this state, if it was not kept yet. Twice: a value the first page read from
    # the database is read from the cache afterwards, which may pickle apart (rendering._digest).
    page(client, path, **headers)
    page(client, path, **headers)
    with counting_renders() as renders:
        kept = page(client, path, **headers)
    assert renders.call_count == 0, "expected the kept HTML"
    with mock.patch.object(rendering, "render", fresh):
        plain = page(client, path, **headers)
    return kept, plain


def failed_three_times():
    now = datetime.now(dt_timezone.utc)
    for minutes in (50, 40, 30):  # final rows (older than the pending window): the decision is cached
        SurveyReportAttempt.objects.create(attempted_at=now - timedelta(minutes=minutes), trigger="banner",
                                           cause="http:503")
        make_report(now - timedelta(minutes=minutes) + timedelta(seconds=5), state=SURVEY_REPORT_ERROR)


STATES = {
    "due": lambda: None,
    "failed, attempts exhausted": failed_three_times,
    "preview counted": preview.compute,
    "preview counting": lambda: rendering_cache().add(preview.LOCK_KEY, {"token": "t", "since": "x"}),
    "a report sent before": lambda: make_report(datetime.now(dt_timezone.utc) - timedelta(days=400)),
    "preview lost": lambda: rendering_cache().add(preview.LOCK_KEY, {
        "token": "t", "since": "2026-01-01T00:00:00+00:00", "until": "2026-01-01T00:10:00+00:00"}),
}


def rendering_cache():
    from survey_report_banner import caching  # pylint: disable=import-outside-toplevel
    return caching.cache()


@pytest.mark.django_db
class TestKeptIsFresh:
    """The kept HTML is what the template renders, in every state, language and layout."""

    @pytest.mark.parametrize("state", STATES)
    @pytest.mark.parametrize("path, headers", [
        ("/admin/", {}),
        ("/admin/auth/user/", {}),  # compact
        ("/admin/", {"HTTP_ACCEPT_LANGUAGE": "es"}),
    ])
    @override_settings(SURVEY_REPORT_BANNER_PENDING_MINUTES=15)
    def test_byte_identical_but_the_token(self, admin_client, state, path, headers):
        STATES[state]()
        kept, plain = kept_and_fresh(admin_client, path, **headers)
        assert BANNER in kept
        assert kept != plain  # the tokens differ: each request masks its own
        assert without_tokens(kept) == without_tokens(plain)

    def test_after_preview_without_javascript(self, admin_client):
        """The page after a no-JavaScript Preview opens What is sent (a cookie): another state, kept apart."""
        preview.compute()
        shut, _ = kept_and_fresh(admin_client)
        admin_client.cookies[preview.OPEN_COOKIE] = "1"
        opened, plain = kept_and_fresh(admin_client)
        assert "data-survey-report-disclosure open" in opened and "data-survey-report-disclosure open" not in shut
        assert without_tokens(opened) == without_tokens(plain)

    def test_in_another_time_zone(self, admin_client):
        failed_three_times()
        with override_settings(TIME_ZONE="America/Bogota", SURVEY_REPORT_BANNER_PENDING_MINUTES=15):
            kept, plain = kept_and_fresh(admin_client)
        assert "-05" in kept or "COT" in kept
        assert without_tokens(kept) == without_tokens(plain)

    def test_a_kept_state_is_rendered_once_per_process(self, admin_client):
        rendering._kept.clear()
        with counting_renders() as renders:
            for path in ("/admin/", "/admin/", "/admin/auth/user/", "/admin/auth/group/", "/admin/"):
                page(admin_client, path)
        assert renders.call_count == 2  # full and compact
        assert len(rendering._kept) == 2


@pytest.mark.django_db
class TestPerRequest:
    """The CSRF token and ``next`` are the request's, escaped as the template escapes them."""

    def test_next_is_each_requests_full_path_escaped(self, admin_client):
        first = page(admin_client, "/admin/auth/user/?q=a&o=1")
        second = page(admin_client, "/admin/auth/group/")
        assert set(NEXT.findall(first)) == {"/admin/auth/user/?q=a&amp;o=1"}
        assert set(NEXT.findall(second)) == {"/admin/auth/group/"}
        # One state (compact), so one kept HTML: the banners differ only by next and the tokens.
        assert NEXT.sub("", without_tokens(section(first))) == NEXT.sub("", without_tokens(section(second)))

    def test_each_request_gets_its_own_valid_token(self, superuser):
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        pages = [page(client) for _ in range(2)]
        tokens = [{value for _, value, _ in TOKEN.findall(html)} for html in pages]
        assert all(len(found) == 1 for found in tokens), tokens  # every form of a page: its token
        assert tokens[0] != tokens[1]
        response = client.post(DISMISS, {"csrfmiddlewaretoken": tokens[1].pop(), "next": "/admin/"})
        assert response.status_code == 302
        assert BANNER not in page(client)

    def test_without_a_token_the_forms_have_none_as_the_template_says(self):
        srb = {"next": "/admin/", "compact": True}
        template = Template("{% load survey_report_banner %}{% srb_banner %}")
        theirs = Template('{% csrf_token %}|{{ survey_report_banner.next }}')
        with mock.patch.object(Engine.get_default(), "get_template", return_value=theirs):
            assert template.render(Context({"survey_report_banner": srb})) == "|/admin/"
            assert template.render(Context({"survey_report_banner": srb, "csrf_token": "t&k"})) == \
                '<input type="hidden" name="csrfmiddlewaretoken" value="t&amp;k">|/admin/'


    def test_a_placeholder_printed_otherwise_is_never_kept(self):
        """A theme's banner printing the token or next another way: rendered each time, never kept."""
        rendering._kept.clear()
        template = Template("{% load survey_report_banner %}{% srb_banner %}")
        theirs = Template("{{ csrf_token }}|{{ survey_report_banner.next|urlencode }}")
        with mock.patch.object(Engine.get_default(), "get_template", return_value=theirs):
            out = template.render(Context({"survey_report_banner": {"next": "/a b"}, "csrf_token": "tok"}))
        assert out == "tok|/a%20b"
        assert rendering._kept == {}

    def test_the_template_prints_next_only_plainly(self):
        source = (Path(rendering.__file__).parent / "templates" / rendering.TEMPLATE_NAME).read_text()
        # Filled in as {{ srb.next }} prints it: a filter, a tag argument or a {% with %} would not be.
        assert source.count("srb.next") == source.count("{{ srb.next }}") > 0
        assert "{% autoescape" not in source  # next is escaped as the page around the banner escapes


@pytest.mark.django_db
class TestStateChanges:
    """Every event that changes what the banner says gives new HTML, equal to a fresh render."""

    def test_dismiss_send_preview_language(self, admin_client, other_superuser, broker):
        other = Client()
        other.force_login(other_superuser)
        seen = [page(admin_client)]

        preview.compute()  # a preview counted
        seen.append(page(admin_client))
        assert "data-survey-report-json" in seen[-1]

        seen.append(page(admin_client, HTTP_ACCEPT_LANGUAGE="es"))
        with translation.override("es"):
            assert translation.gettext("Read more") != "Read more"
            assert f"<summary>{translation.gettext('Read more')}</summary>" in seen[-1]

        admin_client.post(DISMISS)  # this user only
        seen.append(page(admin_client))
        assert BANNER not in seen[-1]
        assert BANNER in page(other)

        other.post(SEND)  # on its way, for everyone
        assert BANNER not in page(other)

        bodies = [without_tokens(html) for html in seen]
        assert len(set(bodies)) == len(bodies)

    def test_a_failed_attempt(self, admin_client):
        before = page(admin_client)
        with override_settings(SURVEY_REPORT_BANNER_PENDING_MINUTES=15):
            failed_three_times()
            after = page(admin_client)
            assert "the endpoint answered HTTP 503" in after and "data-retry-at" in after
            kept, plain = kept_and_fresh(admin_client)
        assert without_tokens(before) != without_tokens(after)
        assert without_tokens(kept) == without_tokens(plain)


@pytest.mark.django_db
class TestDigest:
    """The key is every value of the banner's context but ``next``, with the language and the zone."""

    @pytest.fixture
    def context(self, superuser):
        request = RequestFactory().get("/admin/")
        request.user = superuser
        srb = banner_processor(request)["survey_report_banner"]
        assert srb
        return Context({"survey_report_banner": srb}), srb

    def test_every_value_but_next_is_in_the_key(self, context):
        ctx, srb = context
        key = rendering._digest(ctx, srb)
        assert rendering._digest(ctx, {**srb, "next": "/admin/elsewhere/"}) == key
        for name, value in srb.items():
            if name != "next":
                assert rendering._digest(ctx, {**srb, name: ("changed", value)}) != key, name

    def test_language_zone_and_escaping_are_in_the_key(self, context):
        ctx, srb = context
        key = rendering._digest(ctx, srb)
        with translation.override("es"):
            assert rendering._digest(ctx, srb) != key
        with override_settings(TIME_ZONE="America/Bogota"):
            assert rendering._digest(ctx, srb) != key
        assert rendering._digest(Context(autoescape=False), srb) != key

    def test_an_unpicklable_value_is_rendered_not_kept(self, context):
        ctx, srb = context
        assert rendering._digest(ctx, {**srb, "odd": lambda: None}) is None
