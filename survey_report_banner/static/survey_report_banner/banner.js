/*
 * Progressive enhancement for the survey report banner; without it every button is a plain form
 * that posts, redirects back and shows a Django admin message.
 * - Dismiss: posts in the background, removes the banner without reloading the page, and says so
 *   in the admin's message list (a plain list; the live region wraps it).
 * - Send report: posts in the background, then follows the report (queued → generating → sent, or
 *   failed) by polling the banner's status endpoint for a bounded time, saying each change in a
 *   live region. On failure the same button offers to try again. Once sent, the banner ends: one
 *   confirmation line with a link to the report, nothing else left to press (the preview, its
 *   counting or lost-count status, the disclosures: all removed). While the send gate refuses
 *   attempts (a 429, or a page rendered with data-retry-at), the button waits until then.
 * - Preview: asks a worker to count this site's totals, then fills them into "What is sent"; a
 *   count that failed or was lost (its worker never took it, or stopped) is said, and Preview
 *   offered again.
 * - On a narrow screen the admin index gets the compact form: "Read more" starts closed.
 *
 * Busy buttons are marked aria-disabled rather than disabled: a disabled button drops keyboard
 * focus to <body>, and the next Tab would land below the banner.
 */
(function () {
  "use strict";

  // Polling: first after 1 s, then 1.5 times longer each time up to 4 s, for a bounded time.
  var FIRST_DELAY = 1000;
  var MAX_DELAY = 4000;
  var POLL_LIMIT = 120000;
  var PREVIEW_LIMIT = 300000;  // Counting a large site takes longer than sending a report.
  var STEPS = ["queued", "generating", "sent"];
  var NARROW = "(max-width: 767px)";  // As banner.css and Django admin's responsive.css.
  // A failed report's cause is recorded when the worker's task ends, a moment after the row's state.
  var CAUSE_WAITS = 2;

  // Django admin's messages are a plain list, and a list item must stay one (a role on it breaks
  // the list: axe "list", WCAG 1.3.1). The live region is a wrapper around the list instead,
  // made when the page is enhanced: a region must exist before its content changes to be heard.
  // Built detached, then inserted once, so the messages already shown are not read out again.
  function messageRegion(banner) {
    var region = document.querySelector("[data-survey-report-messages]");
    if (region) { return region; }
    region = document.createElement("div");
    region.setAttribute("data-survey-report-messages", "");
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "false");  // Only the new message, not the whole list.
    var list = document.querySelector("ul.messagelist");
    var parent = list ? list.parentNode : banner.parentNode;
    var next = list ? list.nextSibling : banner;
    if (list) { region.appendChild(list); }
    parent.insertBefore(region, next);
    return region;
  }

  // A message item with ``url`` (when the text names it) as a link, as the page without a script has.
  function showMessage(region, level, text, url) {
    var list = region.querySelector("ul.messagelist");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messagelist";
      region.appendChild(list);
    }
    var item = document.createElement("li");
    item.className = level;
    item.setAttribute("tabindex", "-1");  // Takes the focus of the button that goes with the banner.
    var at = url ? text.indexOf(url) : -1;
    if (at < 0) {
      item.textContent = text;
    } else {
      var link = document.createElement("a");
      link.href = url;
      link.textContent = url;
      item.appendChild(document.createTextNode(text.slice(0, at)));
      item.appendChild(link);
      item.appendChild(document.createTextNode(text.slice(at + url.length)));
    }
    list.appendChild(item);
    return item;
  }

  function isJson(response) {
    return (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
  }

  function postForm(form) {
    return window.fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    });
  }

  function getJson(url) {
    return window.fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok || !isJson(response)) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  // Ask ``url`` until ``handle(data)`` returns true or ``limit`` ms have passed (then ``late()``).
  function poll(url, limit, handle, late) {
    var started = Date.now();
    var delay = FIRST_DELAY;

    function again() {
      if (Date.now() - started + delay > limit) {
        late();
        return;
      }
      window.setTimeout(check, delay);
      delay = Math.min(MAX_DELAY, delay * 1.5);
    }

    function check() {
      getJson(url).then(function (data) {
        if (!handle(data)) { again(); }
      }).catch(again);  // A lost poll (restart, network blip) is retried within the same bound.
    }

    again();
  }

  function label(button) {
    if (!button.hasAttribute("data-label")) { button.setAttribute("data-label", button.textContent); }
    return button.getAttribute("data-label");
  }

  function setBusy(button, busy) {
    label(button);  // Remember the label before it changes.
    if (busy) {
      button.setAttribute("aria-disabled", "true");
      button.setAttribute("aria-busy", "true");
      button.textContent = button.getAttribute("data-busy-label") || button.textContent;
    } else {
      button.removeAttribute("aria-disabled");
      button.removeAttribute("aria-busy");
    }
  }

  function isUnavailable(button) {
    return button.getAttribute("aria-disabled") === "true";
  }

  function focusIfLost(target, banner) {
    // Move focus only when it was in the banner or lost to the page, never away from elsewhere.
    var active = document.activeElement;
    if (!active || active === document.body || banner.contains(active)) { target.focus(); }
  }

  function enhanceDismiss(banner, dismissForm, live) {
    var button = dismissForm.querySelector("button");
    var region = messageRegion(banner);
    dismissForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (isUnavailable(button)) { return; }
      setBusy(button, true);
      postForm(dismissForm).then(function (response) {
        if (!isJson(response)) { throw new Error("HTTP " + response.status); }
        return response.json().then(function (data) {
          setBusy(button, false);
          if (response.ok || data.status === "turned_off") {
            var message = showMessage(region, response.ok ? "info" : "warning", data.message, data.reports_url);
            banner.parentNode.removeChild(banner);
            message.focus();
          } else {
            // Not recorded (database or cache unavailable): say so here, keep the banner.
            button.textContent = label(button);
            live.textContent = data.message || banner.getAttribute("data-network-message");
            live.classList.add("is-failed");
            live.focus();
          }
        });
      }).catch(function () {
        // Let the server answer in full (it shows its own message or error page).
        setBusy(button, false);
        dismissForm.submit();
      });
    });
  }

  function Progress(banner, sendForm, dismissForm) {
    this.banner = banner;
    this.sendForm = sendForm;
    this.dismissForm = dismissForm;
    this.button = sendForm.querySelector("button");
    this.steps = banner.querySelector("[data-survey-report-progress]");
    this.live = banner.querySelector("[data-survey-report-status]");
    this.statusUrl = banner.getAttribute("data-status-url");
    this.busy = false;
    this.said = null;
  }

  Progress.prototype.say = function (text, failed) {
    // A live region speaks when its text changes: say each state once, not on every poll.
    if (text === this.said) { return; }
    this.said = text;
    this.live.textContent = text;
    this.live.classList.toggle("is-failed", !!failed);
  };

  Progress.prototype.items = function () {
    var items = this.steps.querySelectorAll("li");
    for (var i = 0; i < items.length; i += 1) { label(items[i]); }
    return items;
  };

  Progress.prototype.show = function (state) {
    var current = STEPS.indexOf(state);
    var items = this.items();
    this.steps.hidden = false;
    for (var i = 0; i < items.length; i += 1) {
      var step = STEPS.indexOf(items[i].getAttribute("data-step"));
      items[i].textContent = items[i].getAttribute("data-label");
      items[i].classList.toggle("is-done", step < current || state === "sent");
      items[i].classList.remove("is-failed");
      if (step === current) {
        items[i].setAttribute("aria-current", "step");
      } else {
        items[i].removeAttribute("aria-current");
      }
    }
  };

  Progress.prototype.start = function () {
    // A notice about an earlier attempt would contradict this one's live status: it goes.
    var notice = this.banner.querySelector("[data-survey-report-error]");
    if (notice) { notice.hidden = true; }
    this.busy = true;
    setBusy(this.button, true);  // "Sending…", and focus stays on it.
    this.dismissForm.hidden = true;
    this.banner.classList.add("is-sending");
  };

  Progress.prototype.answered = function () {
    // The invitation's "click the button below" no longer applies: the buttons are gone.
    var call = this.banner.querySelector("[data-survey-report-call]");
    if (call) { call.hidden = true; }
    this.busy = false;
    this.sendForm.hidden = true;
    this.dismissForm.hidden = true;
    this.banner.classList.remove("is-sending");
    focusIfLost(this.live, this.banner);  // The focused button is gone: the status is next.
  };

  Progress.prototype.sent = function (data) {
    // The banner ends here (issue 21): one confirmation line, linking to the report, saying for how
    // long nobody is asked. Everything else goes, so nothing stale (a preview and its counting or
    // lost-count status, a disclosure, the steps) stays on screen or can be pressed; the line keeps
    // role=status and takes the focus. The bar holds every disclosure, the preview and both forms.
    var banner = this.banner;
    var parts = banner.querySelectorAll(
      ".survey-report-banner__bar, [data-survey-report-progress], [data-survey-report-error]");
    for (var i = 0; i < parts.length; i += 1) { parts[i].parentNode.removeChild(parts[i]); }
    this.busy = false;
    banner.classList.remove("is-sending");
    banner.classList.add("is-sent");
    this.said = null;
    this.live.classList.remove("is-failed");
    this.live.textContent = data.message;
    if (data.report_url) {
      var link = document.createElement("a");
      link.href = data.report_url;
      link.textContent = data.report_link || data.report_url;
      this.live.appendChild(document.createTextNode(" "));
      this.live.appendChild(link);
      this.live.appendChild(document.createTextNode("."));
    }
    if (data.hidden_message) { this.live.appendChild(document.createTextNode(" " + data.hidden_message)); }
    // The section keeps its name, its short heading ("Survey report"), which is not removed; a page
    // without it (an older template) is named by the confirmation instead.
    if (!banner.querySelector("#survey-report-banner-title")) {
      if (!this.live.id) { this.live.id = "survey-report-banner-sent"; }
      banner.setAttribute("aria-labelledby", this.live.id);
    }
    focusIfLost(this.live, banner);  // The focused button is gone (focus fell to <body>).
  };

  Progress.prototype.failed = function (message, step) {
    // The step that failed: "sent" once a worker made the report, else "queued" (never picked up,
    // or the click itself failed). The steps before it are done; the failed one says "Not …".
    var failedAt = STEPS.indexOf(step || "queued");
    var items = this.items();
    for (var i = 0; i < items.length; i += 1) {
      var index = STEPS.indexOf(items[i].getAttribute("data-step"));
      var failedHere = index === failedAt;
      items[i].classList.toggle("is-done", index < failedAt);
      items[i].classList.toggle("is-failed", failedHere);
      items[i].textContent = (failedHere && items[i].getAttribute("data-failed-label")) ||
        items[i].getAttribute("data-label");
      items[i].removeAttribute("aria-current");
    }
    this.say(message, true);
    this.stopWaiting();
    this.button.textContent = this.button.getAttribute("data-retry-label") || label(this.button);
    this.dismissForm.hidden = false;
    focusIfLost(this.button, this.banner);  // On the button that tries again.
  };

  Progress.prototype.stopWaiting = function () {
    this.busy = false;
    setBusy(this.button, false);
    this.banner.classList.remove("is-sending");
  };

  Progress.prototype.tooSoon = function (data) {
    // Refused by the rate limit: nothing is on its way. Say why; the button works again later.
    this.steps.hidden = true;
    this.say(data.message, false);
    this.stopWaiting();
    this.button.textContent = label(this.button);
    this.dismissForm.hidden = false;
    this.holdUntil(data.retry_at);
  };

  Progress.prototype.holdUntil = function (retryAt) {
    // The send gate allows the next attempt at ``retryAt`` (ISO 8601): until then the button is
    // aria-disabled (still focusable, so its description stays reachable), then usable again.
    var button = this.button;
    var wait = retryAt ? Date.parse(retryAt) - Date.now() : 0;
    button.disabled = false;  // The page's own "disabled" is for browsers without this script.
    if (wait > 0) {
      button.setAttribute("aria-disabled", "true");
      window.setTimeout(function () {
        button.removeAttribute("aria-disabled");
        button.removeAttribute("data-retry-at");
      }, Math.min(wait, 2147483647));
    } else {
      button.removeAttribute("aria-disabled");
      button.removeAttribute("data-retry-at");
    }
  };

  Progress.prototype.follow = function () {
    var self = this;
    var causeWaits = 0;
    poll(this.statusUrl, POLL_LIMIT, function (data) {
      if (data.state === "sent") {
        self.sent(data);
        return true;
      }
      if (data.state === "failed" && !data.cause && data.created_at && causeWaits < CAUSE_WAITS) {
        causeWaits += 1;  // A worker made the report: its cause is probably being recorded now.
        return false;
      }
      if (data.state === "failed") {
        self.failed(data.message, data.created_at ? "sent" : "queued");
        return true;
      }
      if (STEPS.indexOf(data.state) >= 0) { self.show(data.state); }
      self.say(data.message, false);
      return false;
    }, function () {
      self.say(self.banner.getAttribute("data-timeout-message"), false);
      self.stopWaiting();
      // The report is on its way: a second one would be refused anyway.
      self.button.textContent = label(self.button);
      self.button.setAttribute("aria-disabled", "true");
    });
  };

  Progress.prototype.submit = function () {
    var self = this;
    this.start();
    this.show("queued");
    postForm(this.sendForm).then(function (response) {
      if (!isJson(response)) {
        // Not our JSON (a CSRF failure page, a proxy error): let the browser post and show it.
        self.stopWaiting();
        self.sendForm.submit();
        return;
      }
      return response.json().then(function (data) {
        if (data.status === "enqueued" || data.status === "already_pending") {
          self.say(data.message, false);
          self.follow();
        } else if (data.status === "already_sent") {
          self.sent(data);
        } else if (data.status === "turned_off") {
          self.steps.hidden = true;
          self.say(data.message, false);
          self.answered();
        } else if (data.status === "too_soon") {
          self.tooSoon(data);
        } else {
          self.failed(data.message || self.banner.getAttribute("data-network-message"));
        }
      });
    }).catch(function () {
      self.failed(self.banner.getAttribute("data-network-message"));
    });
  };

  function Preview(banner, root) {
    this.banner = banner;
    this.root = root;
    this.form = root.querySelector('form[data-survey-report-action="preview"]');
    this.button = this.form.querySelector("button");
    this.live = root.querySelector("[data-survey-report-preview-status]");
    this.body = root.querySelector("[data-survey-report-body]");
    this.json = root.querySelector("[data-survey-report-json]");
  }

  Preview.prototype.done = function (message, failed) {
    setBusy(this.button, false);
    this.button.textContent = label(this.button);
    this.live.textContent = message;
    this.live.classList.toggle("is-failed", !!failed);
  };

  Preview.prototype.fill = function (data) {
    var body = data.body || {};
    for (var key in body) {
      if (!Object.prototype.hasOwnProperty.call(body, key)) { continue; }
      var slot = this.banner.querySelector('[data-survey-report-value="' + key + '"]');
      if (!slot) { continue; }
      slot.querySelector("[data-value]").textContent = String(body[key]);
      slot.hidden = false;
    }
    this.json.textContent = data.json;
    this.body.hidden = false;
    this.done(data.message, false);
  };

  // One answer, from the click or a poll: true when there is nothing more to wait for.
  Preview.prototype.answer = function (data) {
    if (data.status === "ready") {
      this.fill(data);
      return true;
    }
    if (data.status === "counting") {
      this.live.classList.remove("is-failed");
      if (this.live.textContent !== data.message) { this.live.textContent = data.message; }
      return false;
    }
    this.done(data.message || this.root.getAttribute("data-network-message"), true);
    return true;
  };

  Preview.prototype.submit = function () {
    var self = this;
    setBusy(this.button, true);  // "Counting…", and focus stays on it.
    postForm(this.form).then(function (response) {
      if (!isJson(response)) {
        setBusy(self.button, false);
        self.form.submit();
        return;
      }
      return response.json().then(function (data) {
        if (self.answer(data)) { return; }
        poll(self.root.getAttribute("data-result-url"), PREVIEW_LIMIT, function (next) {
          return self.answer(next);
        }, function () {
          self.done(self.root.getAttribute("data-slow-message"), false);
        });
      });
    }).catch(function () {
      self.done(self.root.getAttribute("data-network-message"), true);
    });
  };

  function compactOnNarrowScreens(banner) {
    // The index opens "Read more" in its markup (no script: the whole message); on a phone it
    // starts closed, as on every other admin page. Back on a wide screen its summary is hidden,
    // so it must be open again.
    var full = banner.querySelector("[data-survey-report-full]");
    if (!full || !window.matchMedia) { return; }
    var narrow = window.matchMedia(NARROW);
    if (narrow.matches) { full.open = false; }
    var widened = function (event) { if (!event.matches) { full.open = true; } };
    if (narrow.addEventListener) {
      narrow.addEventListener("change", widened);
    } else if (narrow.addListener) {
      narrow.addListener(widened);
    }
  }

  function enhance(banner) {
    var dismissForm = banner.querySelector('form[data-survey-report-action="dismiss"]');
    var sendForm = banner.querySelector('form[data-survey-report-action="send"]');
    var previewRoot = banner.querySelector("[data-survey-report-preview]");
    var live = banner.querySelector("[data-survey-report-status]");
    var modern = window.fetch && window.FormData;

    compactOnNarrowScreens(banner);

    if (sendForm && dismissForm && modern && banner.getAttribute("data-status-url")) {
      var progress = new Progress(banner, sendForm, dismissForm);
      if (progress.button.hasAttribute("data-retry-at")) {
        progress.holdUntil(progress.button.getAttribute("data-retry-at"));
      }
      sendForm.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!progress.busy && !isUnavailable(progress.button)) { progress.submit(); }
      });
    } else if (sendForm) {
      sendForm.addEventListener("submit", function () {
        var button = sendForm.querySelector("button");
        // Disable after the browser has taken the submission, or the form would not post.
        window.setTimeout(function () { button.disabled = true; }, 0);
        button.setAttribute("aria-busy", "true");
      });
    }

    if (dismissForm && modern && live) { enhanceDismiss(banner, dismissForm, live); }

    if (previewRoot && modern && previewRoot.getAttribute("data-result-url")) {
      var preview = new Preview(banner, previewRoot);
      preview.form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!isUnavailable(preview.button)) { preview.submit(); }
      });
    }
  }

  function init() {
    var banner = document.querySelector("[data-survey-report-banner]");
    if (banner) { enhance(banner); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
