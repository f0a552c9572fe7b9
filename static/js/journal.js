/* Patient pages: registers the service worker, keeps journal forms on the phone while it is
   offline (static/js/outbox.js), lists what is kept, and sends it when the connection returns.
   Progressive enhancement: without this script every form posts as usual. */
(function () {
  "use strict";
  var script = document.getElementById("journal-script");
  var outbox = window.LdnOutbox;
  if (!script || !outbox || !("indexedDB" in window)) {
    return;
  }
  var EVENING_KINDS = ["taken_now", "taken_at", "evening", "skip"];
  var panel = document.getElementById("outbox");
  var worker = null;
  // The signed-in account's marks (patients.journal.offline.owner_marks): a form kept on this
  // phone for another account is not listed as this one's.
  var ownMarks = (function () {
    var meta = document.querySelector('meta[name="ldn-kept-by"]');
    return meta ? (meta.getAttribute("content") || "").split(" ").filter(Boolean) : [];
  })();

  if ("serviceWorker" in navigator) {
    worker = navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: "/" });
    worker
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        var keep = (script.getAttribute("data-keep") || "").split(" ").filter(Boolean);
        // The version of the kept pages that follow the patient's settings (language, dosing
        // time): outside the script tag, which is the same for every patient.
        var version = document.querySelector('meta[name="ldn-kept-version"]');
        if (registration.active) {
          registration.active.postMessage({
            type: "keep",
            urls: keep,
            version: version ? version.getAttribute("content") : ""
          });
        }
      })
      .catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox") {
        afterSending(event.data.outcome);
      }
    });
  }

  function copyOf(id) {
    var template = document.getElementById(id);
    return template ? template.content.cloneNode(true) : document.createTextNode("");
  }

  function labelFor(kind) {
    return copyOf("outbox-kind-" + kind);
  }

  /* Dates and times as the page writes them: in its language (English dates the British way,
     as the server writes them: "Thu 3 Dec") and, for a moment, in the patient's time zone
     (the page's head names it), not the browser's. */
  var language = (function () {
    var lang = document.documentElement.lang || "en";
    return lang.split("-")[0] === "en" ? "en-GB" : lang;
  })();
  var patientZone = (function () {
    var meta = document.querySelector('meta[name="ldn-time-zone"]');
    return meta ? meta.getAttribute("content") || "" : "";
  })();

  function formatted(moment, options) {
    var tries = [language, undefined];
    for (var i = 0; i < tries.length; i++) {
      try {
        return new Intl.DateTimeFormat(tries[i], options).format(moment);
      } catch (error) {
        // A zone or language this browser does not know: the next try, then without the zone.
      }
    }
    var plain = {};
    Object.keys(options).forEach(function (key) {
      if (key !== "timeZone") {
        plain[key] = options[key];
      }
    });
    return new Intl.DateTimeFormat(language, plain).format(moment);
  }

  // The moment the patient acted, in their zone: "Sat 18:17".
  function when(iso) {
    var options = { weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (patientZone) {
      options.timeZone = patientZone;
    }
    return formatted(new Date(iso), options);
  }

  // A night (a calendar date, "2026-12-03"): "Thu 3 Dec", whatever the zone.
  function nightLabel(night) {
    var parts = night.split("-").map(Number);
    return formatted(new Date(Date.UTC(parts[0], parts[1] - 1, parts[2])), {
      weekday: "short",
      day: "numeric",
      month: "short",
      timeZone: "UTC"
    });
  }

  function filled(fragment, selector, datetime, text) {
    var slot = fragment.querySelector(selector);
    if (slot) {
      slot.setAttribute("datetime", datetime);
      slot.textContent = text;
    }
  }

  /* "night of Thu 3 Dec · tapped Sat 18:17": the night the record is for (a form kept by the
     service worker may name none) and the moment the patient acted. */
  function whenLine(record) {
    var fragment = copyOf(record.night ? "outbox-when-night" : "outbox-when");
    if (record.night) {
      filled(fragment, "[data-outbox-night]", record.night, nightLabel(record.night));
    }
    filled(fragment, "[data-outbox-tapped]", record.actedAt, when(record.actedAt));
    var line = document.createElement("span");
    line.className = "outbox-when";
    line.appendChild(document.createTextNode(" · "));
    line.appendChild(fragment);
    line.appendChild(document.createTextNode(" "));
    return line;
  }

  function dismissButton(record) {
    var fragment = copyOf("outbox-dismiss");
    var button = fragment.querySelector("button");
    if (button) {
      button.addEventListener("click", function () {
        outbox.remove(record.id).then(render);
      });
    }
    return fragment;
  }

  function item(record) {
    var li = document.createElement("li");
    li.className = "outbox-item outbox-" + record.state;
    var title = document.createElement("strong");
    title.appendChild(labelFor(record.kind));
    li.appendChild(title);
    li.appendChild(whenLine(record));
    var note = document.createElement("span");
    note.className = "outbox-note";
    if (record.state === "refused") {
      note.appendChild(copyOf("outbox-refused-note"));
      var reason = document.createElement("span");
      reason.className = "outbox-reason";
      reason.textContent = " " + record.message + " ";
      note.appendChild(reason);
      note.appendChild(dismissButton(record));
    } else if (record.state === "signin") {
      note.appendChild(copyOf("outbox-signin-note"));
    } else {
      note.appendChild(copyOf("outbox-waiting-note"));
      if (record.message) {
        // Why the last run did not send it (e.g. the page had expired).
        var why = document.createElement("span");
        why.className = "outbox-reason";
        why.textContent = " " + record.message;
        note.appendChild(why);
      }
    }
    li.appendChild(note);
    return li;
  }

  // The night the tonight card is for (its one-tap form names it), or "".
  function tonightOnCard() {
    var form = document.querySelector(".card-tonight form[data-offline-night]");
    return form ? form.getAttribute("data-offline-night") || "" : "";
  }

  /* Whether a kept record is for `night`. Every kept form names its night (the one tap in
     its "night" field, outbox.keep); one kept before forms named it is for no card: counted
     as the card's, a tap kept last night hid tonight's Taken now and said tonight was saved. */
  function isForNight(record, night) {
    return Boolean(record.night) && record.night === night;
  }

  /* Whether the card's one tap is past its night's dosing window on this phone's clock: the
     card kept by the worker, opened offline the next day, offered Taken now for the night it
     was drawn for; the tap was kept as that night's and refused once sent (past its window). */
  function tapPastItsWindow() {
    var form = document.querySelector(".card-tonight form[data-offline-until]");
    var until = form ? Date.parse(form.getAttribute("data-offline-until") || "") : NaN;
    return !isNaN(until) && Date.now() >= until;
  }

  /* The list of kept entries, and the tonight card's own sentence when tonight's dose is among
     them (the big button is hidden: it is logged, on this phone). */
  function render() {
    return outbox.all().then(function (kept) {
      /* Forms kept for another account (a shared phone: they signed out before these were
         sent) are neither listed nor counted as this account's: not even their kind, which
         is theirs to see. One sentence says some are kept and will not be sent for this one. */
      var records = kept.filter(function (record) {
        return outbox.isOwn(record, ownMarks);
      });
      var others = kept.length - records.length;
      var waiting = records.filter(function (record) {
        return record.state !== "refused";
      });
      if (panel) {
        var list = panel.querySelector("[data-outbox-list]");
        list.textContent = "";
        records.forEach(function (record) {
          list.appendChild(item(record));
        });
        panel.querySelector("[data-outbox-others]").hidden = others === 0;
        panel.hidden = kept.length === 0;
      }
      var saved = document.querySelector("[data-offline-saved]");
      // Only a dose or skip kept for the card's own night logs it: one kept for an earlier
      // night (its own page, offline) left tonight's card saying tonight was saved.
      var cardNight = tonightOnCard();
      var eveningKept = waiting.some(function (record) {
        return EVENING_KINDS.indexOf(record.kind) !== -1 && isForNight(record, cardNight);
      });
      if (panel) {
        // On the tonight card the card itself says it; elsewhere the list says it once.
        panel.querySelector("[data-outbox-pending]").hidden =
          waiting.length === 0 || Boolean(saved && eveningKept && waiting.length === 1);
      }
      // Offline past the window, the card says why it offers no tap (online, the server
      // answers a tap on a card left open too long, and the card drawn again asks when).
      var stale = !eveningKept && !navigator.onLine && tapPastItsWindow();
      var staleNote = document.querySelector("[data-offline-stale]");
      if (staleNote) {
        staleNote.hidden = !stale;
      }
      // Nor does its heading call that past night "Tonight": the night's date alone.
      var card = document.querySelector(".card-tonight[data-night-day]");
      var heading = card && card.querySelector("#tonight-title");
      if (stale && heading) {
        heading.textContent = card.getAttribute("data-night-day");
      }
      if (saved) {
        saved.hidden = !eveningKept;
        document.querySelectorAll(".card-tonight form[data-offline]").forEach(function (form) {
          form.hidden = eveningKept || stale;
        });
      }
      return records;
    });
  }

  function afterSending(outcome) {
    render();
    /* The tonight card now reads what the server stored. A refusal too: it is about the night
       as the server holds it (logged meanwhile on another device), and the card drawn before
       still offered Taken now for a night already logged. The refusal stays in the list. */
    var answered = outcome ? outcome.answered || outcome.sent : 0;
    if (answered > 0 && window.location.pathname === "/journal/") {
      window.location.reload();
    }
  }

  function sendKept() {
    if (!navigator.onLine) {
      return Promise.resolve();
    }
    return outbox
      .flush()
      .then(afterSending)
      .catch(function () {});
  }

  function askForSync() {
    if (!worker) {
      return;
    }
    worker
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        if (registration.sync) {
          return registration.sync.register(outbox.SYNC_TAG);
        }
        return undefined;
      })
      .catch(function () {});
  }

  function freshSubmissionId(form) {
    var field = form.querySelector("input[name=submission_id]");
    if (field && window.crypto && window.crypto.randomUUID) {
      field.value = window.crypto.randomUUID();
    }
  }

  /* Offline, Undo says at once that it needs a connection. It is not kept to be sent later:
     Undo is only for a log just made (entries.can_undo), so a replay after its window would
     be refused, and the patient would believe the dose taken back meanwhile. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine || !form.matches || !form.matches("form[data-undo]")) {
      return;
    }
    event.preventDefault();
    var notice = document.querySelector("[data-offline-undo]");
    if (notice) {
      notice.hidden = false;
      notice.setAttribute("tabindex", "-1");
      notice.focus();
    }
  });

  // Offline, a journal form is kept on the phone instead of failing with the browser's error.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine || !form.matches || !form.matches("form[data-offline]")) {
      return;
    }
    event.preventDefault();
    if (form.hasAttribute("data-offline-until") && tapPastItsWindow()) {
      render(); // the card says why instead of keeping a tap that would be refused
      return;
    }
    var body = new URLSearchParams(new FormData(form, event.submitter || null)).toString();
    outbox
      .keep(form.action, body, form.getAttribute("data-offline-night") || "")
      .then(function () {
        freshSubmissionId(form);
        askForSync();
        return render();
      })
      .then(function () {
        var saved = document.querySelector("[data-offline-saved]") || panel;
        if (saved && saved.focus) {
          saved.setAttribute("tabindex", "-1");
          saved.focus();
        }
      });
  });

  /* This browser's push endpoint, after taking the subscription off the browser; "" when
     there is none (or the browser does not answer soon: signing out never waits on it). */
  function leavePush() {
    if (!("serviceWorker" in navigator)) {
      return Promise.resolve("");
    }
    var found = navigator.serviceWorker
      .getRegistration("/")
      .then(function (registration) {
        return registration && registration.pushManager ? registration.pushManager.getSubscription() : null;
      })
      .then(function (subscription) {
        if (!subscription) {
          return "";
        }
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(
          function () {
            return endpoint;
          },
          function () {
            return endpoint;
          }
        );
      })
      .catch(function () {
        return "";
      });
    var late = new Promise(function (resolve) {
      window.setTimeout(resolve, 3000, "");
    });
    return Promise.race([found, late]);
  }

  /* Signing out: forget the pages kept on this phone (they hold health data), and take this
     phone off the account's reminders: the form names this browser's endpoint, which the
     server removes (patients.notifications.devices), so the next person to use the phone
     does not get this patient's reminders on the lock screen. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.action || form.action.indexOf("/accounts/logout/") === -1) {
      return;
    }
    event.preventDefault();
    var forget = window.caches ? window.caches.delete("ldn-pages-v1").catch(function () {}) : null;
    Promise.all([forget, leavePush()]).then(
      function (done) {
        if (done[1]) {
          var field = document.createElement("input");
          field.type = "hidden";
          field.name = "push_endpoint";
          field.value = done[1];
          form.appendChild(field);
        }
        form.submit();
      },
      function () {
        form.submit();
      }
    );
  });

  window.addEventListener("online", function () {
    if (window.location.pathname === "/journal/" && tapPastItsWindow()) {
      window.location.reload(); // the card drawn again (it sends what is kept on load)
      return;
    }
    sendKept();
  });
  window.addEventListener("offline", render);
  render().then(sendKept);
})();
