/* venuebook in a frame on the venue's own site (see embed.js): tell the
 * embedding page how tall this page is, and that a new page opened. It talks
 * only to the site that embed.js named in the frame's name, and only when
 * the server lists that site in data-embed-origins (embed.allowed_origins);
 * it listens only to that site. Without JavaScript, or outside a frame,
 * it does nothing. */
(function () {
  "use strict";
  if (window.parent === window || !window.postMessage) return;
  var name = window.name || "";
  if (name.indexOf("venuebook:") !== 0) return;
  var site = name.slice("venuebook:".length);
  var allowed = (document.documentElement.getAttribute("data-embed-origins") || "").split(" ");
  if (allowed.indexOf(site) < 0) return;
  document.documentElement.classList.add("embedded");

  var last = 0;
  function height() {
    var h = Math.ceil(document.documentElement.scrollHeight);
    if (h !== last) {
      last = h;
      window.parent.postMessage({ type: "venuebook:height", height: h }, site);
    }
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== site) return;
    if (event.data && event.data.type === "venuebook:hello") {
      last = 0;
      height();
    }
  });
  function start() {
    window.parent.postMessage({ type: "venuebook:page" }, site);
    height();
    if (window.ResizeObserver) {
      new ResizeObserver(height).observe(document.body);
    } else {
      window.addEventListener("resize", height);
      setInterval(height, 500);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
