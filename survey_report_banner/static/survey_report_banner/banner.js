/*
 * Progressive enhancement for the survey report banner; without it both buttons are plain forms
 * that post, redirect back and show a Django admin message.
 * - Dismiss: posts in the background and removes the banner without reloading the page.
 * - Send report: posts in the background, then follows the report (queued → generating → sent, or
 *   failed) by polling the banner's status endpoint for a bounded time, saying each change in a
 *   live region. On failure the same button offers to try again.
 */
(function () {
  "use strict";

  // Polling: first after 1 s, then 1.5 times longer each time up to 4 s, for at most 2 minutes.
  var FIRST_DELAY = 1000;
  var MAX_DELAY = 4000;
  var POLL_LIMIT = 120000;
  var STEPS = ["queued", "generating", "sent"];

  function showMessage(banner, level, text) {
    var list = document.querySelector("ul.messagelist");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messagelist";
      banner.parentNode.insertBefore(list, banner);
    }
    var item = document.createElement("li");
    item.className = level;
    item.setAttribute("role", "status");
    item.setAttribute("tabindex", "-1");
    item.textContent = text;
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

  function enhanceDismiss(banner, dismissForm) {
    dismissForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = dismissForm.querySelector("button");
      button.disabled = true;
      postForm(dismissForm).then(function (response) {
        if (!isJson(response)) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        var message = showMessage(banner, "info", data.message);
        banner.parentNode.removeChild(banner);
        message.focus();
      }).catch(function () {
        // Let the server answer in full (it shows its own message or error page).
        button.disabled = false;
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

  Progress.prototype.show = function (state) {
    var current = STEPS.indexOf(state);
    var items = this.steps.querySelectorAll("li");
    this.steps.hidden = false;
    for (var i = 0; i < items.length; i += 1) {
      var step = STEPS.indexOf(items[i].getAttribute("data-step"));
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
    this.busy = true;
    this.button.disabled = true;
    this.button.setAttribute("aria-busy", "true");
    this.dismissForm.hidden = true;
    this.banner.classList.add("is-sending");
  };

  Progress.prototype.sent = function (message) {
    this.show("sent");
    this.say(message, false);
    this.busy = false;
    this.sendForm.hidden = true;
    this.dismissForm.hidden = true;
    this.banner.classList.remove("is-sending");
  };

  Progress.prototype.failed = function (message, step) {
    // The step that failed: "sent" once a worker made the report, else "queued" (never picked up,
    // or the click itself failed). The steps before it are done.
    var failedAt = STEPS.indexOf(step || "queued");
    var items = this.steps.querySelectorAll("li");
    for (var i = 0; i < items.length; i += 1) {
      var index = STEPS.indexOf(items[i].getAttribute("data-step"));
      items[i].classList.toggle("is-done", index < failedAt);
      items[i].classList.toggle("is-failed", index === failedAt);
      items[i].removeAttribute("aria-current");
    }
    this.say(message, true);
    this.stopWaiting();
    var hadFocus = document.activeElement === document.body || document.activeElement === this.button;
    this.button.textContent = this.button.getAttribute("data-retry-label") || this.button.textContent;
    this.dismissForm.hidden = false;
    // The disabled button lost focus to the page: give it back, on the button that tries again.
    if (hadFocus) { this.button.focus(); }
  };

  Progress.prototype.stopWaiting = function () {
    this.busy = false;
    this.button.disabled = false;
    this.button.removeAttribute("aria-busy");
    this.banner.classList.remove("is-sending");
  };

  Progress.prototype.poll = function () {
    var self = this;
    var started = Date.now();
    var delay = FIRST_DELAY;

    function again() {
      if (Date.now() - started + delay > POLL_LIMIT) {
        self.say(self.banner.getAttribute("data-timeout-message"), false);
        self.stopWaiting();
        self.button.disabled = true;  // The report is on its way: a second one would be refused anyway.
        return;
      }
      window.setTimeout(check, delay);
      delay = Math.min(MAX_DELAY, delay * 1.5);
    }

    function check() {
      window.fetch(self.statusUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok || !isJson(response)) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        if (data.state === "sent") {
          self.sent(data.message);
        } else if (data.state === "failed") {
          self.failed(data.message, data.created_at ? "sent" : "queued");
        } else {
          if (STEPS.indexOf(data.state) >= 0) { self.show(data.state); }
          self.say(data.message, false);
          again();
        }
      }).catch(again);  // A lost poll (restart, network blip) is retried within the same bound.
    }

    again();
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
          self.poll();
        } else if (data.status === "already_sent") {
          self.sent(data.message);
        } else if (data.status === "turned_off") {
          self.say(data.message, false);
          self.steps.hidden = true;
          self.sendForm.hidden = true;
          self.dismissForm.hidden = true;
        } else {
          self.failed(data.message);
        }
      });
    }).catch(function () {
      self.failed(self.banner.getAttribute("data-network-message"));
    });
  };

  function enhance(banner) {
    var dismissForm = banner.querySelector('form[data-survey-report-action="dismiss"]');
    var sendForm = banner.querySelector('form[data-survey-report-action="send"]');
    var modern = window.fetch && window.FormData;

    if (sendForm && dismissForm && modern && banner.getAttribute("data-status-url")) {
      var progress = new Progress(banner, sendForm, dismissForm);
      sendForm.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!progress.busy) { progress.submit(); }
      });
    } else if (sendForm) {
      sendForm.addEventListener("submit", function () {
        var button = sendForm.querySelector("button");
        // Disable after the browser has taken the submission, or the form would not post.
        window.setTimeout(function () { button.disabled = true; }, 0);
        button.setAttribute("aria-busy", "true");
      });
    }

    if (dismissForm && modern) { enhanceDismiss(banner, dismissForm); }
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
