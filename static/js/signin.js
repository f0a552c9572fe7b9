// Sign-in: the passkey button submits a form of its own (allauth's), which the "Keep me
// signed in" box is not part of; its hidden copy follows the box, so a passkey sign-in is
// remembered only when the box is ticked (accounts.remember). Passkeys need JavaScript.
(function () {
  "use strict";
  var box = document.getElementById("id_remember");
  var copy = document.getElementById("passkey_remember");
  if (!box || !copy) {
    return;
  }
  function follow() {
    copy.value = box.checked ? "on" : "";
  }
  box.addEventListener("change", follow);
  var button = document.getElementById("passkey_login");
  if (button) {
    button.addEventListener("click", follow);
  }
  follow();
})();
