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
    var end = form.querySelector("#id_end_date");
    document.querySelectorAll("[data-panel-url]").forEach(function (panel) {
      if (!type || !type.value) { panel.innerHTML = ""; return; }
      var url = panel.getAttribute("data-panel-url") + "?campaign_type=" + encodeURIComponent(type.value);
      if (launch && launch.value) { url += "&launch_date=" + encodeURIComponent(launch.value); }
      if (end && end.value) { url += "&end_date=" + encodeURIComponent(end.value); }
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
      ["#id_campaign_type", "#id_launch_date", "#id_end_date"].forEach(function (sel) {
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
    document.querySelectorAll("svg.gantt .gantt-drag").forEach(makeDraggable);
  });

  // Timelines: drag a campaign (its launch line, or its run on the portfolio) sideways.
  // On release the move is checked with GET /api/requests/{id}/reschedule/ (nothing written):
  // a refused move snaps back with the reason; an accepted one opens the preview page, where
  // the user sees which tasks stop fitting and saves. Without script that page is a form.
  function shiftDate(iso, days) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function makeDraggable(el) {
    var svg = el.ownerSVGElement;
    var ppd = parseFloat(svg.getAttribute("data-ppd")) || 12;
    var box = svg.closest(".card, main, body");
    var message = box ? box.querySelector(".gantt-message") : null;
    var startX = null;
    var dx = 0;

    function scale() {  // the SVG may be drawn smaller than its own width (print, zoom)
      var r = svg.getBoundingClientRect();
      return r.width ? svg.viewBox.baseVal.width / r.width : 1;
    }
    function snapBack(reason) {
      el.removeAttribute("transform");
      if (message && reason) { message.textContent = reason; message.hidden = false; }
    }
    function release() {
      if (startX === null) { return; }
      startX = null;
      var days = Math.round(dx / ppd);
      if (!days) { snapBack(""); return; }
      var launch = shiftDate(el.getAttribute("data-launch"), days);
      var end = shiftDate(el.getAttribute("data-end"), days);
      var query = "?launch_date=" + launch + "&end_date=" + end;
      fetch(el.getAttribute("data-drag-api") + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (res.ok) { window.location.href = el.getAttribute("data-drag-url") + query; return; }
          var reasons = [];
          Object.keys(res.body || {}).forEach(function (k) { reasons = reasons.concat(res.body[k]); });
          snapBack(reasons.join(" "));
        })
        .catch(function () { snapBack(""); });
    }
    el.addEventListener("pointerdown", function (ev) {
      startX = ev.clientX; dx = 0;
      if (message) { message.hidden = true; }
      el.setPointerCapture(ev.pointerId);
      ev.preventDefault();
    });
    el.addEventListener("pointermove", function (ev) {
      if (startX === null) { return; }
      dx = (ev.clientX - startX) * scale();
      el.setAttribute("transform", "translate(" + dx + " 0)");
    });
    el.addEventListener("pointerup", release);
    el.addEventListener("pointercancel", function () { startX = null; snapBack(""); });
    // Keyboard: arrows move by a day, Enter opens the preview of the move.
    el.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowLeft" || ev.key === "ArrowRight") {
        if (startX === null) { startX = 0; dx = 0; }
        dx += (ev.key === "ArrowRight" ? 1 : -1) * ppd;
        el.setAttribute("transform", "translate(" + dx + " 0)");
        ev.preventDefault();
      } else if (ev.key === "Enter") {
        release();
      } else if (ev.key === "Escape") {
        startX = null; snapBack("");
      }
    });
  }
})();
