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

// venuebook: the booking form suggests the likely address for a typo in the
// email's domain ("Did you mean ada@gmail.com?" in the page's language, from GET
// /api/email-suggestion) when the customer leaves the field; a button takes
// it. It only suggests: the form is sent as typed unless the customer takes
// it, and without this script the booking goes through just the same.
(function () {
  "use strict";
  var input = document.getElementById("email");
  var box = document.getElementById("email-suggestion");
  if (!input || !box || !window.fetch) return;
  var asked = null; // the address last asked about
  // The words, in the page's language, from the field's data-* attributes
  // ("{email}" marks where the address goes).
  var didYouMean = input.getAttribute("data-did-you-mean") || "Did you mean {email}?";
  var useWords = input.getAttribute("data-use") || "Use {email}";

  function describedBy(on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
      return id && id !== box.id;
    });
    if (on) ids.push(box.id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }
  function clear() {
    box.textContent = "";
    describedBy(false);
  }
  function show(address) {
    clear();
    var use = document.createElement("button");
    use.type = "button";
    use.className = "link";
    use.textContent = address;
    use.setAttribute("aria-label", useWords.split("{email}").join(address));
    use.addEventListener("click", function () {
      input.value = address;
      asked = address;
      clear();
      input.focus();
    });
    var at = didYouMean.indexOf("{email}");
    if (at < 0) at = didYouMean.length;
    if (at > 0) box.appendChild(document.createTextNode(didYouMean.slice(0, at)));
    box.appendChild(use);
    var after = didYouMean.slice(at + "{email}".length);
    if (after) box.appendChild(document.createTextNode(after));
    describedBy(true);
  }
  function check() {
    var typed = input.value.trim();
    if (typed === asked) return;
    asked = typed;
    if (typed.indexOf("@") < 1) { clear(); return; }
    fetch("/api/email-suggestion?email=" + encodeURIComponent(typed), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (body) {
        if (input.value.trim() !== typed) return; // typed on meanwhile
        if (body.suggestion) show(body.suggestion);
        else clear();
      })
      .catch(function () { /* no suggestion; the form works as typed */ });
  }
  input.addEventListener("change", check);
  input.addEventListener("input", function () {
    if (box.firstChild && input.value.trim() !== asked) clear();
  });
  if (input.value.trim()) check(); // a form that came back: the suggestion gets its button
})();
