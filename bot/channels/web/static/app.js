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

// Nothing typed is lost (issue 16 d). What is typed into a form marked data-keep-draft is kept in this tab's
// sessionStorage, keyed by the form's action, until a page shows the form went through. A submit marks the draft
// pending; the next page decides: a page marked data-form-unsent (an error page after a POST, the sign-in page after
// an expired session, a refused answer) keeps it, any other page means it was sent, so it is dropped. A kept draft
// is put back into the empty fields of its form wherever that form is shown again, e.g. after signing in.
(function () {
  var PREFIX = "vejviser-draft:";
  var PENDING = "vejviser-draft-pending";
  var TYPED = "textarea, input[type=text], select, input[type=checkbox]";

  function storage() {
    try { return window.sessionStorage; } catch (error) { return null; }  // disabled storage: forms still work
  }

  function read(store, key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (error) { return null; }
  }

  function keyOf(form) { return PREFIX + form.getAttribute("action"); }

  function snapshot(form) {
    var draft = { fields: {}, checked: [], match: {}, typed: false };
    form.querySelectorAll(TYPED).forEach(function (field) {
      if (!field.name) { return; }
      if (field.type === "checkbox") {
        if (field.checked) { draft.checked.push(field.name + "=" + field.value); }
        return;
      }
      draft.fields[field.name] = field.value;
      if (field.tagName !== "SELECT" && field.value.trim()) { draft.typed = true; }
    });
    form.querySelectorAll("input[data-draft-match]").forEach(function (field) { draft.match[field.name] = field.value; });
    return draft;
  }

  function save(store, form) {
    var draft = snapshot(form);
    if (draft.typed) { store.setItem(keyOf(form), JSON.stringify(draft)); } else { store.removeItem(keyOf(form)); }
  }

  function matches(form, draft) {
    return Object.keys(draft.match || {}).every(function (name) {
      var field = form.querySelector("input[data-draft-match][name='" + name + "']");
      return field && field.value === draft.match[name];
    });
  }

  function restore(form, draft) {
    var anyChecked = form.querySelector("input[type=checkbox]:checked");
    form.querySelectorAll(TYPED).forEach(function (field) {
      if (field.type === "checkbox") {
        if (!anyChecked && draft.checked.indexOf(field.name + "=" + field.value) >= 0) { field.checked = true; }
      } else if (field.name in draft.fields && !field.value && draft.fields[field.name]) {
        field.value = draft.fields[field.name];
      } else if (field.tagName === "SELECT" && field.selectedIndex <= 0 && draft.fields[field.name]) {
        field.value = draft.fields[field.name];
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var store = storage();
    if (!store) { return; }

    var pending = read(store, PENDING);
    store.removeItem(PENDING);
    if (pending && pending.key) {
      var navigation = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
      var unsent = document.querySelector("[data-form-unsent]") || (navigation && navigation.type === "back_forward");
      var draft = read(store, pending.key);
      if (!unsent) {
        store.removeItem(pending.key);
      } else if (draft) {
        draft.unsent = true;
        store.setItem(pending.key, JSON.stringify(draft));
      }
    }

    document.querySelectorAll("form[data-keep-draft]").forEach(function (form) {
      var draft = read(store, keyOf(form));
      if (draft && matches(form, draft)) { restore(form, draft); }
      form.addEventListener("input", function () { save(store, form); });
      form.addEventListener("change", function () { save(store, form); });
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }  // cancelled, or a second click on a form already sent
        save(store, form);
        store.setItem(PENDING, JSON.stringify({ key: keyOf(form) }));
      });
    });

    // A question sent on to the task force comes back into the question field when the page that had the
    // route form is gone (after signing in again): asking it again brings the form back, with the context kept.
    document.querySelectorAll("textarea[data-draft-from]").forEach(function (area) {
      var parts = area.dataset.draftFrom.split(" ");
      var key = PREFIX + parts[0];
      var draft = read(store, key);
      if (area.value || !draft || !draft.unsent || document.querySelector("form[action='" + parts[0] + "']")) { return; }
      area.value = (draft.match || {})[parts[1]] || draft.fields[parts[1]] || "";
      draft.unsent = false;
      store.setItem(key, JSON.stringify(draft));
    });

    // Signing out forgets every draft of this tab: the next person at the screen does not find them.
    document.querySelectorAll("form[action='/logout']").forEach(function (form) {
      form.addEventListener("submit", function () {
        Object.keys(store).forEach(function (key) { if (key.indexOf(PREFIX) === 0) { store.removeItem(key); } });
      });
    });
  });
})();

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
