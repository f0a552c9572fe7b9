// Sign-up: the time zone list starts at the browser's own zone when the list has it, and
// the "This is my time zone" tick is then given and hidden (the zone is the phone's, not a
// guess). The page works without this: the list starts at the invitation country's zone
// (else the clinic's default) and the patient ticks the box to confirm it.
(function () {
  "use strict";
  var select = document.querySelector("select[data-browser-zone]");
  if (!select || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      var confirmed = document.querySelector("input[data-zone-confirmed]");
      if (confirmed) {
        confirmed.checked = true;
        var field = confirmed.closest(".field");
        if (field) {
          field.hidden = true;
        }
      }
      return;
    }
  }
})();
