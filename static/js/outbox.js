/* The phone's outbox: journal forms kept in IndexedDB while there is no connection, with the
   moment the patient acted, sent once and in order when the connection returns. Used by the
   pages (journal.js) and by the service worker (sw.js: Background Sync). The server answers
   a replay with JSON; the submission id inside each form makes a second replay harmless. */
(function (scope) {
  "use strict";

  var DB_NAME = "ldn-journal";
  var STORE = "outbox";
  var SYNC_TAG = "ldn-outbox";
  // The session's CSRF token (patients.journal.views.outbox_token).
  var TOKEN_URL = "/journal/outbox-token/";
  // What each kept form is, read from the URL it posts to (the same in the page and the worker).
  var KINDS = [
    [/^\/journal\/taken\/$/, "taken_now"],
    [/^\/journal\/night\/\d{4}-\d{2}-\d{2}\/taken-at\/$/, "taken_at"],
    [/^\/journal\/night\/\d{4}-\d{2}-\d{2}\/dose\/$/, "evening"],
    [/^\/journal\/night\/\d{4}-\d{2}-\d{2}\/skip\/$/, "skip"],
    [/^\/journal\/night\/\d{4}-\d{2}-\d{2}\/morning\/$/, "morning"]
  ];

  function kindOf(url) {
    var path = new URL(url, scope.location.origin).pathname;
    for (var i = 0; i < KINDS.length; i++) {
      if (KINDS[i][0].test(path)) {
        return KINDS[i][1];
      }
    }
    return "";
  }

  function nightOf(url) {
    var match = /\/night\/(\d{4}-\d{2}-\d{2})\//.exec(url);
    return match ? match[1] : "";
  }

  // The night a form names in its own "night" field (the one tap's), or "".
  function nightIn(body) {
    var night = new URLSearchParams(body || "").get("night") || "";
    return /^\d{4}-\d{2}-\d{2}$/.test(night) ? night : "";
  }

  /* The account a kept form was filled in for: the mark its kept_by field carries
     (patients.journal.offline.owner_mark); "" for a form kept before forms named one. */
  function ownerOf(record) {
    return new URLSearchParams(record.body || "").get("kept_by") || "";
  }

  /* Whether a kept form is the signed-in account's, given that account's marks (its own
     under each secret key). A form that names no account, or marks not known (signed out,
     an old page), count as its: the server has the last word (ReplayOwnerMiddleware). */
  function isOwn(record, marks) {
    var owner = ownerOf(record);
    return !owner || !marks || marks.length === 0 || marks.indexOf(owner) !== -1;
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = transaction.onabort = function () {
          db.close();
          reject(transaction.error);
        };
      });
    });
  }

  /* Keep a form: its URL, its encoded body (with the CSRF token and submission id it carried)
     and the moment the patient acted. A form already kept with the same submission id (a
     double tap offline: the page gives the form a fresh id only once the first is kept) is
     kept once, as first kept: the answer is that record. The night it is for: the one the
     page names, else its URL's, else the form's own "night" field (the one tap's URL names
     none, and the service worker, which keeps what the page's script missed, has only the
     body: its kept tap named no night and counted as whichever night the card showed). */
  function keep(url, body, night) {
    var absolute = new URL(url, scope.location.origin);
    var record = {
      url: absolute.pathname,
      body: body,
      kind: kindOf(absolute.href),
      night: night || nightOf(absolute.pathname) || nightIn(body),
      // The form's own submission id: a second send of it returns the first result.
      submissionId: new URLSearchParams(body).get("submission_id") || "",
      actedAt: new Date().toISOString(),
      state: "waiting",
      message: ""
    };
    // Read and add in one transaction: two keeps of the same form cannot both add.
    return withStore("readwrite", function (store) {
      var kept = { result: record };
      var existing = store.getAll();
      existing.onsuccess = function () {
        var same = existing.result.filter(function (other) {
          return (
            record.submissionId !== "" &&
            other.submissionId === record.submissionId &&
            other.url === record.url
          );
        });
        if (same.length > 0) {
          kept.result = same[0];
          return;
        }
        store.add(record).onsuccess = function (event) {
          record.id = event.target.result;
        };
      };
      return kept;
    });
  }

  function all() {
    return withStore("readonly", function (store) {
      return store.getAll();
    });
  }

  function put(record) {
    return withStore("readwrite", function (store) {
      return store.put(record);
    });
  }

  function remove(id) {
    return withStore("readwrite", function (store) {
      return store.delete(id);
    });
  }

  /* The session's CSRF token now, and the signed-in account's marks: a kept form carries
     the token of the page it was filled on, and signing in again replaces it (Django then
     refused the form on every retry). Token null and no marks when signed out (the sign-in
     page answers): the records wait. */
  function currentSession() {
    return scope
      .fetch(TOKEN_URL, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        return type.indexOf("application/json") === -1
          ? { token: null, marks: null }
          : response.json().then(function (answer) {
              return {
                token: answer.csrf || null,
                marks: Array.isArray(answer.kept_by) ? answer.kept_by : null
              };
            });
      });
  }

  function send(record, token) {
    var params = new URLSearchParams(record.body);
    if (token) {
      params.set("csrfmiddlewaretoken", token);
    }
    params.set("acted_at", record.actedAt);
    var body = params.toString();
    return scope
      .fetch(record.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-LDN-Replay": "1" },
        body: body
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // Signed out (the sign-in page answered) or the CSRF token is gone: keep it.
          return { state: "signin", message: "" };
        }
        return response.json().then(function (answer) {
          var message = answer.message || "";
          if (answer.ok) {
            return { state: "sent", message: message };
          }
          // Not refused, only not yet (the page's CSRF token had expired): kept, with the
          // reason, and sent again with a fresh token on the next run.
          return { state: answer.retry ? "waiting" : "refused", message: message };
        });
      });
  }

  /* Send every waiting record, oldest first. A network failure stops the run (the rest wait
     for the next one); a refusal is kept, with the reason, until the patient dismisses it.
     A form kept for another account than the one signed in (a shared phone) is not sent: it
     waits, untouched, for its own account to sign in here. */
  function sendAll() {
    return all().then(function (records) {
      // answered: records the journal answered in this run, sent or refused (refused counts
      // those refused before too).
      var outcome = { sent: 0, refused: 0, waiting: 0, others: 0, answered: 0 };
      var token = null;
      var marks = null;
      var waiting = records.some(function (record) {
        return record.state !== "refused";
      });
      // One token for the run (none needed when nothing waits); no connection: try later.
      var chain = waiting
        ? currentSession().then(
            function (found) {
              token = found.token;
              marks = found.marks;
            },
            function () {
              outcome.offline = true;
            }
          )
        : Promise.resolve();
      records.forEach(function (record) {
        if (record.state === "refused") {
          outcome.refused += 1;
          return;
        }
        chain = chain.then(function () {
          if (!outcome.offline && !isOwn(record, marks)) {
            outcome.others += 1;
            return undefined;
          }
          if (outcome.offline) {
            outcome.waiting += 1;
            return undefined;
          }
          return send(record, token).then(
            function (result) {
              if (result.state === "sent") {
                outcome.sent += 1;
                outcome.answered += 1;
                return remove(record.id);
              }
              record.state = result.state;
              record.message = result.message;
              outcome[result.state === "refused" ? "refused" : "waiting"] += 1;
              if (result.state === "refused") {
                outcome.answered += 1;
              }
              return put(record);
            },
            function () {
              outcome.offline = true;
              outcome.waiting += 1;
            }
          );
        });
      });
      return chain.then(function () {
        return outcome;
      });
    });
  }

  /* One sender at a time across tabs and the worker: the submission ids would make a second
     sender harmless, but one keeps the order and the count honest. */
  function flush() {
    var locks = scope.navigator && scope.navigator.locks;
    if (locks && locks.request) {
      return locks.request("ldn-outbox", sendAll);
    }
    return sendAll();
  }

  scope.LdnOutbox = {
    SYNC_TAG: SYNC_TAG,
    kindOf: kindOf,
    isOwn: isOwn,
    keep: keep,
    all: all,
    remove: remove,
    flush: flush
  };
})(self);
