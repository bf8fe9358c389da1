// Qibu: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Confirm before actions marked data-confirm.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Submit a form as soon as a select marked data-autosubmit changes.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
      event.target.form.submit();
    }
  });
  // A tap on a row marked data-keep-place (the recording desk) reloads the page at that
  // row (the server adds #its-id); put the row back where the finger was, not at the top.
  var PLACE_KEY = "qibu.keepPlace";
  document.addEventListener("submit", function (event) {
    var row = event.target.closest && event.target.closest("[data-keep-place]");
    if (event.defaultPrevented || !row || !row.id) {
      return;
    }
    try {
      window.sessionStorage.setItem(PLACE_KEY, JSON.stringify(
        {id: row.id, top: row.getBoundingClientRect().top, path: window.location.pathname}));
    } catch (e) { /* storage off: the #row anchor alone keeps the row in view */ }
  });
  function keepPlace() {
    var saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(PLACE_KEY) || "null");
      window.sessionStorage.removeItem(PLACE_KEY);
    } catch (e) { return; }
    if (!saved || saved.path !== window.location.pathname ||
        window.location.hash !== "#" + saved.id) {
      return;
    }
    var row = document.getElementById(saved.id);
    if (row) {
      window.scrollBy(0, row.getBoundingClientRect().top - saved.top);
    }
  }
  if (document.readyState === "complete") {
    keepPlace();
  } else {
    window.addEventListener("load", keepPlace);
  }
  // The recording desk: a tap (a form marked data-desk-tap) is sent in the background and
  // the server answers with the opening's row, put in place where the finger is, instead
  // of the whole desk loaded again. Any other answer: the page goes where it is told, or
  // the form is sent the ordinary way (which shows the server's page).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("form[data-desk-tap]") ||
        !window.fetch || !window.FormData) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin",
                        headers: {"X-Qibu-Desk": "row"}})
      .then(function (response) {
        var row = response.headers.get("X-Qibu-Row");
        var go = response.headers.get("X-Qibu-Go");
        if (response.status === 204 && go) {
          window.location.assign(go);
          return null;
        }
        if (!response.ok || !row) {
          throw new Error("not a row");
        }
        return response.text().then(function (html) {
          var old = document.getElementById(row);
          if (!old) { window.location.reload(); return; }
          // the message and undo of the tap before are done with
          document.querySelectorAll(".desk-row .row-notice").forEach(function (el) {
            el.remove();
          });
          var top = old.getBoundingClientRect().top;
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          old.replaceWith(fresh);
          window.scrollBy(0, fresh.getBoundingClientRect().top - top);
          window.setTimeout(function () {
            fresh.querySelectorAll(".flash-success").forEach(function (el) {
              el.classList.add("fade");
            });
          }, 6000);
          var undo = document.querySelector("form.undo-last");
          if (undo) { undo.hidden = response.headers.get("X-Qibu-Undo") !== "1"; }
          var came = response.headers.get("X-Qibu-Checked-In") === "1";
          var yes = document.getElementById("checked-in");
          var no = document.getElementById("not-checked-in");
          if (yes && no) { yes.hidden = !came; no.hidden = came; }
        });
      })
      .catch(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        if (submitter && submitter.name) {  // the ordinary way, with the button tapped
          var chosen = document.createElement("input");
          chosen.type = "hidden";
          chosen.name = submitter.name;
          chosen.value = submitter.value;
          form.appendChild(chosen);
        }
        HTMLFormElement.prototype.submit.call(form);
      });
  });
  // Fade out success messages after a while; errors stay.
  window.setTimeout(function () {
    document.querySelectorAll(".flash-success").forEach(function (el) {
      el.classList.add("fade");
    });
  }, 6000);
})();
