/* LDN Journal service worker: shows reminder notifications and opens the tonight card, and
   keeps the urgent-reaction guidance on the phone so it shows without a connection. */
"use strict";

var GUIDANCE_CACHE = "ldn-urgent-guidance-v1";
var GUIDANCE_PATH = "/journal/reaction/guidance/";
var REPORT_PREFIX = "/journal/reaction/";

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

/* The guidance page asks for itself (and its stylesheet) to be kept. Only the guidance is kept:
   no report, no health details. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "ldn-keep-guidance") {
    return;
  }
  var urls = [GUIDANCE_PATH].concat((data.styles || []).filter(function (url) {
    return new URL(url, self.location.origin).origin === self.location.origin;
  }));
  event.waitUntil(
    caches.open(GUIDANCE_CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
          if (response.ok && !response.redirected) {
            return cache.put(url, response);
          }
        }).catch(function () { /* offline now: keep what was kept before */ });
      }));
    })
  );
});

function guidanceFromCache() {
  return caches.open(GUIDANCE_CACHE).then(function (cache) {
    return cache.match(GUIDANCE_PATH);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && url.pathname.indexOf(REPORT_PREFIX) === 0) {
    /* The network first (the page is live); offline, or a report that cannot be sent, gets
       the kept guidance with the numbers to call. */
    event.respondWith(
      fetch(request).catch(function () {
        return guidanceFromCache().then(function (kept) {
          return kept || Response.error();
        });
      })
    );
    return;
  }
  if (request.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      fetch(request).catch(function () {
        return caches.open(GUIDANCE_CACHE).then(function (cache) {
          return cache.match(request).then(function (kept) {
            return kept || Response.error();
          });
        });
      })
    );
  }
});
