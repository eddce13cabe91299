// Vejviser: small progressive enhancements. Every page works without this file (CSP: script-src 'self').
"use strict";

// A form is sent once: its CSRF token is single-use, so a second click would only be refused.
function oncePerForm(event) {
  var form = event.currentTarget;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
    window.setTimeout(function () { button.disabled = true; }, 0);
    if (button.dataset.busy) { button.textContent = button.dataset.busy; }
  });
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", oncePerForm);
  });

  // Filters apply as soon as a choice changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });

  // Ctrl/Cmd+Enter sends a textarea's form.
  document.querySelectorAll("textarea[data-submit-on-ctrl-enter]").forEach(function (area) {
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        area.form.requestSubmit();
      }
    });
  });

  // An answer template is inserted where the cursor is in the answer (the picker only shows with this script).
  document.querySelectorAll("button[data-insert-template]").forEach(function (button) {
    var select = document.getElementById(button.dataset.insertTemplate);
    var area = select && document.getElementById(select.dataset.templateFor);
    if (!area) { return; }
    button.closest(".template-pick").hidden = false;
    button.addEventListener("click", function () {
      var text = select.options[select.selectedIndex].dataset.text || "";
      var start = area.selectionStart, end = area.selectionEnd;
      area.value = area.value.slice(0, start) + text + area.value.slice(end);
      area.focus();
      area.selectionStart = area.selectionEnd = start + text.length;
    });
  });

  // The document viewer scrolls the cited passage into the middle of the screen.
  var cited = document.querySelector("mark.current");
  if (cited) {
    cited.scrollIntoView({ block: "center" });
  }

  // The newest chat answer is brought into view.
  var latest = document.getElementById("latest");
  if (latest) {
    latest.scrollIntoView({ block: "start" });
  }
});

// The chat page keeps the caseworker's requisitions current: every few seconds (paused while the tab is hidden) it
// asks /chat/updates what changed since its last look, puts the changed cards in place and shows how many hold
// news in the heading and the title. A card whose version is already shown is left alone (a reply being typed stays).
document.addEventListener("DOMContentLoaded", function () {
  var chat = document.getElementById("chat");
  if (!chat || !chat.dataset.updates || !window.fetch) { return; }
  var list = document.getElementById("mine-list");
  var count = document.getElementById("news-count");
  var live = document.getElementById("news-live");
  var since = chat.dataset.checkedAt;
  var every = Math.max(1, parseFloat(chat.dataset.pollSeconds) || 15) * 1000;
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var timer = null;
  var busy = false;
  var stopped = false;

  // Puts one changed card in place; "held" when she is typing in the old one (asked again next round).
  function show(update) {
    var old = document.getElementById("req-" + update.id);
    if (old && old.dataset.version === String(update.version)) { return false; }
    if (old && old.contains(document.activeElement)) { return "held"; }
    var holder = document.createElement("div");
    holder.innerHTML = update.html;  // rendered and escaped by the server's templates
    var card = holder.firstElementChild;
    if (!card) { return false; }
    card.querySelectorAll("form").forEach(function (form) { form.addEventListener("submit", oncePerForm); });
    if (old) {
      old.replaceWith(card);
    } else {
      var empty = document.getElementById("no-requisitions");
      if (empty) { empty.remove(); }
      list.prepend(card);
    }
    return update.unread;
  }

  function poll() {
    timer = null;
    if (stopped || busy || document.hidden) { return; }
    busy = true;
    fetch(chat.dataset.updates + "?since=" + encodeURIComponent(since),
          { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { stopped = true; return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        var news = [];
        var held = false;
        data.changed.forEach(function (update) {
          var shown = show(update);
          if (shown === "held") { held = true; } else if (shown) { news.push(update.news); }
        });
        if (!held) { since = data.checked_at; }
        count.textContent = data.unread_label;
        count.hidden = data.unread === 0;
        document.title = (data.unread ? "(" + data.unread + ") " : "") + baseTitle;
        if (news.length) { live.textContent = news.join(". "); }
      })
      .catch(function () { /* offline for a moment: the next round asks again */ })
      .then(function () { busy = false; schedule(); });
  }

  function schedule() {
    if (!stopped && !busy && timer === null && !document.hidden) { timer = window.setTimeout(poll, every); }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      if (timer !== null) { window.clearTimeout(timer); timer = null; }
    } else if (timer === null) {
      poll();  // back on the tab: look at once
    }
  });
  schedule();
});
