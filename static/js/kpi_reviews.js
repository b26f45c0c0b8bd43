// Progress bars of the quarterly review PDFs: poll each queued/running row's status URL.
(function poll() {
  var rows = document.querySelectorAll('tr[data-status="queued"], tr[data-status="running"]');
  if (!rows.length) return;
  rows.forEach(function (row) {
    fetch(row.dataset.statusUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        row.querySelector("progress").value = d.progress;
        row.querySelector(".pct").textContent = d.progress + "%";
        row.querySelector(".step").textContent = d.step || d.status;
        row.dataset.status = d.status;
        if (d.download) {
          var a = document.createElement("a");
          a.className = "btn"; a.href = d.download; a.textContent = row.closest("table").dataset.downloadLabel;
          row.querySelector(".dl").replaceChildren(a);
        }
      });
  });
  setTimeout(poll, 1500);
})();
