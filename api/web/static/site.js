// datakatalog portal: progressive enhancement only. Every feature works without this file.
(function () {
  "use strict";

  // A sort <select> inside a form marked data-autosubmit applies at once; its submit button
  // stays for keyboard and no-script users, and is hidden only when this script runs.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
    form.querySelectorAll("[data-autosubmit-button]").forEach(function (button) {
      button.classList.add("visually-hidden");
    });
  });
})();
