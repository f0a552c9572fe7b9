/* LDN Journal service worker: keeps the journal usable without a connection (the app shell,
   the tonight card as last seen, the urgent-reaction guidance), sends forms kept offline when
   the connection returns (Background Sync), shows reminder notifications. */
"use strict";

importScripts("/static/js/outbox.js");

var SHELL = "ldn-shell-v1";
var PAGES = "ldn-pages-v1";
// The tonight card as last seen: the only page with health data kept on the phone.
var KEPT_PAGES = ["/journal/"];
// The urgent guidance (numbers to call, no health details), kept apart: signing out keeps it.
var GUIDANCE_CACHE = "ldn-urgent-guidance-v1";
var GUIDANCE_PATH = "/journal/reaction/guidance/";
var REPORT_PREFIX = "/journal/reaction/";
// The "you are offline" page in the patient's language, kept with the shell (no health data).
var OFFLINE_PATH = "/journal/offline/";
// Undo of a log just made (patients.journal.views.undo): answered offline, never kept.
var UNDO_PATH = /^\/journal\/entry\/\d+\/undo\/$/;
/* The kept pages that follow the patient's settings (language, dosing time, emergency number):
   each copy carries the version it was rendered under in this header, and is fetched again when
   the page the patient has open names another version. */
var VERSIONED_PATHS = [OFFLINE_PATH, GUIDANCE_PATH];
var VERSION_HEADER = "X-LDN-Kept-Version";
var OURS = [SHELL, PAGES, GUIDANCE_CACHE];

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("ldn-") === 0 && OURS.indexOf(name) === -1;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function isKeptPage(url) {
  return KEPT_PAGES.indexOf(url.pathname) !== -1;
}

function keepPage(url, response) {
  if (response.ok && !response.redirected && isKeptPage(url)) {
    var copy = response.clone();
    caches.open(PAGES).then(function (cache) {
      return cache.put(url.pathname, copy);
    });
  }
  return response;
}

// The kept offline page (in the patient's language), else this English one.
function offlinePage() {
  return caches.match(OFFLINE_PATH, { cacheName: SHELL, ignoreVary: true }).then(function (kept) {
    return kept || builtInOfflinePage();
  });
}

function builtInOfflinePage() {
  var html =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>Offline · LDN Journal</title></head><body><main>" +
    "<h1>You are offline</h1>" +
    "<p>This page needs a connection. Tonight's card and the urgent guidance work offline.</p>" +
    '<p><a href="/journal/">Tonight</a></p><p><a href="/journal/reaction/">I\'m having a bad reaction</a></p>' +
    "</main></body></html>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// Pages: the network first (they change), the kept copy when there is no connection.
function networkFirst(request, url) {
  return fetch(request)
    .then(function (response) {
      if (isKeptPage(url) && (response.type === "opaqueredirect" || response.redirected)) {
        /* The kept page answered with a redirect: the session ended on the server (signed out
           on another device, a password change, a deactivation or closure), not by this
           phone's sign-out button, which forgets the kept pages itself. They hold the last
           account's health data: forget them too, before the sign-in page shows. */
        return caches.delete(PAGES).then(function () {
          return response;
        });
      }
      return keepPage(url, response);
    })
    .catch(function () {
      return caches.match(url.pathname, { cacheName: PAGES, ignoreVary: true }).then(function (kept) {
        return kept || offlinePage();
      });
    });
}

// Static files: the kept copy (from any of our caches) at once, refreshed in the background.
function staleWhileRevalidate(request) {
  return caches.open(SHELL).then(function (cache) {
    return caches.match(request, { ignoreVary: true }).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) {
          cache.put(request, response.clone());
        }
        return response;
      });
      if (kept) {
        fresh.catch(function () {});
        return kept;
      }
      return fresh;
    });
  });
}

/* A journal form posted with no connection (the page's script did not catch it, e.g. the
   phone thought it was online): keep it and show the tonight card, which lists it. */
function postOrKeep(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.text().then(function (body) {
      return self.LdnOutbox.keep(copy.url, body).then(function () {
        registerSync();
        return Response.redirect("/journal/", 303);
      });
    });
  });
}

function postOrTellNotSent(request) {
  return fetch(request).catch(function () {
    return guidanceFromCache().then(function (kept) {
      if (!kept) {
        return offlinePage();
      }
      return kept.text().then(function (html) {
        // The kept guidance carries the "not sent" notice hidden; here it is shown.
        return new Response(html.replace("data-report-not-sent hidden", "data-report-not-sent"), {
          status: 503,
          headers: { "Content-Type": "text/html; charset=utf-8" }
        });
      });
    });
  });
}

/* Undo posted with no connection (the page's script did not catch it): not kept, since Undo
   is only for a log just made and a replay after its window would be refused. The tonight
   card as last seen, with its notice that Undo needs a connection shown; a kept card that
   has no Undo (drawn before the log) would mislead, so then the offline page. */
