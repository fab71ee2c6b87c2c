/* Below the Line: small enhancements for the reader's pages.
 *
 * Every form and link works without this file. With it: live character counters,
 * "Report this comment" in a dialog instead of a separate page, "Show more comments"
 * appended in place, and no double posting from an impatient second click.
 *
 * In the embed's iframe (thread page with ?embed=1) it also takes the reader's signed
 * token from the publisher's page, by postMessage and only from the site's allowed
 * origins, keeps it in memory, and sends every request of the thread with it; it tells
 * the publisher's page its height so the iframe never scrolls.
 */
(function () {
  "use strict";

  // The server counts code points after turning \r\n into \n; so must the counter,
  // or an emoji would count as two here and one there.
  function codePoints(value) {
    return Array.from(value.replace(/\r\n/g, "\n")).length;
  }

  function formatNumber(n) {
    return n.toLocaleString("en-GB");
  }

  function updateCounter(textarea) {
    var out = document.getElementById(textarea.getAttribute("data-counter"));
    if (!out) return;
    var max = textarea.maxLength > 0 ? textarea.maxLength : 5000;
    var n = codePoints(textarea.value);
    out.textContent = formatNumber(n) + " / " + formatNumber(max);
    out.classList.toggle("over", n > max);
    out.hidden = false;
  }

  function initCounters(root) {
    root.querySelectorAll("textarea[data-counter]").forEach(updateCounter);
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches && target.matches("textarea[data-counter]")) updateCounter(target);
  });

  // One dialog per page, pointed at the comment whose link was clicked. Its action is the
  // link's own address, so the no-JS report page and the dialog post to the same place.
  function openReportDialog(link) {
    var dialog = document.getElementById("report-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return false;
    var form = dialog.querySelector("form");
    form.reset();
    form.action = link.href;
    var who = dialog.querySelector("[data-report-who]");
    if (who) who.textContent = "Comment by " + (link.getAttribute("data-author") || "a reader");
    dialog.showModal();
    // In the iframe, as tall as the thread, the middle of the viewport may be off screen.
    if (embed) dialog.style.margin = Math.max(8, link.getBoundingClientRect().top - 120) + "px auto auto";
    return true;
  }

  function showMore(link) {
    var list = document.getElementById("comment-list");
    if (!list) return false;
    link.setAttribute("aria-busy", "true");
    link.textContent = "Loading…";
    fetch(link.href, { credentials: "same-origin", headers: headers() })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        page.querySelectorAll("#comment-list > li.comment").forEach(function (item) {
          // Comments posted since this page loaded shift the pages: skip repeats.
          if (document.getElementById(item.id)) return;
          var added = document.importNode(item, true);
          list.appendChild(added);
          initCounters(added);
        });
        var next = page.querySelector("a[data-more]");
        if (next) {
          link.href = next.getAttribute("href");
          link.textContent = "Show more comments";
          link.removeAttribute("aria-busy");
        } else {
          link.parentNode.removeChild(link);
        }
      })
      .catch(function () {
        window.location.href = link.href; // the plain link still works
      });
    return true;
  }

  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    var report = event.target.closest("a[data-report]");
    if (report && openReportDialog(report)) {
      event.preventDefault();
      return;
    }
    var close = event.target.closest("[data-close]");
    if (close) {
      var dialog = close.closest("dialog");
      if (dialog) dialog.close();
      return;
    }
    var more = event.target.closest("a[data-more]");
    if (more && showMore(more)) {
      event.preventDefault();
      return;
    }
    // Sort and page links stay in the iframe, and keep the token.
    var a = embed && event.target.closest("a[href]");
    if (a && !a.target && a.pathname === location.pathname && !a.hash) {
      event.preventDefault();
      var url = new URL(a.href);
      url.searchParams.set("embed", "1");
      load(url.href);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("method") !== "post") return;
    if (form.hasAttribute("data-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "");
    if (token) {
      event.preventDefault();
      send(form, event.submitter);
    }
  });

  // Back/forward cache restores a page with its forms marked as sent: unmark them.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
    });
  });

  // --- The embed's iframe -----------------------------------------------------------------
  var frame = document.querySelector("[data-embed-origins]");
  var embed = !!frame && window.parent !== window;
  var origins = embed ? frame.getAttribute("data-embed-origins").split(" ") : [];
  var token = null, parentOrigin = null, here = location.href, lastHeight = 0;
  try {
    var referrer = new URL(document.referrer).origin;
    if (origins.indexOf(referrer) >= 0) parentOrigin = referrer;
  } catch (e) { /* no referrer: wait for the token message */ }

  function headers() {
    var h = { Accept: "text/html" };
    if (token) h.Authorization = "Bearer " + token;
    return h;
  }

  function postHeight() {
    var height = document.documentElement.offsetHeight;
    if (!parentOrigin || height === lastHeight) return;
    lastHeight = height;
    window.parent.postMessage({ type: "btl:height", height: height }, parentOrigin);
  }

  function swap(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    document.body.replaceChildren.apply(document.body, Array.from(page.body.childNodes, function (node) {
      return document.importNode(node, true);
    }));
    start();
  }

  // The page again, as the reader with the token sees it; the iframe never navigates, so
  // the publisher's page stays where the reader was.
  function load(url) {
    return fetch(url, { headers: headers() }).then(function (response) {
      if (response.status === 401) token = null; // a bad token: stay anonymous, never someone else
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    }).then(function (html) {
      here = url;
      swap(html);
    });
  }

  // A success is a redirect (not followed: the page is fetched again with the token); a
  // refusal is the thread with the reason and what the reader typed.
  function send(form, submitter) {
    fetch(form.action, {
      method: "POST", body: new FormData(form, submitter), headers: headers(), redirect: "manual"
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.ok) return load(here);
      return response.text().then(swap);
    }).catch(function () {
      form.removeAttribute("data-sent");
    });
  }

  function markLinks() {
    // Links that leave the thread (rules, subscribe, sign in) open beside the article.
    document.querySelectorAll("a[href]").forEach(function (a) {
      if (a.pathname !== location.pathname && a.getAttribute("href").charAt(0) !== "#") {
        a.target = "_blank";
        a.rel = "noopener";
      }
    });
  }

  if (embed) {
    window.addEventListener("message", function (event) {
      var m = event.data;
      if (event.source !== window.parent || origins.indexOf(event.origin) < 0 || !m ||
          m.type !== "btl:token") return;
      parentOrigin = event.origin;
      lastHeight = 0;
      if (m.token && m.token !== token) {
        token = String(m.token);
        load(here).catch(postHeight);
      } else {
        postHeight();
      }
    });
    new ResizeObserver(function () { postHeight(); }).observe(document.documentElement);
    window.addEventListener("load", postHeight);
  }

  function start() {
    if (embed) markLinks();
    initCounters(document);
    var alert = document.querySelector(".thread [role=alert]");
    if (alert) alert.scrollIntoView({ block: "center" });
    // Not only the ResizeObserver: Chrome does not render a cross-origin iframe that is off
    // screen, so its observers stay silent until the reader scrolls down to it.
    if (embed) postHeight();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
