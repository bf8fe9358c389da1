// A box marked data-check-all="name" ticks or clears every checkbox of that name in its form.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-check-all");
    if (!name || !event.target.form) {
      return;
    }
    event.target.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]')
      .forEach(function (box) { box.checked = event.target.checked; });
  });
})();
