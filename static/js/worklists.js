// Working lists: the "/" search shortcut, "select all" for bulk actions, and people pickers.
// A same-origin file (strict CSP: no inline scripts); the pages work without it.
(function () {
  "use strict";
  var me = document.currentScript;

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // "/" focuses the header search box, unless the user is typing somewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    var box = document.querySelector("[data-search-shortcut]");
    if (!box) { return; }
    e.preventDefault();
    box.focus();
    box.select();
  });

  // A header checkbox ticks every row checkbox of its bulk form.
  function setupSelectAll() {
    document.querySelectorAll("[data-select-all]").forEach(function (all) {
      var formId = all.getAttribute("data-select-all");
      all.addEventListener("change", function () {
        document.querySelectorAll('input[type="checkbox"][name="ids"][form="' + formId + '"]').forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
  }

  // People pickers: the plain <select> works as it is; Tom Select adds type-to-search.
  function setupPickers() {
    var selects = document.querySelectorAll("select[data-picker]");
    if (!selects.length || !me) { return; }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = me.getAttribute("data-tom-css");
    document.head.appendChild(css);
    var js = document.createElement("script");
    js.src = me.getAttribute("data-tom-js");
    js.onload = function () {
      var none = me.getAttribute("data-no-results") || "";
      selects.forEach(function (select) {
        // Tom Select moves the <label for> to its own input; keep a name on the hidden
        // <select> too, or screen readers (and axe's select-name rule) find an unnamed field.
        var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
        if (label && !select.getAttribute("aria-label")) {
          select.setAttribute("aria-label", label.textContent.replace(/[:：]\s*$/, "").trim());
        }
        /* global TomSelect */
        new TomSelect(select, {
          create: false,
          allowEmptyOption: true,
          maxOptions: null,
          render: {
            no_results: function () {
              var div = document.createElement("div");
              div.className = "no-results";
              div.textContent = none;
              return div;
            }
          }
        });
      });
    };
    document.head.appendChild(js);
  }

  function ready() { setupSelectAll(); setupPickers(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
