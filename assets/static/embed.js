/* venuebook embed: the booking pages on the venue's own site.
 *
 *   <script src="https://book.sauna-nord.example/embed.js" async></script>
 *   <div data-venuebook></div>
 *
 * Options on the div: data-venuebook-package="classic-60" opens one
 * package; data-venuebook-lang="de" a language; data-venuebook-button="Book
 * now" shows a button instead, which opens the booking in a dialog on small
 * screens and below the button on wide ones. The frame takes the height of
 * its content. Messages are checked both ways: this page listens only to
 * the venuebook server it loaded this script from, and the frame talks only
 * to a site embed.allowed_origins names. No dependencies, no cookies. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.URL || !window.postMessage) return;
  var base = new URL(script.src, location.href).origin;
  var frames = [];
  // The venue's language's words (the server fills them in).
  var words = {"title": "Booking", "button": "Book now", "close": "Close"};

  function frameURL(el) {
    var pkg = el.getAttribute("data-venuebook-package");
    var url = new URL(pkg ? "/book/" + encodeURIComponent(pkg) : "/", base);
    var lang = el.getAttribute("data-venuebook-lang");
    if (lang) url.searchParams.set("lang", lang);
    return url.href;
  }

  function makeFrame(el) {
    var frame = document.createElement("iframe");
    frame.src = frameURL(el);
    // The frame's pages read whom to talk to from its name.
    frame.name = "venuebook:" + location.origin;
    frame.title = el.getAttribute("data-venuebook-title") || words.title;
    frame.setAttribute("style", "display:block;width:100%;min-width:280px;height:640px;border:0;overflow:hidden;");
    frame.setAttribute("scrolling", "no");
    frames.push(frame);
    frame.addEventListener("load", function () {
      frame.contentWindow.postMessage({ type: "venuebook:hello" }, base);
    });
    return frame;
  }

  function small() {
    return window.matchMedia && window.matchMedia("(max-width: 640px)").matches;
  }

  function button(el, label) {
    var open = document.createElement("button");
    open.type = "button";
    open.textContent = label;
    open.className = "venuebook-button";
    open.setAttribute("aria-expanded", "false");
    el.appendChild(open);
    var inline = null, dialog = null;
    open.addEventListener("click", function () {
      if (small() && typeof HTMLDialogElement === "function") {
        if (!dialog) {
          dialog = document.createElement("dialog");
          dialog.className = "venuebook-dialog";
          dialog.setAttribute("style", "width:100vw;max-width:100vw;height:100vh;max-height:100vh;margin:0;padding:0;border:0;");
          var close = document.createElement("button");
          close.type = "button";
          close.textContent = "\u00d7";
          close.setAttribute("aria-label", el.getAttribute("data-venuebook-close") || words.close);
          close.setAttribute("style", "position:sticky;top:0;float:right;font-size:1.5rem;min-width:44px;min-height:44px;");
          close.addEventListener("click", function () { dialog.close(); });
          dialog.appendChild(close);
          dialog.appendChild(makeFrame(el));
          dialog.addEventListener("close", function () { open.setAttribute("aria-expanded", "false"); open.focus(); });
          document.body.appendChild(dialog);
        }
        dialog.showModal();
        open.setAttribute("aria-expanded", "true");
        return;
      }
      if (!inline) {
        inline = makeFrame(el);
        el.appendChild(inline);
      }
      var shown = inline.style.display !== "none";
      if (open.getAttribute("aria-expanded") === "true" && shown) {
        inline.style.display = "none";
        open.setAttribute("aria-expanded", "false");
      } else {
        inline.style.display = "block";
        open.setAttribute("aria-expanded", "true");
        inline.focus();
      }
    });
  }

  function mount(el) {
    if (el.getAttribute("data-venuebook-mounted")) return;
    el.setAttribute("data-venuebook-mounted", "1");
    var label = el.getAttribute("data-venuebook-button");
    if (label !== null) {
      button(el, label || words.button);
    } else {
      el.appendChild(makeFrame(el));
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== base) return; // only the venuebook server talks to us
    var data = event.data;
    if (!data || typeof data.type !== "string") return;
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      if (data.type === "venuebook:height" && typeof data.height === "number" && isFinite(data.height)) {
        frame.style.height = Math.max(120, Math.min(20000, Math.ceil(data.height))) + "px";
      } else if (data.type === "venuebook:page") {
        // A new page in the frame: show its top, as a page load would.
        var top = frame.getBoundingClientRect().top;
        if (top < 0) frame.scrollIntoView();
      }
    }
  });

  function mountAll() {
    var els = document.querySelectorAll("[data-venuebook]");
    for (var i = 0; i < els.length; i++) mount(els[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
