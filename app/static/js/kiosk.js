// Kiosk: on-screen keypad, idle reset, print button. Nothing is kept in browser storage.
(function () {
  "use strict";
  var code = document.getElementById("code");
  document.querySelectorAll(".keypad .key[data-key]").forEach(function (key) {
    key.addEventListener("click", function () {
      if (!code) { return; }
      var value = key.getAttribute("data-key");
      if (value === "back") {
        code.value = code.value.slice(0, -1);
      } else if (code.value.replace(/-/g, "").length < 9) {
        var plain = code.value.replace(/-/g, "") + value;
        code.value = plain.replace(/(.{3})(?=.)/g, "$1-");
      }
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Idle: after the configured seconds without a touch, end the visit on the server.
  var idleMeta = document.querySelector("meta[name=qibu-idle]");
  var finish = document.getElementById("kiosk-finish");
  if (idleMeta && finish) {
    var limit = parseInt(idleMeta.getAttribute("content"), 10) * 1000;
    var timer = null;
    var arm = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { finish.submit(); }, limit);
    };
    ["pointerdown", "keydown", "touchstart", "scroll"].forEach(function (name) {
      window.addEventListener(name, arm, { passive: true });
    });
    arm();
  }
  // A page restored from the back/forward cache must be fetched again (it may be stale).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });
})();
