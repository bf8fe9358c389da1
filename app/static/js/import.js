// Show how far a spreadsheet import has got while the upload or the save runs.
// The server writes the progress beside the upload; without this file the pages still work.
(function () {
  "use strict";
  document.querySelectorAll("form[data-progress-url]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var box = form.querySelector(".import-progress");
      if (!box) { return; }
      var bar = box.querySelector("progress");
      var label = box.querySelector(".import-progress-label");
      var url = form.getAttribute("data-progress-url");
      box.hidden = false;
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
      function poll() {
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (state) {
            if (state) {
              label.textContent = state.label;
              if (state.total > 0) {
                bar.max = state.total;
                bar.value = state.done;
              } else {
                bar.removeAttribute("value");
              }
            }
            window.setTimeout(poll, 700);
          })
          .catch(function () { window.setTimeout(poll, 1500); });
      }
      window.setTimeout(poll, 300);
    });
  });
})();
