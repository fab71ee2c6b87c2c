/* Below the Line: small enhancements for the reader's pages.
 *
 * Every form and link works without this file. With it: live character counters,
 * "Report this comment" in a dialog instead of a separate page, "Show more comments"
 * appended in place, and no double posting from an impatient second click.
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
    return true;
  }

  function showMore(link) {
    var list = document.getElementById("comment-list");
    if (!list) return false;
    link.setAttribute("aria-busy", "true");
    link.textContent = "Loading…";
    fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
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
    if (more && showMore(more)) event.preventDefault();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("method") !== "post") return;
    if (form.hasAttribute("data-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "");
  });

  // Back/forward cache restores a page with its forms marked as sent: unmark them.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
    });
  });

  function start() {
    initCounters(document);
    var alert = document.querySelector(".thread [role=alert]");
    if (alert) alert.scrollIntoView({ block: "center" });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
