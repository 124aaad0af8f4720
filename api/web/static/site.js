// datakatalog portal: progressive enhancement only. Every feature works without this file.
(function () {
  "use strict";

  // On a narrow screen the filters start folded, so the results come first; without this script
  // they stay open (the page still works, it is only longer).
  if (window.matchMedia && window.matchMedia("(max-width: 50rem)").matches) {
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (details) {
      details.open = false;
    });
  }
})();
