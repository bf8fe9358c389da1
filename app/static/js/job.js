// A job's page: ask for its progress every 1.5 s and update the bar until it finishes.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "yes") { return; }
  var url = box.dataset.statusUrl;
  function show(id, text) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.textContent = text || "";
    el.hidden = !text;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 3000); return; }
        document.getElementById("job-progress").value = job.progress;
        document.getElementById("job-percent").textContent = job.progress + "%";
        document.getElementById("job-state").textContent = job.state_label;
        show("job-message", job.message);
        if (job.finished) {
          if (job.follow && job.url) { window.location.assign(job.url); return; }
          window.location.reload();  // the buttons and the way back depend on the end state
          return;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  var reload = document.getElementById("job-reload");
  if (reload) { reload.hidden = true; }
  window.setTimeout(poll, 1000);
}());
