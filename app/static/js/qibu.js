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
  // Fade out success messages after a while; errors stay.
  window.setTimeout(function () {
    document.querySelectorAll(".flash-success").forEach(function (el) {
      el.classList.add("fade");
    });
  }, 6000);
})();
