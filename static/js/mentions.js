/* @mention autocomplete for comment boxes.
   Markup: <div class="mention-wrap" data-mention-url="/api/.../mentionable/" data-mention-empty="…"
   data-mention-label="…"><textarea></textarea></div>. Typing "@" followed by letters asks the
   endpoint (people who may see the object) and offers them; Enter/Tab/click inserts "@username ". */
(function () {
  "use strict";
  var TOKEN = /(^|[^\p{L}\p{N}_@])@([\p{L}\p{N}_.+-]*)$/u;

  function setup(wrap) {
    var area = wrap.querySelector("textarea");
    if (!area) { return; }
    var url = wrap.getAttribute("data-mention-url");
    var list = document.createElement("ul");
    var listId = (area.id || "comment") + "-mentions";
    list.className = "mention-list";
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", wrap.getAttribute("data-mention-label") || "");
    list.hidden = true;
    wrap.appendChild(list);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", listId);
    area.setAttribute("aria-expanded", "false");
    var items = [], active = -1, timer = null, seq = 0;

    function close() {
      list.hidden = true; items = []; active = -1;
      area.setAttribute("aria-expanded", "false");
      area.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, n) {
        li.setAttribute("aria-selected", n === i ? "true" : "false");
        if (n === i) { area.setAttribute("aria-activedescendant", li.id); li.scrollIntoView({ block: "nearest" }); }
      });
    }
    function currentToken() {
      var before = area.value.slice(0, area.selectionStart);
      var m = TOKEN.exec(before);
      return m ? { query: m[2], start: before.length - m[2].length - 1 } : null;
    }
    function choose(i) {
      var person = items[i], token = currentToken();
      if (!person || !token) { close(); return; }
      var after = area.value.slice(area.selectionStart);
      var insert = "@" + person.username + " ";
      area.value = area.value.slice(0, token.start) + insert + after;
      var caret = token.start + insert.length;
      area.setSelectionRange(caret, caret);
      close();
      area.focus();
    }
    function render(people) {
      list.textContent = "";
      items = people;
      if (!people.length) {
        var empty = document.createElement("li");
        empty.className = "empty";
        empty.textContent = wrap.getAttribute("data-mention-empty") || "";
        list.appendChild(empty);
      }
      people.forEach(function (p, n) {
        var li = document.createElement("li");
        li.id = listId + "-" + n;
        li.setAttribute("role", "option");
        li.textContent = p.name;
        var user = document.createElement("span");
        user.className = "user";
        user.textContent = "@" + p.username;
        li.appendChild(user);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(n); });
        list.appendChild(li);
      });
      list.hidden = false;
      area.setAttribute("aria-expanded", "true");
      highlight(people.length ? 0 : -1);
    }
    function lookup() {
      var token = currentToken();
      if (!token) { close(); return; }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(token.query), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (people) { if (mine === seq && currentToken()) { render(Array.isArray(people) ? people : []); } })
        .catch(close);
    }
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 150);
    });
    area.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if ((e.key === "Enter" || e.key === "Tab") && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    area.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init() { Array.prototype.forEach.call(document.querySelectorAll(".mention-wrap[data-mention-url]"), setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
