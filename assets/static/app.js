// venuebook: optional enhancement of the date picker. Without this script every
// month, day and suggested-date link loads a page; with it, only the picker
// (calendar, times and the summary of the choice) is replaced.
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
        // A month link moves to the month; a day or a suggested date, to its times.
        var focus = picker.querySelector(link.getAttribute("data-nav") === "month" ? "#month-label" : "#times-label");
        if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
