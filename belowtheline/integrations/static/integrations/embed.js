/* Below the Line embed. On the publisher's page:
 *   <div id="btl-comments"></div>
 *   <script src="https://COMMENTS-HOST/embed.js" data-site="demo" async></script>
 * Optional: data-url, data-title, data-published, data-token (or window.btlToken()).
 * Budget: 2 KB gzipped; no framework, nothing fetched from anyone but us.
 */
(function (d, w) {
  "use strict";
  var s = d.currentScript, a = s && s.dataset;
  if (!a || !a.site) return;
  var api = new URL(s.src).origin + "/embed/" + encodeURIComponent(a.site);

  function token() {
    try {
      return a.token || (typeof w.btlToken == "function" && w.btlToken()) || null;
    } catch (e) {
      return null;
    }
  }

  function json(r) {
    if (!r.ok) throw new Error("Below the Line: HTTP " + r.status);
    return r.json();
  }

  var box = d.getElementById("btl-comments");
  if (box) {
    var c = d.querySelector("link[rel=canonical]");
    fetch(api + "/articles", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        url: a.url || (c && c.href) || location.href.split("#")[0],
        title: a.title || d.title,
        published: a.published || null
      })
    }).then(json).then(function (j) {
      var f = d.createElement("iframe"), u = new URL(j.thread_url), o = u.origin;
      u.searchParams.set("embed", "1");
      f.src = u.href;
      f.title = "Comments";
      f.setAttribute("scrolling", "no");
      f.style.cssText = "display:block;width:100%;height:400px;border:0;overflow:hidden";
      // The token goes by message, never in the URL (logs, referrers) nor a cookie
      // (browsers block third-party ones): when the frame asks (its script listens), and
      // again on every load, should the frame navigate.
      function send() {
        f.contentWindow.postMessage({ type: "btl:token", token: token() }, o);
      }
      f.onload = send;
      w.addEventListener("message", function (e) {
        var m = e.data;
        if (e.origin !== o || e.source !== f.contentWindow || !m) return;
        if (m.type == "btl:ready") send();
        else if (m.type == "btl:height" && m.height > 0) f.style.height = Math.ceil(m.height) + "px";
      });
      box.appendChild(f);
    }).catch(function (e) {
      box.textContent = "Comments could not be loaded.";
      console.warn(e);
    });
  }

  var els = d.querySelectorAll("[data-btl-count]");
  if (els.length) {
    var q = [];
    els.forEach(function (el) {
      q.push("url=" + encodeURIComponent(el.getAttribute("data-btl-count")));
    });
    fetch(api + "/counts?" + q.join("&"), { credentials: "omit" }).then(json).then(function (j) {
      els.forEach(function (el) {
        var n = j.counts[el.getAttribute("data-btl-count")];
        if (n != null) el.textContent = n;
      });
    }).catch(function (e) {
      console.warn(e);
    });
  }
})(document, window);
