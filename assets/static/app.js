// venuebook: optional enhancement of the date picker. Without this script every
// month and day link loads a page; with it, only the picker is replaced.
(function () {
  "use strict";
  var picker = document.getElementById("picker");
  if (!picker || !window.fetch || !window.DOMParser) return;
  picker.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-nav]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    picker.setAttribute("aria-busy", "true");
    fetch(link.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("picker");
        if (!next) throw new Error("no picker");
        picker.innerHTML = next.innerHTML;
        picker.removeAttribute("aria-busy");
        history.replaceState(null, "", link.href);
        var focus = picker.querySelector(link.classList.contains("day") ? "#times-label" : "#month-label");
        if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
