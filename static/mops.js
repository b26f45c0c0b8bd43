// MOps Desk: small progressive enhancements (the pages work without them).
// Loaded as a same-origin file so the Content-Security-Policy needs no inline scripts.
(function () {
  "use strict";

  // The phone layout hides the nav behind a menu button only when this script runs.
  document.documentElement.classList.add("js");

  // Menu button: opens and closes the nav on narrow screens; Escape closes it again.
  function setupMenu() {
    var button = document.querySelector("[data-menu-button]");
    var header = document.querySelector("header.site");
    if (!button || !header) { return; }
    function set(open) {
      header.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () { set(!header.classList.contains("open")); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && header.classList.contains("open")) { set(false); button.focus(); }
    });
  }

  // Language switcher: a select that submits its form at once (a button remains without JS).
  function setupLanguage() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
      var button = select.form.querySelector("[data-autosubmit-button]");
      if (button) { button.hidden = true; }
    });
  }

  // Request form: when a campaign type is chosen, show its playbooks (and, where the page
  // offers it, the launch feasibility) in the panels named by data-* attributes.
  function refreshPanels(form) {
    var type = form.querySelector("#id_campaign_type");
    var launch = form.querySelector("#id_launch_date");
    document.querySelectorAll("[data-panel-url]").forEach(function (panel) {
      if (!type || !type.value) { panel.innerHTML = ""; return; }
      var url = panel.getAttribute("data-panel-url") + "?campaign_type=" + encodeURIComponent(type.value);
      if (launch && launch.value) { url += "&launch_date=" + encodeURIComponent(launch.value); }
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { panel.innerHTML = html; })
        .catch(function () { panel.innerHTML = ""; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupLanguage();
    // A table that scrolls sideways (phone layout) must be reachable by keyboard to scroll it.
    function focusableScrollers() {
      document.querySelectorAll("main table, .board").forEach(function (el) {
        if (el.scrollWidth > el.clientWidth + 1) { el.setAttribute("tabindex", "0"); }
        else if (el.getAttribute("tabindex") === "0") { el.removeAttribute("tabindex"); }
      });
    }
    focusableScrollers();
    window.addEventListener("resize", focusableScrollers);
    // Forms that destroy something ask first (data-confirm holds the translated question).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
    var form = document.querySelector("form[data-request-form]");
    if (form) {
      ["#id_campaign_type", "#id_launch_date"].forEach(function (sel) {
        var el = form.querySelector(sel);
        if (el) { el.addEventListener("change", function () { refreshPanels(form); }); }
      });
      refreshPanels(form);
    }
    // Panels that show another page's fragment as soon as the page loads (e.g. how-to articles).
    document.querySelectorAll("[data-panel-src]").forEach(function (panel) {
      fetch(panel.getAttribute("data-panel-src"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) { panel.innerHTML = html; } })
        .catch(function () {});
    });
    // Pages with a running background job poll their own progress URL and reload when done.
    var progress = document.querySelector("[data-progress-url]");
    if (progress) {
      var timer = setInterval(function () {
        fetch(progress.getAttribute("data-progress-url"), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            var bar = progress.querySelector("progress");
            if (bar) { bar.value = data.progress || 0; }
            var label = progress.querySelector("[data-progress-label]");
            if (label) { label.textContent = (data.progress || 0) + "%"; }
            if (data.done) { clearInterval(timer); window.location.reload(); }
          })
          .catch(function () { clearInterval(timer); });
      }, 1500);
    }
  });
})();
