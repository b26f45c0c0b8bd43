// Task board: drag a card to another column (SortableJS) or use its "Move to" menu.
// Each move is one POST to /api/tasks/<id>/move/ (the server runs the transition between the
// two columns); a refused move puts the card back where it was and says why. Moves that need a
// reason, hours or a deliverable ask for them in a <dialog> first. Texts come from the page
// (data- attributes, translated by Django); nothing here is inline, for the strict CSP.
(function () {
  "use strict";

  var ACTION_TARGETS = {
    start: "in_progress", pause: "waiting", resume: "in_progress", submit_review: "in_review",
    complete: "done", return_review: "in_progress", reopen: "in_progress"
  };

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) { return values[name] == null ? "" : values[name]; });
  }

  // What the move from one column to another asks for (mirrors tasks/board.py and services).
  function needsFor(card, from, to) {
    var needs = [];
    var review = card.getAttribute("data-review") === "1";
    if ((from === "in_progress" && to === "waiting") || (from === "done" && to === "in_progress") ||
        (from === "in_review" && to === "in_progress")) { needs.push("comment"); }
    if (from === "in_review" && to === "done" && !review) { needs.push("actual_hours"); }
    if (from === "in_progress" && to === "in_review") {
      needs.push("note");  // the optional note for the reviewer, as on the task page
      if (review) { needs.push("actual_hours"); }
      if (card.getAttribute("data-deliverable")) { needs.push("deliverable"); }
    }
    return needs;
  }

  function errorText(body) {
    if (!body || typeof body !== "object") { return ""; }
    if (body.detail) { return String(body.detail); }
    var parts = [];
    Object.keys(body).forEach(function (k) {
      var v = body[k];
      parts.push(Array.isArray(v) ? v.join(" ") : String(v));
    });
    return parts.join(" ");
  }

  function setup(board) {
    var status = document.getElementById("board-status");
    var strings = document.getElementById("board-strings");
    var dialog = document.getElementById("move-dialog");
    var urlTemplate = board.getAttribute("data-move-url");  // .../tasks/0/move/
    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    }
    function columnOf(state) { return board.querySelector(".cards[data-state='" + state + "']"); }
    function recount() {
      board.querySelectorAll(".column").forEach(function (col) {
        var n = col.querySelectorAll(".taskcard").length;
        var c = col.querySelector("[data-count]");
        if (c) { c.textContent = String(n); }
      });
    }
    function rebuildMenu(card, allowed) {
      var form = card.querySelector(".move-form");
      if (!form) { return; }
      var select = form.querySelector("select");
      var seen = {};
      select.innerHTML = "";
      (allowed || []).forEach(function (action) {
        var to = ACTION_TARGETS[action];
        if (!to || seen[to] || !columnOf(to)) { return; }
        if (action === "start" && card.getAttribute("data-state") !== "todo") { return; }
        seen[to] = true;
        var opt = document.createElement("option");
        opt.value = to;
        opt.textContent = fmt(strings.getAttribute("data-move-to"), { column: columnOf(to).getAttribute("data-label") });
        select.appendChild(opt);
      });
      form.hidden = select.options.length === 0;
      form.querySelector("input[name=expected_state]").value = card.getAttribute("data-state");
    }

    // Ask for what the move needs; resolves with FormData, or null when cancelled.
    function ask(card, from, to, needs) {
      return new Promise(function (resolve) {
        var form = dialog.querySelector("[data-move-dialog-form]");
        form.reset();
        var title = dialog.querySelector("#move-dialog-title");
        title.textContent = fmt(title.getAttribute("data-title-template"),
          { key: card.getAttribute("data-key"), column: columnOf(to).getAttribute("data-label") });
        var err = dialog.querySelector("[data-dialog-error]");
        err.hidden = true;
        var note = needs.indexOf("note") >= 0 && needs.indexOf("comment") < 0;
        dialog.querySelectorAll("[data-need]").forEach(function (box) {
          var need = box.getAttribute("data-need");
          box.hidden = needs.indexOf(need) < 0 && !(need === "comment" && note);
        });
        var label = dialog.querySelector("label[for=move-comment]");
        var comment = dialog.querySelector("#move-comment");
        label.textContent = label.getAttribute(note ? "data-note-label" : from === "in_review" ? "data-return-label" : "data-reason-label");
        comment.required = needs.indexOf("comment") >= 0;
        dialog.querySelector("#move-hours").required = needs.indexOf("actual_hours") >= 0;
        function done() {
          dialog.removeEventListener("close", done);
          if (dialog.returnValue !== "ok") { resolve(null); return; }
          resolve(new FormData(form));
        }
        form.onsubmit = function (e) {
          var submitter = e.submitter;
          if (submitter && submitter.value === "ok" && needs.indexOf("deliverable") >= 0) {
            var file = dialog.querySelector("#move-file").files.length;
            var link = dialog.querySelector("#move-link").value.trim();
            if (!file && !link) {
              e.preventDefault();
              err.textContent = dialog.querySelector("[data-deliverable-hint]").textContent;
              err.hidden = false;
            }
          }
        };
        dialog.addEventListener("close", done);
        dialog.returnValue = "";
        dialog.showModal();
        var first = dialog.querySelector("[data-need]:not([hidden]) textarea, [data-need]:not([hidden]) input");
        (first || dialog.querySelector("[data-dialog-ok]")).focus();
      });
    }

    // Run the move; ``undo`` puts the card back when the server refuses.
    function move(card, to, undo) {
      var from = card.getAttribute("data-state");
      var needs = needsFor(card, from, to);
      var asked = needs.length ? ask(card, from, to, needs) : Promise.resolve(new FormData());
      return asked.then(function (data) {
        if (data === null) { undo(); card.querySelector("a").focus(); return; }
        data.set("to_state", to);
        data.set("expected_state", from);
        if (!data.get("file") || !data.get("file").size) { data.delete("file"); }
        var url = urlTemplate.replace("/0/", "/" + card.getAttribute("data-task") + "/");
        card.setAttribute("aria-busy", "true");
        return fetch(url, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
        }).then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (body) { return { ok: r.ok, body: body }; });
        }).then(function (res) {
          card.removeAttribute("aria-busy");
          if (!res.ok) {
            undo();
            say(strings.getAttribute("data-error") + " " + errorText(res.body), true);
            return;
          }
          card.setAttribute("data-state", res.body.state);
          var column = columnOf(res.body.state);
          if (column && card.parentNode !== column) { column.insertBefore(card, column.firstChild); }
          rebuildMenu(card, res.body.allowed_actions);
          recount();
          say(fmt(strings.getAttribute("data-moved"), { key: card.getAttribute("data-key"), column: column ? column.getAttribute("data-label") : res.body.state }), false);
        }).catch(function () {
          card.removeAttribute("aria-busy");
          undo();
          say(strings.getAttribute("data-network"), true);
        });
      });
    }

    if (window.Sortable) {
      board.querySelectorAll(".cards").forEach(function (list) {
        window.Sortable.create(list, {
          group: "board", sort: false, animation: 120, filter: "select, button, input, textarea",
          preventOnFilter: false, draggable: ".taskcard",
          onEnd: function (evt) {
            if (evt.from === evt.to) { return; }
            var card = evt.item;
            var from = evt.from;
            var oldIndex = evt.oldIndex;
            function undo() {
              from.insertBefore(card, from.children[oldIndex] || null);
              recount();
            }
            move(card, evt.to.getAttribute("data-state"), undo);
          }
        });
      });
    }

    // The keyboard (and phone) way: the "Move to" menu on each card.
    board.addEventListener("submit", function (e) {
      var form = e.target.closest(".move-form");
      if (!form) { return; }
      e.preventDefault();
      var card = form.closest(".taskcard");
      var parent = card.parentNode;
      var next = card.nextSibling;
      var to = form.querySelector("select").value;
      move(card, to, function () { parent.insertBefore(card, next); recount(); }).then(function () {
        var select = card.querySelector(".move-form select");
        if (select && !card.querySelector(".move-form").hidden) { select.focus(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.querySelector("[data-board]");
    if (board) { setup(board); }
  });
})();
