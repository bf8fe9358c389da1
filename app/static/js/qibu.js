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
  // Fade out success messages after a while; errors stay.
  window.setTimeout(function () {
    document.querySelectorAll(".flash-success").forEach(function (el) {
      el.classList.add("fade");
    });
  }, 6000);
})();
