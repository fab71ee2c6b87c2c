/* Below the Line: small enhancements for the reader's pages.
 *
 * Every form and link works without this file. With it: live character counters,
 * "Report this comment" in a dialog instead of a separate page, "Show more comments"
 * appended in place, and no double posting from an impatient second click.
 *
 * Times are absolute in the page (it is one cached body shared by every reader who is
 * not signed in); this shows them as "5 minutes ago".
 *
 * In the embed's iframe (thread page with ?embed=1) it also takes the reader's signed
 * token from the publisher's page, by postMessage and only from the site's allowed
 * origins, and keeps it in memory. The page stays the shared one; the reader's own part
 * (comment box, Recommend / Reply / Report / Edit / Delete, their comments under review)
 * comes from the thread's viewer JSON, fetched with the token, and is filled in from the
 * <template> elements of the page. Forms are sent with the token, then the page and the
 * reader's part are fetched again. It tells the publisher's page its height so the iframe
 * never scrolls.
 *
 * The reader's part must appear whatever the order of events: the script asks the
 * publisher's page for the token as soon as it listens (the page also sends it on the
 * frame's load event), only the latest load of the reader's part is ever applied, and a
 * request for it that fails is tried again, then reported beside the comment box with a
 * way to try once more.
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

  // "5 minutes ago" from <time datetime>, as Django's naturaltime said it; older than a
  // week, the absolute date the page carries stays.
  function ago(when, now) {
    var seconds = Math.round((now - when) / 1000);
    function plural(n, unit) { return n + "\u00a0" + unit + (n === 1 ? "" : "s") + " ago"; }
    if (seconds < 60) return "just now";
    if (seconds < 3600) return plural(Math.floor(seconds / 60), "minute");
    if (seconds < 86400) return plural(Math.floor(seconds / 3600), "hour");
    if (seconds < 7 * 86400) return plural(Math.floor(seconds / 86400), "day");
    return null;
  }

  function showTimes(root) {
    var now = Date.now();
    root.querySelectorAll("time[data-ago]").forEach(function (time) {
      if (!time.hasAttribute("data-absolute")) time.setAttribute("data-absolute", time.textContent);
      var when = Date.parse(time.getAttribute("datetime"));
      var text = isNaN(when) ? null : ago(when, now);
      time.textContent = text || time.getAttribute("data-absolute");
    });
  }
  setInterval(function () { showTimes(document); }, 60000);

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
    // Near the end of a short thread it would hang below the iframe: keep it inside.
    if (embed) {
      var top = Math.min(link.getBoundingClientRect().top - 120,
                         window.innerHeight - dialog.offsetHeight - 8);
      dialog.style.margin = Math.max(8, top) + "px auto auto";
    }
    return true;
  }

  function showMore(link) {
    var list = document.getElementById("comment-list");
    if (!list) return false;
    link.setAttribute("aria-busy", "true");
    link.textContent = "Loading…";
    var added = [];
    fetch(link.href, { credentials: "same-origin", headers: headers(false) })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        page.querySelectorAll("#comment-list > li.comment").forEach(function (item) {
          // Comments posted since this page loaded shift the pages: skip repeats.
          if (document.getElementById(item.id)) return;
          var node = document.importNode(item, true);
          list.appendChild(node);
          showTimes(node);
          initCounters(node);
          added.push(node);
        });
        if (token) {
          viewer(link.href).then(function (data) {
            if (data) added.forEach(function (node) { fillComment(node, data); });
          }).catch(function () { /* the comments are there; their controls are not */ });
        }
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
      here = url.href;
      refresh().catch(function () { /* reported by refresh */ });
      return;
    }
    var retry = event.target.closest("[data-btl-retry]");
    if (retry) {
      retry.disabled = true;
      retry.textContent = "Trying again…";
      refresh().catch(function () { /* reported by refresh */ });
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
  // Each load of the reader's part is numbered and only the latest one's answers are used:
  // a slow answer to an earlier request (the token's first load, a sort changed since, a
  // post's refresh) never lays itself over a newer page or reader's part.
  var generation = 0;
  // A request that fails (no answer, or a busy server's 5xx or 429) is tried again after
  // these waits (ms) before the reader is told.
  var RETRY_WAITS = [500, 1000, 2000];
  try {
    var referrer = new URL(document.referrer).origin;
    if (origins.indexOf(referrer) >= 0) parentOrigin = referrer;
  } catch (e) { /* no referrer: wait for the token message */ }

  // Only what the reader asks for themselves carries the token; the page is the shared
  // one, which a token would only make the server render again for this reader.
  function headers(withToken) {
    var h = { Accept: "text/html" };
    if (token && withToken) h.Authorization = "Bearer " + token;
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

  function pageVersion() {
    var frame = document.querySelector("[data-thread-version]");
    return frame ? frame.getAttribute("data-thread-version") : null;
  }

  // A GET, tried again while it fails: resolves with the last answer, or rejects with the
  // last network error.
  function retried(request) {
    var waits = RETRY_WAITS.slice();
    function again(last) {
      if (!waits.length) return last();
      return new Promise(function (resolve) { setTimeout(resolve, waits.shift()); }).then(attempt);
    }
    function attempt() {
      return request().then(function (response) {
        if (response.status < 500 && response.status !== 429) return response;
        return again(function () { return response; });
      }, function (error) {
        return again(function () { throw error; });
      });
    }
    return attempt();
  }

  // The reader's part of a page of the thread: /threads/<id>/viewer?sort=&page=.
  function viewer(pageUrl) {
    var url = new URL(pageUrl, location.href);
    url.pathname = url.pathname.replace(/\/?$/, "/viewer");
    url.searchParams.delete("v");
    var sent = token;
    return retried(function () {
      return fetch(url.href, {
        headers: { Accept: "application/json", Authorization: "Bearer " + sent }, cache: "no-store"
      });
    }).then(function (response) {
      if (response.status === 401) { // stay anonymous, never someone else
        if (token === sent) token = null;
        return null;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  // The shared page again, then the reader's part over it. When the reader's answer says
  // the thread has moved on since the page we have (a comment just posted, answered by a
  // process whose memory is a fraction of a second behind), the page is asked for at that
  // version's own address, which no stale copy can answer.
  function refresh() {
    var mine = ++generation;
    function current() { return mine === generation; }
    function page(url) {
      return retried(function () {
        return fetch(url, { headers: headers(false), cache: "no-cache" });
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      }).then(function (html) { if (current()) swap(html); });
    }
    var shown = page(here);
    if (!token) return shown;
    return Promise.all([shown, viewer(here)]).then(function (results) {
      var data = results[1];
      if (!data || !current()) return null;
      if (String(data.thread_version) === pageVersion()) return apply(data);
      var url = new URL(here);
      url.searchParams.set("v", data.thread_version);
      return page(url.href).then(function () { if (current()) apply(data); });
    }).catch(function (error) {
      if (current()) readerProblem();
      throw error;
    });
  }

  // The reader's part of the page in hand, once the token has come.
  function showReader() {
    var mine = ++generation;
    return viewer(here).then(function (data) {
      if (mine !== generation) return null;
      if (data && String(data.thread_version) !== pageVersion()) return refresh();
      return apply(data);
    }, function (error) {
      if (mine === generation) readerProblem();
      throw error;
    });
  }

  // Said where the comment box would be, with a button that fetches the page and the
  // reader's part again: a reader who is signed in is never left with a silent thread.
  function readerProblem() {
    var respond = document.getElementById("respond");
    if (!token || !respond) return;
    var shown = respond.querySelector("[data-btl-retry]");
    if (shown) { // still the page of the last try: the same notice, ready again
      shown.disabled = false;
      shown.textContent = "Try again";
      return;
    }
    var p = document.createElement("p");
    p.className = "alert error";
    p.setAttribute("role", "alert");
    p.setAttribute("data-btl-problem", "");
    p.textContent = "Your comment box and buttons could not be loaded. ";
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("data-btl-retry", "");
    button.textContent = "Try again";
    p.appendChild(button);
    respond.insertBefore(p, respond.firstChild);
    postHeight();
  }

  // --- the reader's part, filled in from the page's <template> elements ----------------
  function fromTemplate(name) {
    var template = document.getElementById("btl-" + name);
    return template ? document.importNode(template.content.firstElementChild, true) : null;
  }

  function forComment(node, id) {
    var els = Array.from(node.querySelectorAll("form[action], a[href]"));
    if (node.matches("form[action], a[href]")) els.push(node);
    els.forEach(function (el) {
      var attr = el.tagName === "FORM" ? "action" : "href";
      el.setAttribute(attr, el.getAttribute(attr).replace("/comments/0/", "/comments/" + id + "/"));
    });
    return node;
  }

  function named(node, field, id) {
    var box = node.querySelector("textarea[data-field]");
    var label = node.querySelector("label[data-field]");
    var out = node.querySelector("output[data-field]");
    box.id = field + "-" + id;
    box.setAttribute("data-counter", box.id + "-count");
    if (label) label.htmlFor = box.id;
    if (out) { out.id = box.id + "-count"; out.htmlFor = box.id; }
    return box;
  }

  function fillComment(li, data) {
    var id = parseInt(li.id.replace("comment-", ""), 10);
    var actions = li.querySelector(":scope > .actions");
    if (!id || !actions || !li.classList.contains("state-published") ||
        actions.hasAttribute("data-filled")) return;
    actions.setAttribute("data-filled", "");
    var own = data.own.indexOf(id) >= 0;
    var author = li.querySelector(":scope > .meta .author");
    var name = author ? author.textContent : "";
    var node;
    if (own) li.classList.add("own");
    if (data.subscriber && !own) {
      node = fromTemplate(data.recommended.indexOf(id) >= 0 ? "recommended" : "recommend");
      if (node) actions.appendChild(forComment(node, id));
    }
    if (data.can_reply && (node = fromTemplate("reply"))) {
      node.querySelector("input[name=parent_id]").value = id;
      named(node, "reply", id);
      node.querySelector("label").textContent = "Reply to " + name;
      actions.appendChild(node);
    }
    if (data.signed_in && !own) {
      node = fromTemplate(data.reported.indexOf(id) >= 0 ? "reported" : "report");
      if (node) {
        if (node.hasAttribute("data-report")) node.setAttribute("data-author", name);
        actions.appendChild(forComment(node, id));
      }
    }
    if (own && data.editable.indexOf(id) >= 0 && (node = fromTemplate("edit"))) {
      named(node, "edit", id).value = data.edit_texts[String(id)] || "";
      actions.appendChild(forComment(node, id));
    }
    if (own && (node = fromTemplate("delete"))) actions.appendChild(forComment(node, id));
  }

  // The reader's own comments that nobody else sees (under review; awaiting approval).
  function placeUnpublished(item) {
    var fresh = new DOMParser().parseFromString(item.html, "text/html").querySelector("li.comment");
    if (!fresh) return;
    fresh = document.importNode(fresh, true);
    var existing = document.getElementById("comment-" + item.id);
    if (existing) {
      var replies = existing.querySelector(":scope > ol.replies");
      if (replies) fresh.appendChild(replies);
      existing.replaceWith(fresh);
      return;
    }
    var list = document.getElementById("comment-list");
    if (!list) return;
    if (item.thread_root_id) {
      var root = document.getElementById("comment-" + item.thread_root_id);
      if (!root) return;
      var ol = root.querySelector(":scope > ol.replies");
      if (!ol) { ol = document.createElement("ol"); ol.className = "replies"; root.appendChild(ol); }
      ol.appendChild(fresh);
      return;
    }
    var empty = list.querySelector(":scope > li.empty");
    if (empty) empty.remove();
    list.insertBefore(fresh, list.firstChild);
  }

  function apply(data) {
    if (!data) return;
    var problem = document.querySelector("[data-btl-problem]");
    if (problem) problem.remove();
    var respond = document.getElementById("respond");
    if (respond && data.box_html) respond.innerHTML = data.box_html;
    document.querySelectorAll("#comment-list li.comment").forEach(function (li) { fillComment(li, data); });
    data.unpublished.forEach(placeUnpublished);
    data.flash.forEach(function (message) {
      var at = message.comment_id && document.getElementById("comment-" + message.comment_id);
      if (!at) return; // the others are in the box already
      var p = document.createElement("p");
      p.className = "alert " + message.level;
      p.setAttribute("role", "status");
      p.textContent = message.message;
      at.appendChild(p);
    });
    var who = document.querySelector(".site-header .bar");
    if (who && data.name && !document.querySelector(".account .who")) {
      var nav = document.createElement("nav");
      nav.className = "account";
      nav.setAttribute("aria-label", "Your account");
      nav.innerHTML = '<span class="who"></span>';
      nav.firstChild.textContent = data.name;
      who.appendChild(nav);
    }
    markLinks();
    showTimes(document);
    initCounters(document);
    postHeight();
  }

  // A success is a redirect (not followed: the page and the reader's part are fetched
  // again); a refusal is the thread as this reader sees it, with the reason and what the
  // reader had typed.
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16)), key = "";
    bytes.forEach(function (b) { key += (b + 256).toString(16).slice(1); });
    return key;
  }

  function send(form, submitter) {
    // Not form.action: the recommend form has an input named "action", which shadows it.
    var action = new URL(form.getAttribute("action") || "", location.href).href;
    // One key per comment typed, kept across the reader's retries after a lost answer,
    // so that a retry never posts it twice (the server returns the first one).
    if (!form.dataset.idempotencyKey) form.dataset.idempotencyKey = newKey();
    var sendHeaders = headers(true);
    sendHeaders["Idempotency-Key"] = form.dataset.idempotencyKey;
    fetch(action, {
      method: "POST", body: new FormData(form, submitter), headers: sendHeaders, redirect: "manual"
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.ok) {
        // Posted: the next comment is a new one, once the page shows this one. Until then
        // the key stays, so that sending again after a failed refresh never posts twice.
        return refresh().then(function () { delete form.dataset.idempotencyKey; });
      }
      return response.text().then(function (html) {
        generation++; // this reader's own page: no earlier answer may cover it
        swap(html);
      });
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
        showReader().catch(postHeight);
      } else {
        postHeight();
      }
    });
    // Listening now: ask for the token rather than count on its message coming later
    // (it is addressed to each allowed origin; only the publisher's page receives it).
    origins.forEach(function (origin) {
      try {
        window.parent.postMessage({ type: "btl:ready" }, origin);
      } catch (e) { /* not an origin */ }
    });
    new ResizeObserver(function () { postHeight(); }).observe(document.documentElement);
    window.addEventListener("load", postHeight);
  }

  function start() {
    if (embed) markLinks();
    showTimes(document);
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