function postOrTellUndoNeedsConnection(request) {
  return fetch(request).catch(function () {
    return caches.match("/journal/", { cacheName: PAGES, ignoreVary: true }).then(function (kept) {
      if (!kept) {
        return offlinePage();
      }
      return kept.text().then(function (html) {
        if (html.indexOf("data-offline-undo hidden") === -1) {
          return offlinePage();
        }
        return new Response(html.replace("data-offline-undo hidden", "data-offline-undo"), {
          status: 503,
          headers: { "Content-Type": "text/html; charset=utf-8" }
        });
      });
    });
  });
}

function registerSync() {
  if (self.registration.sync) {
    self.registration.sync.register(self.LdnOutbox.SYNC_TAG).catch(function () {});
  }
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && url.pathname.indexOf(REPORT_PREFIX) === 0) {
    /* An urgent report is never kept to be sent later (nobody would be alerted): without a
       connection the patient sees, at once, that it was not sent and whom to call. */
    if (request.mode === "navigate") {
      event.respondWith(postOrTellNotSent(request));
    }
    return;
  }
  if (request.method === "POST" && UNDO_PATH.test(url.pathname)) {
    if (request.mode === "navigate") {
      event.respondWith(postOrTellUndoNeedsConnection(request));
    }
    return;
  }
  if (request.method === "POST") {
    if (request.mode === "navigate" && self.LdnOutbox.kindOf(url.href)) {
      event.respondWith(postOrKeep(request));
    }
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (request.mode === "navigate" && url.pathname.indexOf(REPORT_PREFIX) === 0) {
    /* The network first (the page is live); offline, or a report that cannot be sent, gets
       the kept guidance with the numbers to call. */
    event.respondWith(
      fetch(request).catch(function () {
        return guidanceFromCache().then(function (kept) {
          return kept || offlinePage();
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staleWhileRevalidate(request));
  } else if (request.mode === "navigate" && url.pathname.indexOf("/journal/") === 0) {
    event.respondWith(networkFirst(request, url));
  }
});

function tellPages(message) {
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    windows.forEach(function (client) {
      client.postMessage(message);
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === self.LdnOutbox.SYNC_TAG) {
    event.waitUntil(
      self.LdnOutbox.flush().then(function (outcome) {
        return tellPages({ type: "outbox", outcome: outcome }).then(function () {
          if (outcome.offline) {
            // Still no connection: failing the event makes the browser try again later.
            throw new Error("The journal could not be reached; the entries wait on the phone.");
          }
        });
      })
    );
  }
});

/* Whether a kept copy still holds: a page that follows the patient's settings only under the
   version the open page names (a page that names none keeps what it has). */
function stillCurrent(kept, url, version) {
  if (!kept) {
    return false;
  }
  if (!version || VERSIONED_PATHS.indexOf(url.pathname) === -1) {
    return true;
  }
  return kept.headers.get(VERSION_HEADER) === version;
}

/* The page lists what to keep (static names are hashed in production, so it knows them);
   pages and files already kept are not fetched again, except a page that follows the patient's
   settings when they changed (its version differs): the old copy stays until the new one is in. */
function keepAll(urls, version) {
  return Promise.all(
    urls.map(function (path) {
      var url = new URL(path, self.location.origin);
      var name = url.pathname === GUIDANCE_PATH ? GUIDANCE_CACHE : isKeptPage(url) ? PAGES : SHELL;
      return caches.open(name).then(function (cache) {
        return cache.match(url.pathname, { ignoreVary: true }).then(function (kept) {
          if (stillCurrent(kept, url, version)) {
            return undefined;
          }
          var options = { credentials: "same-origin" };
          if (kept) {
            options.cache = "no-store"; // a stale copy: not the browser's HTTP cache either
          }
          return fetch(url.href, options).then(function (response) {
            if (response.ok && !response.redirected) {
              return cache.put(url.pathname, response);
            }
            return undefined;
          });
        });
      });
    })
  ).catch(function () {});
}

function guidanceFromCache() {
  return caches.open(GUIDANCE_CACHE).then(function (cache) {
    return cache.match(GUIDANCE_PATH, { ignoreVary: true });
  });
}

/* The guidance page asks for itself (and its stylesheet) to be kept. Only the guidance is kept:
   no report, no health details. */
function keepGuidance(styles) {
  var urls = [GUIDANCE_PATH].concat(
    (styles || []).filter(function (url) {
      return new URL(url, self.location.origin).origin === self.location.origin;
    })
  );
  return caches.open(GUIDANCE_CACHE).then(function (cache) {
    return Promise.all(
      urls.map(function (url) {
        return fetch(url, { credentials: "same-origin", cache: "no-store" })
          .then(function (response) {
            if (response.ok && !response.redirected) {
              return cache.put(url, response);
            }
            return undefined;
          })
          .catch(function () {
            /* offline now: keep what was kept before */
          });
      })
    );
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "ldn-keep-guidance") {
    event.waitUntil(keepGuidance(data.styles));
  } else if (data.type === "keep" && Array.isArray(data.urls)) {
    event.waitUntil(keepAll(data.urls, typeof data.version === "string" ? data.version : ""));
  } else if (data.type === "forget") {
    // Signing out: the kept pages hold the patient's health data.
    event.waitUntil(caches.delete(PAGES));
  }
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
