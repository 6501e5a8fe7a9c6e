/*
 * Progressive enhancement for the survey report banner; without it both buttons are plain forms.
 * - Dismiss: posts in the background and removes the banner without reloading the page.
 * - Send report: disables itself once submitted, so an impatient second click sends nothing.
 */
(function () {
  "use strict";

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

  function enhance(banner) {
    var dismissForm = banner.querySelector('form[data-survey-report-action="dismiss"]');
    var sendForm = banner.querySelector('form[data-survey-report-action="send"]');

    if (sendForm) {
      sendForm.addEventListener("submit", function () {
        var button = sendForm.querySelector("button");
        // Disable after the browser has taken the submission, or the form would not post.
        window.setTimeout(function () { button.disabled = true; }, 0);
        button.setAttribute("aria-busy", "true");
      });
    }

    if (dismissForm && window.fetch && window.FormData) {
      dismissForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = dismissForm.querySelector("button");
        button.disabled = true;
        window.fetch(dismissForm.action, {
          method: "POST",
          body: new FormData(dismissForm),
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
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
