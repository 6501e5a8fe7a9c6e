"""
The banner in a real browser: headless Chromium driven by Playwright against the host served by a
real web server process, with a real Celery worker on Redis and the report receiver.

Also saves the README's screenshots (``docs/images/banner-{desktop,narrow}-{light,dark}.png``).
"""

import os
from pathlib import Path

import pytest

from host.processes import REPO_DIR

from .support import PASSWORD, wait_until

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path(os.environ.get("SRB_SCREENSHOT_DIR", REPO_DIR / "docs" / "images"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
BANNER = "#survey-report-banner"
MESSAGES = "ul.messagelist li"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser(chromium_service):
    """Debian's Chromium, headless, launched once for the session."""
    from playwright.sync_api import sync_playwright  # pylint: disable=import-outside-toplevel

    # Playwright's sync API keeps an asyncio loop on this thread; the test's own ORM calls (on the
    # shared database, one at a time) are safe, so tell Django not to refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_service, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser, redis_stack):
    """``open_page(**context_options)``: a page in a fresh browser context (own cookies) on the host."""
    contexts = []

    def open_(**options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=redis_stack.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def log_in(page, username):
    """Log in through /admin/login/ as a person does; end on the admin index."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def main_frame_navigations(page):
    """A list that fills with the URL of every navigation of the page's main frame from now on."""
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    return navigations


def test_dismiss_hides_the_banner_without_reloading_and_for_the_next_pages(open_page, redis_stack):
    from playwright.sync_api import expect  # pylint: disable=import-outside-toplevel

    db = redis_stack.database
    db.create_user("alice")
    db.create_user("bob")
    page = log_in(open_page(), "alice")
    expect(page.locator(BANNER)).to_be_visible()
    page.evaluate("window.__srbMarker = 'same document'")
    navigations = main_frame_navigations(page)

    page.get_by_role("button", name="Dismiss").click()

    expect(page.locator(BANNER)).to_have_count(0)
    expect(page.locator(MESSAGES)).to_contain_text("The survey report banner is dismissed")
    assert page.evaluate("window.__srbMarker") == "same document", "the page was reloaded"
    assert navigations == []
    assert page.evaluate("document.activeElement.getAttribute('role')") == "status"  # Focus moved to the message.
    assert db.objects("dismissal").filter(user__username="alice").count() == 1
    for path in ("/admin/auth/user/", "/admin/"):
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        expect(page.locator(BANNER)).to_have_count(0)
    # Dismissing is personal: bob is still asked.
    expect(log_in(open_page(), "bob").locator(BANNER)).to_be_visible()


def test_send_report_shows_the_message_and_the_worker_reaches_the_receiver(open_page, redis_stack):
    from playwright.sync_api import expect  # pylint: disable=import-outside-toplevel

    db = redis_stack.database
    db.create_user("alice")
    db.create_user("bob")
    page = log_in(open_page(), "bob")

    with page.expect_navigation():
        page.get_by_role("button", name="Send report").click()

    expect(page.locator(MESSAGES)).to_contain_text("Thank you! The survey report is being generated")
    expect(page.locator(f"{MESSAGES} a")).to_have_attribute("href", "/admin/survey_report/surveyreport/")
    expect(page.locator(BANNER)).to_have_count(0)
    [payload] = redis_stack.receiver.wait_for(1, timeout=30)
    assert payload["registered_learners"] == 2
    wait_until(lambda: db.objects("report").filter(state="generated").exists(), 10, message="report generated")
    # Sent for everyone: alice, who never answered, is not asked either.
    expect(log_in(open_page(), "alice").locator(BANNER)).to_have_count(0)


def test_both_buttons_work_without_javascript(open_page, redis_stack):
    from playwright.sync_api import expect  # pylint: disable=import-outside-toplevel

    db = redis_stack.database
    db.create_user("carol")
    db.create_user("dave")
    page = log_in(open_page(java_script_enabled=False), "carol")
    expect(page.locator(BANNER)).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Dismiss").click()

    expect(page.locator(MESSAGES)).to_contain_text("The survey report banner is dismissed")
    expect(page.locator(BANNER)).to_have_count(0)
    page.goto("/admin/auth/user/")
    expect(page.locator(BANNER)).to_have_count(0)

    page = log_in(open_page(java_script_enabled=False), "dave")
    with page.expect_navigation():
        page.get_by_role("button", name="Send report").click()

    expect(page.locator(MESSAGES)).to_contain_text("Thank you! The survey report is being generated")
    expect(page.locator(BANNER)).to_have_count(0)
    redis_stack.receiver.wait_for(1, timeout=30)


def test_staff_without_superuser_sees_no_banner(open_page, redis_stack):
    from playwright.sync_api import expect  # pylint: disable=import-outside-toplevel

    redis_stack.database.create_user("staff", staff=True, superuser=False)
    page = log_in(open_page(), "staff")
    expect(page.locator("#content")).to_be_visible()
    expect(page.locator(BANNER)).to_have_count(0)
    assert "survey_report_banner/banner.css" not in page.content()


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    text: el.textContent.trim(),
    inBanner: !!el.closest('#survey-report-banner'),
    focusVisible: el.matches(':focus-visible'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
  };
}"""


def tab_to(page, label, limit=60):
    """Press Tab until the banner button ``label`` has focus; return its focus style."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STYLE)
        if focused["inBanner"] and focused["text"] == label:
            return focused
    raise AssertionError(f"{label!r} was not reached with {limit} presses of Tab")


def assert_visible_focus(focused):
    assert focused["focusVisible"], focused
    assert focused["outlineStyle"] not in ("none", "hidden") and focused["outlineWidth"] >= 2, focused


def test_keyboard_only_reaches_and_operates_both_buttons_with_visible_focus(open_page, redis_stack):
    from playwright.sync_api import expect  # pylint: disable=import-outside-toplevel

    db = redis_stack.database
    db.create_user("erin")
    db.create_user("frank")
    page = log_in(open_page(), "erin")
    assert_visible_focus(tab_to(page, "Send report"))
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUS_STYLE)
    assert focused["text"] == "Dismiss" and focused["inBanner"], "Dismiss must follow Send report in tab order"
    assert_visible_focus(focused)

    page.keyboard.press("Enter")

    expect(page.locator(BANNER)).to_have_count(0)
    expect(page.locator(MESSAGES)).to_contain_text("The survey report banner is dismissed")

    page = log_in(open_page(), "frank")
    assert_visible_focus(tab_to(page, "Send report"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(MESSAGES)).to_contain_text("Thank you! The survey report is being generated")
    expect(page.locator(BANNER)).to_have_count(0)
    redis_stack.receiver.wait_for(1, timeout=30)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("layout", ["desktop", "narrow"])
def test_screenshots_fit_the_page_in_both_colour_schemes(open_page, redis_stack, layout, scheme):
    """Saves docs/images/banner-<layout>-<scheme>.png for the README; checks nothing overflows."""
    from playwright.sync_api import expect  # pylint: disable=import-outside-toplevel

    viewport = DESKTOP if layout == "desktop" else NARROW
    redis_stack.database.create_user("admin")
    page = log_in(open_page(viewport=viewport, color_scheme=scheme), "admin")
    banner = page.locator(BANNER)
    expect(banner).to_be_visible()

    overflow = page.evaluate("""() => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      banner: Math.max(...[...document.querySelectorAll('#survey-report-banner, #survey-report-banner *')]
                          .map(el => el.getBoundingClientRect().right)) - window.innerWidth,
    })""")
    assert overflow["page"] <= 0 and overflow["banner"] <= 0, f"overflow at {viewport['width']}px: {overflow}"
    colours = banner.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    assert colours[0] != colours[1]

    box = banner.bounding_box()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=SCREENSHOT_DIR / f"banner-{layout}-{scheme}.png",
        clip={"x": 0, "y": 0, "width": viewport["width"], "height": box["y"] + box["height"] + 12},
        full_page=True,
        animations="disabled",
        caret="hide",
    )
