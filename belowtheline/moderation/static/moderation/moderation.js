/* Below the Line: the moderation dashboard's keyboard and bulk selection.
 *
 * Every form works without this file. With it: j/k move through the queue, d dismisses,
 * x and a open the remove and amend forms, s selects, ? lists the keys; "select all" and
 * a count for the bulk bar; a confirmation before removals that touch many comments; and
 * after a decision the highlight comes back to the same place in the queue, which is now
 * the next comment, so a moderator can work down the list without the mouse.
 */
(function () {
  "use strict";

  var STORE = "btl-moderation-position";
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }

  function setCurrent(index, focus) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("current", i === index); });
    current = index;
    if (focus !== false) {
      all[index].focus({ preventScroll: true });
      all[index].scrollIntoView({ block: "nearest" });
    }
  }

  function currentRow() {
    var all = rows();
    return current >= 0 && current < all.length ? all[current] : null;
  }

  // Shortcuts must never eat what a moderator types in a reason or an amended text.
  function typing(target) {
    return !!(target && target.closest &&
      target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
  }

  function openFold(row, name) {
    var fold = row.querySelector('details[data-fold="' + name + '"]');
    if (!fold) return;
    fold.open = true;
    var field = fold.querySelector("select, textarea, input:not([type=hidden])");
    if (field) field.focus();
  }

  function showHelp() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var help = document.getElementById("shortcuts");
    if (help && help.open) return; // the dialog closes itself on Escape
    if (event.key === "Escape") {
      var fold = event.target.closest && event.target.closest("details[data-fold][open]");
      if (fold) {
        fold.open = false;
        var row = fold.closest("[data-row]");
        if (row) setCurrent(rows().indexOf(row));
        event.preventDefault();
      }
      return;
    }
    // In a decision form, Enter on the rule list sends it: x, a digit, Enter removes.
    if (event.key === "Enter" && event.target.matches && event.target.matches(".decision select")) {
      event.preventDefault();
      if (event.target.form.requestSubmit) event.target.form.requestSubmit();
      else event.target.form.submit();
      return;
    }
    if (typing(event.target)) return;
    var row = currentRow();
    switch (event.key) {
      case "j": setCurrent(current + 1); break;
      case "k": setCurrent(current < 0 ? 0 : current - 1); break;
      case "?": showHelp(); break;
      case "d": {
        var dismiss = row && row.querySelector('[data-action="dismiss"]');
        if (!dismiss) return;
        dismiss.click();
        break;
      }
      case "x": if (!row) return; openFold(row, "remove"); break;
      case "a": if (!row) return; openFold(row, "amend"); break;
      case "s": {
        var box = row && row.querySelector("[data-row-select]");
        if (!box) return;
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) { showHelp(); return; }
    var row = event.target.closest("[data-row]");
    if (row) setCurrent(rows().indexOf(row), false);
  });

  // --- bulk selection ---------------------------------------------------------------------

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row-select]"));
  }

  function updateCount() {
    var all = boxes();
    var picked = all.filter(function (box) { return box.checked; }).length;
    var out = document.querySelector("[data-selected-count]");
    if (out) out.textContent = picked ? picked + " selected" : "None selected";
    var every = document.querySelector("[data-select-all]");
    if (every) {
      every.checked = picked > 0 && picked === all.length;
      every.indeterminate = picked > 0 && picked < all.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("[data-select-all], [data-row-select]")) updateCount();
  });

  // --- submitting -------------------------------------------------------------------------

  // btl.js (loaded first) marks a posted form as sent, so that an impatient second click
  // sends nothing. A submission cancelled here must be unmarked, or the form would stay
  // dead.
  function cancel(event, form) {
    event.preventDefault();
    form.removeAttribute("data-sent");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) return; // a second click, already refused by btl.js
    var button = event.submitter;
    if (form.matches("[data-bulk]") && !boxes().some(function (b) { return b.checked; })) {
      cancel(event, form);
      var out = document.querySelector("[data-selected-count]");
      if (out) out.textContent = "Select comments first";
      return;
    }
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { cancel(event, form); return; }
    var row = form.closest("[data-row]");
    try {
      sessionStorage.setItem(STORE, JSON.stringify({
        page: location.pathname + location.search,
        index: row ? rows().indexOf(row) : current,
      }));
    } catch (e) { /* private mode: no memory, no harm */ }
  });

  function restore() {
    updateCount();
    var problem = document.querySelector("[data-row].has-problem");
    if (problem) { setCurrent(rows().indexOf(problem), false); return; }
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
      sessionStorage.removeItem(STORE);
    } catch (e) { saved = null; }
    if (saved && saved.page === location.pathname + location.search && saved.index >= 0) {
      setCurrent(saved.index);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restore);
  else restore();
})();
