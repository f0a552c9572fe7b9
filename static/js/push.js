/* Push subscription button: progressive enhancement; email reminders work without it. */
(function () {
  "use strict";
  var controls = document.getElementById("push-controls");
  // A browser that cannot receive push is told so (the devices list said only "No devices
  // yet." and nothing said why the button never came).
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    var unsupported = document.getElementById("push-unsupported");
    if (controls && unsupported) {
      unsupported.hidden = false;
    }
  }
  if (!("serviceWorker" in navigator)) {
    return;
  }
  // The service worker makes the journal installable and shows pushed reminders.
  var registration = navigator.serviceWorker.register("/sw.js", { scope: "/" });
  if (!controls || !("PushManager" in window)) {
    return;
  }
  var button = document.getElementById("push-subscribe");
  var status = document.getElementById("push-status");
  var key = controls.getAttribute("data-vapid-key");
  var url = controls.getAttribute("data-subscribe-url");
  if (!key) {
    return;
  }
  controls.hidden = false;

  // The page gives each message in its own language (data-msg-* on #push-controls).
  function say(name, fallback) {
    status.textContent = controls.getAttribute("data-msg-" + name) || fallback;
  }

  function keyBytes(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function Refusal(text) {
    this.text = text || "";
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say("asking", "Asking this browser for permission…");
    registration
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (ready) {
        return ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      })
      .then(function (subscription) {
        var body = subscription.toJSON();
        body.label = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
        return fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(body)
        });
      })
      .then(function (response) {
        if (!response.ok) {
          // A refusal meant for the patient (too many devices) says why, in their language.
          return response.json().then(
            function (body) {
              throw new Refusal(body && body.message);
            },
            function () {
              throw new Refusal("");
            }
          );
        }
        say("done", "This device will get reminders. Reload to see it in the list.");
      })
      .catch(function (error) {
        button.disabled = false;
        if (error instanceof Refusal && error.text) {
          status.textContent = error.text;
          return;
        }
        say(
          "failed",
          "Notifications could not be switched on here. Check the browser's permission, or use email reminders."
        );
      });
  });
})();
