/* Small enhancements; every page works without this file.
   - the reader's local time beside an event's time, when their zone differs from the event's
   - a Copy button beside feed addresses, and the Copy buttons a page writes itself (hidden until now)
   - an opt-in "update as I choose" for the filter form, and a closed filter panel on small screens
   Its words are English unless the page gives them in its language (`#page-words`, base.html). */
(function () {
  "use strict";

  function offsetOf(iso) {
    var m = /([+-])(\d{2}):(\d{2})$/.exec(iso);
    if (!m) { return /Z$/.test(iso) ? 0 : null; }
    var minutes = parseInt(m[2], 10) * 60 + parseInt(m[3], 10);
    return m[1] === "-" ? -minutes : minutes;
  }

  // The page's words in its language, by their English (a JSON object the Spanish pages carry).
  var WORDS = (function () {
    var el = document.getElementById("page-words");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();
  function word(text) { return WORDS[text] || text; }
  function fill(pattern, values) {
    return word(pattern).replace(/\{(\w+)\}/g, function (all, name) { return values[name]; });
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  function noonOrMidnight(d) { return d.getMinutes() === 0 && (d.getHours() === 12 || d.getHours() === 0); }

  // The reader's clock written as the page writes the event's: "6 p.m.", "9:30 a.m.", "noon".
  function clockText(d, suffix) {
    var h = d.getHours(), m = d.getMinutes();
    if (m === 0 && h === 12) { return word("noon"); }
    if (m === 0 && h === 0) { return word("midnight"); }
    var text = String(h % 12 || 12) + (m ? ":" + (m < 10 ? "0" : "") + m : "");
    return suffix === false ? text : fill(h < 12 ? "{time} a.m." : "{time} p.m.", {time: text});
  }

  function clockRange(start, end) {
    var sameHalf = (start.getHours() < 12) === (end.getHours() < 12);
    var plain = !noonOrMidnight(start) && !noonOrMidnight(end);
    return (sameHalf && plain ? clockText(start, false) : clockText(start)) + " - " + clockText(end);
  }

  function localTimes() {
    var groups = new Map();
    document.querySelectorAll("time[data-local]").forEach(function (el) {
      var list = groups.get(el.parentNode) || [];
      list.push(el);
      groups.set(el.parentNode, list);
    });
    groups.forEach(function (list) {
      var first = list[0], last = list[list.length - 1];
      var start = new Date(first.getAttribute("datetime"));
      var end = new Date(last.getAttribute("datetime"));
      var eventOffset = offsetOf(first.getAttribute("datetime"));
      if (isNaN(start.getTime()) || eventOffset === null) { return; }
      // The reader keeps the event's time: nothing to add.
      if (-start.getTimezoneOffset() === eventOffset) { return; }
      var eventDay = first.getAttribute("datetime").slice(0, 10);
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      var localDay = start.getFullYear() + "-" + pad(start.getMonth() + 1) + "-" + pad(start.getDate());
      var text = localDay !== eventDay ? fill("{month} {day}, ", {month: word(MONTHS[start.getMonth()]), day: start.getDate()}) : "";
      text += (list.length > 1 && end.getTime() !== start.getTime()) ? clockRange(start, end) : clockText(start);
      var span = document.createElement("span");
      span.className = "local-time";
      span.textContent = "\u00a0· " + fill("{time} your time", {time: text});
      last.insertAdjacentElement("afterend", span);
    });
  }

  function copyButtons() {
    document.querySelectorAll("input[data-copy]").forEach(function (input) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary copy-button";
      button.textContent = word("Copy");
      button.setAttribute("aria-label", word("Copy the feed address"));
      var status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      var row = document.createElement("span");
      row.className = "copy-row";
      input.parentNode.insertBefore(row, input);
      row.appendChild(input);
      row.appendChild(button);
      row.insertAdjacentElement("afterend", status);
      input.addEventListener("focus", function () { input.select(); });
      button.addEventListener("click", function () {
        var done = function () { status.textContent = word("Copied. Paste it into your calendar app."); };
        var fallback = function () {
          input.focus();
          input.select();
          try { document.execCommand("copy"); done(); } catch (e) { status.textContent = word("Select the address and copy it."); }
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(input.value).then(done, fallback);
        } else {
          fallback();
        }
      });
    });
  }

  // A Copy button the page writes, with its words, hidden until this script can make it work:
  // `data-copy-for` names the field it copies, `data-copied` what to say once it is copied.
  function pageCopyButtons() {
    document.querySelectorAll("[data-copy-for]").forEach(function (box) {
      var field = document.getElementById(box.getAttribute("data-copy-for"));
      var button = box.querySelector("button");
      var status = box.querySelector("[role=status]");
      if (!field || !button) { return; }
      box.hidden = false;
      field.addEventListener("focus", function () { field.select(); });
      button.addEventListener("click", function () {
        var done = function () { if (status) { status.textContent = box.getAttribute("data-copied") || ""; } };
        var fallback = function () {
          field.focus();
          field.select();
          try { if (document.execCommand("copy")) { done(); } } catch (e) { /* it stays selected, to copy by hand */ }
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(field.value).then(done, fallback);
        } else {
          fallback();
        }
      });
    });
  }

  function filterForm() {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form) { return; }
    var panel = form.querySelector("details[data-collapsible]");
    if (panel && !panel.hasAttribute("data-active") && window.matchMedia("(max-width: 55.99em)").matches) {
      panel.open = false;
    }
    // Empty fields stay out of the address, so a shared link holds only the filters in use.
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (el) {
        if (!el.value && el.name) { el.disabled = true; }
      });
    });
    var actions = form.querySelector(".filter-actions");
    if (!actions) { return; }
    var key = "calendar-autosubmit";
    var stored = null;
    try { stored = window.localStorage.getItem(key); } catch (e) { stored = null; }
    var wrapper = document.createElement("p");
    wrapper.className = "autosubmit-toggle";
    wrapper.innerHTML = '<input type="checkbox" id="autosubmit"> <label for="autosubmit"></label>';
    wrapper.querySelector("label").textContent = word("Update the results as I choose");
    actions.insertAdjacentElement("afterend", wrapper);
    var toggle = wrapper.querySelector("input");
    toggle.checked = stored === "on";
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(key, toggle.checked ? "on" : "off"); } catch (e) { /* private mode */ }
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!toggle.checked || target === toggle || target.type === "search") { return; }
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  }

  function start() {
    localTimes();
    copyButtons();
    pageCopyButtons();
    filterForm();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
