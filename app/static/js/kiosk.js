// Kiosk: on-screen keypad, badge scanning, idle reset, print button. Nothing is kept in
// browser storage.
(function () {
  "use strict";
  var code = document.getElementById("code");
  var form = code ? code.form : null;
  // the badge code as typed, grouped in threes: letters and digits only, at most 9
  var setCode = function (text) {
    var plain = text.toUpperCase().replace(/[^0-9A-Z]/g, "").slice(0, 9);
    code.value = plain.replace(/(.{3})(?=.)/g, "$1-");
  };
  document.querySelectorAll(".keypad .key[data-key]").forEach(function (key) {
    key.addEventListener("click", function () {
      if (!code) { return; }
      var value = key.getAttribute("data-key");
      if (value === "back") {
        code.value = code.value.slice(0, -1);
      } else {
        setCode(code.value + value);
      }
    });
  });
  // A hand-held badge scanner types the code and Enter, wherever the focus is.
  if (form) {
    document.addEventListener("keydown", function (event) {
      if (event.target === code || event.ctrlKey || event.altKey || event.metaKey) { return; }
      var ok = document.getElementById("code-ok");
      if (event.key === "Enter" && code.value && !(ok && ok.disabled)) {
        event.preventDefault();
        form.submit();
      } else if (event.key === "Backspace") {
        event.preventDefault();
        code.value = code.value.slice(0, -1);
      } else if (/^[0-9A-Za-z]$/.test(event.key)) {
        event.preventDefault();
        setCode(code.value + event.key);
      }
    });
  }
  // After wrong codes this device waits: count the seconds down, then allow OK again.
  var wait = document.getElementById("kiosk-wait");
  if (wait) {
    var shown = wait.querySelector(".wait-seconds");
    var ok = document.getElementById("code-ok");
    var left = parseInt(wait.getAttribute("data-wait-seconds"), 10) || 0;
    var tick = window.setInterval(function () {
      left -= 1;
      if (left > 0) {
        if (shown) { shown.textContent = String(left); }
        return;
      }
      window.clearInterval(tick);
      wait.hidden = true;
      if (ok) { ok.disabled = false; }
    }, 1000);
  }
  // The badge's QR code held up to the kiosk's camera, where the browser may use one:
  // jsQR reads the frames in the page, nothing is sent or kept; the keypad stays.
  var scan = document.getElementById("badge-scan");
  var media = navigator.mediaDevices;
  if (form && scan && window.jsQR && media && media.getUserMedia) {
    var start = document.getElementById("scan-start");
    var view = document.getElementById("scan-view");
    var video = document.getElementById("scan-video");
    var message = document.getElementById("scan-message");
    var canvas = document.createElement("canvas");
    var frame = canvas.getContext("2d", { willReadFrequently: true });
    var idle = document.querySelector("meta[name=qibu-idle]");
    var giveUpAfter = (idle ? parseInt(idle.getAttribute("content"), 10) : 90) * 1000;
    var stream = null, timer = null, startedAt = 0;
    var stopScan = function () {
      window.clearTimeout(timer);
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null;
      video.srcObject = null;
      view.hidden = true;
      start.hidden = false;
    };
    var look = function () {
      if (!stream) { return; }
      if (Date.now() - startedAt > giveUpAfter) { stopScan(); return; }
      var width = video.videoWidth, height = video.videoHeight;
      if (width && height) {
        canvas.width = width;
        canvas.height = height;
        frame.drawImage(video, 0, 0, width, height);
        var found = window.jsQR(frame.getImageData(0, 0, width, height).data, width, height,
                                { inversionAttempts: "dontInvert" });
        var plain = found ? found.data.toUpperCase().replace(/[^0-9A-Z]/g, "") : "";
        if (/^[2-9A-HJKMNP-Z]{9}$/.test(plain)) {
          stopScan();
          setCode(plain);
          form.submit();
          return;
        }
      }
      timer = window.setTimeout(look, 150);
    };
    start.addEventListener("click", function () {
      message.hidden = true;
      media.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 } }, audio: false })
        .then(function (opened) {
          stream = opened;
          startedAt = Date.now();
          video.srcObject = opened;
          view.hidden = false;
          start.hidden = true;
          return video.play();
        })
        .then(look)
        .catch(function () {
          stopScan();
          message.textContent = scan.getAttribute("data-unavailable");
          message.hidden = false;
        });
    });
    document.getElementById("scan-stop").addEventListener("click", stopScan);
    window.addEventListener("pagehide", stopScan);
    scan.hidden = false;
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Idle: after the configured seconds without a touch, start the kiosk again.
  var idleMeta = document.querySelector("meta[name=qibu-idle]");
  // (only where there is something to reset: a visitor, a page other than the start
  // page, or a language other than Chinese)
  var finish = document.getElementById("kiosk-finish");
  if (idleMeta && finish && finish.hasAttribute("data-idle-reset")) {
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
