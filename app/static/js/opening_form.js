// Suggest the job category from the title while staff type; they can always override it.
// A suggestion the classifier is unsure of is only shown, never filled in.
(function () {
  "use strict";
  var form = document.getElementById("opening-form");
  if (!form) { return; }
  var title = form.querySelector("[name=title]");
  var select = form.querySelector("[name=category_code]");
  var out = document.getElementById("category-suggestion");
  var template = document.getElementById("suggestion-text").innerHTML;
  var unsure = document.getElementById("unsure-suggestion-text").innerHTML;
  var chosenByHand = select.value !== "";
  var timer = null;
  select.addEventListener("change", function () { chosenByHand = true; });
  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var url = form.getAttribute("data-suggest-url") + "?title=" + encodeURIComponent(title.value);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.category) { out.textContent = ""; return; }
          out.textContent = (data.confident ? template : unsure).replace("{name}", data.name)
            .replace("{pct}", Math.round(data.confidence * 100));
          if (!chosenByHand) { select.value = data.confident ? data.category : ""; }
        });
    }, 300);
  });
})();
