/* Keeps the urgent guidance on the phone: registers the service worker and asks it to store
   the guidance page and its stylesheet, so the page works offline once seen. */
"use strict";
(function () {
  var script = document.currentScript;
  var guidance = script && script.getAttribute("data-guidance-url");
  if (!guidance || !("serviceWorker" in navigator)) {
    return;
  }
  var styles = Array.prototype.map.call(
    document.querySelectorAll('link[rel="stylesheet"]'),
    function (link) { return link.href; }
  );
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    if (registration.active) {
      registration.active.postMessage({ type: "ldn-keep-guidance", url: guidance, styles: styles });
    }
  }).catch(function () {
    /* No service worker (private mode, old browser): the page still works online. */
  });
})();
