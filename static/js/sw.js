/* LDN Journal service worker: shows reminder notifications and opens the tonight card. */
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  var title = data.title || "LDN Journal";
  var options = {
    body: data.body || "",
    tag: data.tag || "ldn-reminder",
    icon: "/static/img/icon-192.png",
    badge: "/static/img/icon-192.png",
    data: { url: data.url || "/journal/" }
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

function sameOrigin(url) {
  var target = new URL(url, self.location.origin);
  return target.origin === self.location.origin ? target.href : self.location.origin + "/journal/";
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = sameOrigin((event.notification.data && event.notification.data.url) || "/journal/");
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if ("navigate" in windows[i] && "focus" in windows[i]) {
          return windows[i].navigate(url).then(function (client) {
            return client ? client.focus() : self.clients.openWindow(url);
          });
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
