// Vejviser: small progressive enhancements. Every page works without this file (CSP: script-src 'self').
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // A form is sent once: its CSRF token is single-use, so a second click would only be refused.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
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
    });
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
