/* Filters on a static copy of the calendar, where no server reads the address's query.
   - On the first page of the upcoming and past listings, an address with filters
     (?type=webinar&online=true, as the filter form sends) is applied here to the built JSON
     named by link[data-calendar-index]: the results, the counts beside each choice, the
     filters in use and the subscribe links are redrawn as the server draws them. The entries
     themselves come rendered in the JSON, by the same template as the pages.
   - On an observance's page, the year picker opens that year's page.
   Without scripts, the per-type and per-sponsor pages stand in for the filters.
   Its words are English unless the page gives them in its language (`#filter-words`, by the
   server's own English, as build/clientindex.py `script_words` writes them). */
(function () {
  "use strict";

  var LISTS = { type: "types", topic: "topics", audience: "audience", sponsor: "sponsors",
                region: "regions", language: "languages", accessibility: "accessibility" };
  var FACETS = [["types", "type", "Type"], ["topics", "topic", "Topic"], ["audience", "audience", "Audience"],
                ["sponsors", "sponsor", "Sponsor"], ["regions", "region", "State or region"],
                ["languages", "language", "Language"], ["accessibility", "accessibility", "Accessibility"]];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"];
  var TRUE = /^(1|true|yes|on)$/i, FALSE = /^(0|false|no|off)$/i;

  // The page's words in its language, by their English; a plural's are [one, other].
  var WORDS = (function () {
    var node = document.getElementById("filter-words");
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  })();
  function t(text, values) {
    var found = WORDS && typeof WORDS[text] === "string" ? WORDS[text] : text;
    return found.replace(/%\((\w+)\)[sd]/g, function (all, name) { return String(values[name]); });
  }
  function tn(one, other, n) {
    var forms = WORDS && WORDS[one];
    var text = Array.isArray(forms) ? forms[n === 1 ? 0 : 1] : (n === 1 ? one : other);
    return text.replace(/%\(num\)d/g, String(n));
  }
  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function norm(text) { return String(text).normalize("NFKC").toLowerCase().trim(); }

  function parse(search) {
    var f = { types: [], topics: [], audience: [], sponsors: [], regions: [], languages: [], accessibility: [],
              online: null, free: false, q: "", from: "", to: "", observance: "", page: 1 };
    new URLSearchParams(search).forEach(function (raw, name) {
      var value = raw.trim();
      if (!value) { return; }
      if (LISTS[name]) {
        value.split(",").forEach(function (v) {
          v = v.trim();
          if (v && f[LISTS[name]].indexOf(v) < 0) { f[LISTS[name]].push(v); }
        });
      } else if (name === "online") {
        f.online = TRUE.test(value) ? true : (FALSE.test(value) ? false : f.online);
      } else if (name === "free") {
        f.free = TRUE.test(value);
      } else if (name === "q") {
        f.q = value.slice(0, 200);
      } else if ((name === "from" || name === "to") && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
        f[name] = value;
      } else if (name === "observance") {
        f.observance = value;
      } else if (name === "page" && /^\d+$/.test(value) && parseInt(value, 10) >= 1) {
        f.page = parseInt(value, 10);
      }
    });
    return f;
  }

  function query(f, page) {
    var params = new URLSearchParams();
    FACETS.forEach(function (facet) { f[facet[0]].forEach(function (v) { params.append(facet[1], v); }); });
    if (f.online !== null) { params.append("online", f.online ? "true" : "false"); }
    if (f.free) { params.append("free", "true"); }
    if (f.q) { params.append("q", f.q); }
    if (f.from) { params.append("from", f.from); }
    if (f.to) { params.append("to", f.to); }
    if (f.observance) { params.append("observance", f.observance); }
    if (page > 1) { params.append("page", String(page)); }
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function filtered(f) {
    return FACETS.some(function (facet) { return f[facet[0]].length > 0; }) ||
      f.online !== null || f.free || f.q || f.from || f.to || f.observance;
  }

  // --- matching, as the server's catalog matches ---------------------------------------------

  function tagsMatch(wanted, have) {
    if (!wanted.length) { return true; }
    var known = have.map(norm);
    return wanted.some(function (w) { return known.indexOf(norm(w)) >= 0; });
  }

  function matches(r, f, skip) {
    if (skip !== "types" && f.types.length && f.types.indexOf(r.type) < 0) { return false; }
    if (skip !== "topics" && !tagsMatch(f.topics, r.topics)) { return false; }
    if (skip !== "audience" && !tagsMatch(f.audience, r.audience)) { return false; }
    if (skip !== "sponsors" && !tagsMatch(f.sponsors, r.sponsors)) { return false; }
    if (skip !== "regions" && f.regions.length && !tagsMatch(f.regions, [r.region])) { return false; }
    if (skip !== "languages" && f.languages.length && f.languages.indexOf(r.language) < 0) { return false; }
    if (skip !== "accessibility" && !f.accessibility.every(function (a) { return r.accessibility.indexOf(a) >= 0; })) { return false; }
    if (skip !== "online" && f.online !== null && r.online !== f.online) { return false; }
    if (skip !== "free" && f.free && !r.free) { return false; }
    if (f.q) {
      var words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
      if (!words.every(function (w) { return r.text.indexOf(w) >= 0; })) { return false; }
    }
    return true;
  }

  function inWindow(r, f) {
    if (f.observance && r.observances.indexOf(f.observance) < 0) { return false; }
    if (!f.from && !f.to) { return true; }
    var from = f.from || "0001-01-01", to = f.to || "9999-12-31";
    return r.days.some(function (d) { return d[0] <= to && d[1] >= from; });
  }

  function valuesOf(r, attr) {
    if (attr === "types") { return [r.type]; }
    if (attr === "regions") { return r.region ? [r.region] : []; }
    if (attr === "languages") { return [r.language]; }
    return r[attr];
  }

  // --- words, as the server writes them -------------------------------------------------------

  function plural(kind) { return t(/s$/.test(kind) ? kind : kind + "s"); }

  function dayText(iso) {
    var parts = iso.split("-");
    if (WORDS) {  // in the page's language, as the server writes a long date ("5 de enero de 2027")
      var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
      return new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "long", timeZone: "UTC" }).format(day);
    }
    return MONTHS[parseInt(parts[1], 10) - 1] + " " + parseInt(parts[2], 10) + ", " + parts[0];
  }

  function describe(f, data) {
    var kinds = f.types.map(plural).join(" " + t("and") + " ") || t("events");
    if (f.online === true) { kinds = t("online %(kinds)s", { kinds: kinds }); }
    if (f.free) { kinds = t("free %(kinds)s", { kinds: kinds }); }
    var parts = [kinds];
    if (f.topics.length) { parts.push(t("on %(topics)s", { topics: f.topics.join(", ") })); }
    if (f.audience.length) { parts.push(t("for %(audience)s", { audience: f.audience.join(", ") })); }
    if (f.sponsors.length) { parts.push(t("by %(sponsors)s", { sponsors: f.sponsors.join(", ") })); }
    if (f.regions.length) { parts.push(t("in %(regions)s", { regions: f.regions.join(", ") })); }
    if (f.languages.length) {
      parts.push(WORDS ? t("in %(languages)s", { languages: f.languages.join(" " + t("or") + " ") })
                       : "in language " + f.languages.join(", "));
    }
    if (f.accessibility.length) { parts.push(t("with %(features)s", { features: f.accessibility.join(", ") })); }
    if (f.observance) { parts.push(t("for %(observance)s", { observance: data.observances[f.observance] || f.observance })); }
    if (f.q) { parts.push(t("matching \"%(search)s\"", { search: f.q })); }
    if (f.from || f.to) { parts.push(t("from %(start)s to %(end)s", { start: f.from || "…", end: f.to || "…" })); }
    return parts.join(" ");
  }

  function resultsText(total, description, past, isFiltered) {
    var counted = !total ? t(past ? "No past events" : "No upcoming events")
      : past ? tn("%(num)d past event", "%(num)d past events", total)
      : tn("%(num)d upcoming event", "%(num)d upcoming events", total);
    if (!isFiltered) { return counted; }
    var everything = t("events");
    if (description.indexOf(everything + " ") === 0) { return counted + description.slice(everything.length); }
    return counted + ": " + description;
  }

  function choiceLabel(form, param, value) {
    var found = null;
    form.querySelectorAll("input[name='" + param + "']").forEach(function (input) {
      if (input.value === value) { found = form.querySelector("label[for='" + input.id + "']"); }
    });
    if (!found) { return value.charAt(0).toUpperCase() + value.slice(1); }
    var copy = found.cloneNode(true);
    copy.querySelectorAll(".count").forEach(function (c) { c.remove(); });
    return copy.textContent.trim();
  }

  // --- drawing --------------------------------------------------------------------------------

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function activeFilters(f, form, data, path) {
    var found = [];
    function without(change) {
      var copy = JSON.parse(JSON.stringify(f));
      change(copy);
      return path + query(copy, 1);
    }
    FACETS.forEach(function (facet) {
      f[facet[0]].forEach(function (value) {
        found.push([t(facet[2]) + ": " + choiceLabel(form, facet[1], value), without(function (c) {
          c[facet[0]] = c[facet[0]].filter(function (v) { return v !== value; });
        })]);
      });
    });
    if (f.online !== null) { found.push([t(f.online ? "Online only" : "In person only"), without(function (c) { c.online = null; })]); }
    if (f.free) { found.push([t("Free only"), without(function (c) { c.free = false; })]); }
    if (f.q) { found.push([t("Search: “%(search)s”", { search: f.q }), without(function (c) { c.q = ""; })]); }
    if (f.from) { found.push([t("From %(day)s", { day: dayText(f.from) }), without(function (c) { c.from = ""; })]); }
    if (f.to) { found.push([t("Until %(day)s", { day: dayText(f.to) }), without(function (c) { c.to = ""; })]); }
    if (f.observance) {
      var named = data.observances[f.observance] || f.observance;
      found.push([t("Observance: %(name)s", { name: named }), without(function (c) { c.observance = ""; })]);
    }
    return found;
  }

  function updateForm(form, f, pool) {
    FACETS.forEach(function (facet) {
      var counts = {};
      pool.forEach(function (r) {
        if (!matches(r, f, facet[0])) { return; }
        valuesOf(r, facet[0]).filter(function (v, i, all) { return all.indexOf(v) === i; }).forEach(function (v) {
          counts[v] = (counts[v] || 0) + 1;
        });
      });
      form.querySelectorAll("input[name='" + facet[1] + "']").forEach(function (input) {
        input.checked = f[facet[0]].indexOf(input.value) >= 0;
        setCount(form, input, counts[input.value] || 0);
        // As on the server, a choice that would give nothing is not offered (unless chosen).
        var item = input.closest("li");
        if (item) { item.hidden = !counts[input.value] && !input.checked; }
      });
    });
    [["online", { online: true }], ["free", { free: true }]].forEach(function (pair) {
      var input = form.querySelector("#" + pair[0]);
      if (!input) { return; }
      var probe = Object.assign({}, f, pair[1]);
      input.checked = pair[0] === "online" ? f.online === true : f.free;
      setCount(form, input, pool.filter(function (r) { return matches(r, probe); }).length);
    });
    [["q", f.q], ["from", f.from], ["to", f.to]].forEach(function (pair) {
      var input = form.querySelector("#" + pair[0]);
      if (input) { input.value = pair[1]; }
    });
  }

  function setCount(form, input, n) {
    var count = form.querySelector("label[for='" + input.id + "'] .count");
    if (count) { count.textContent = "(" + n + ")"; }
  }

  function feedFor(f, data) {
    var used = [];
    FACETS.forEach(function (facet) { if (f[facet[0]].length) { used.push(facet[0]); } });
    var others = f.online !== null || f.free || f.q || f.from || f.to;
    if (others) { return null; }
    if (!used.length && !f.observance) { return data.feeds.all; }
    if (f.observance && !used.length) { return data.feeds["observance:" + f.observance] || null; }
    if (used.length === 1 && !f.observance && f[used[0]].length === 1) {
      var value = f[used[0]][0];
      if (used[0] === "types") { return data.feeds["type:" + value] || null; }
      if (used[0] === "sponsors") {
        var key = Object.keys(data.sponsors).filter(function (s) { return norm(s) === norm(value); })[0];
        return key ? data.feeds["sponsor:" + key] : null;
      }
    }
    return null;
  }

  function draw(data, f, root, indexUrl) {
    var form = document.querySelector("form.filters");
    var results = document.querySelector(".results");
    if (!form || !results) { return; }
    var path = new URL(form.getAttribute("action") || "./", location.href).pathname;
    var past = data.past;
    var pool = data.events.filter(function (r) { return inWindow(r, f); });
    var shown = pool.filter(function (r) { return matches(r, f); });
    var size = data.page_size;
    var pages = Math.max(1, Math.ceil(shown.length / size));
    var page = Math.min(f.page, pages);
    var first = (page - 1) * size;
    var slice = shown.slice(first, first + size);
    var isFiltered = filtered(f);
    var description = describe(f, data);

    results.querySelectorAll(".active-filters, .empty, section.month, nav.pagination").forEach(function (n) { n.remove(); });
    var count = results.querySelector(".results-count");
    count.textContent = resultsText(shown.length, description, past, isFiltered) + "." +
      (pages > 1 ? " " + t("Showing %(first)s-%(last)s.", { first: first + 1, last: first + slice.length }) : "");
    var after = count;
    function place(node) { after.insertAdjacentElement("afterend", node); after = node; }

    var active = activeFilters(f, form, data, path);
    if (active.length) {
      var chips = el("ul", { "class": "active-filters", "aria-label": t("Filters in use") });
      active.forEach(function (a) {
        var link = el("a", { href: a[1], "class": "chip" });
        link.appendChild(el("span", { "class": "visually-hidden" }, t("Remove filter") + " "));
        link.appendChild(document.createTextNode(a[0] + " "));
        link.appendChild(el("span", { "aria-hidden": "true" }, "×"));
        chips.appendChild(el("li")).appendChild(link);
      });
      place(chips);
    }
    if (!slice.length) {
      var empty = el("div", { "class": "empty" });
      var nothing = isFiltered
        ? (past ? "No past events match these filters." : "No upcoming events match these filters.")
        : (past ? "There are no past events yet." : "There are no upcoming events yet.");
      empty.appendChild(el("p")).appendChild(el("strong", {}, t(nothing)));
      if (isFiltered) {
        // The sentence and its links as the listing's template writes them (the catalog's own markup).
        var links = { clear: escapeHtml(path), past: escapeHtml(new URL("past/", root).pathname + query(f, 1)) };
        empty.appendChild(el("p")).innerHTML = past
          ? t("Remove a filter above, or <a href=\"%(clear)s\">clear all filters</a>.", links)
          : t("Remove a filter above, or <a href=\"%(clear)s\">clear all filters</a>, or <a href=\"%(past)s\">look among past events</a>.", links);
      }
      place(empty);
    }
    var section = null, list = null;
    slice.forEach(function (r) {
      if (!section || section.getAttribute("data-month") !== r.month) {
        section = el("section", { "class": "month", "aria-labelledby": "month-" + r.month, "data-month": r.month });
        section.appendChild(el("h2", { id: "month-" + r.month }, r.month_title));
        list = section.appendChild(el("ol", { "class": "entries" }));
        place(section);
      }
      list.insertAdjacentHTML("beforeend", r.html);  // rendered by the site's own template at build time
    });
    results.querySelectorAll("section.month a[href]").forEach(function (a) {
      a.setAttribute("href", new URL(a.getAttribute("href"), root).href);
    });
    if (pages > 1) {
      var nav = el("nav", { "class": "pagination", "aria-label": t("Pages") });
      var items = nav.appendChild(el("ul"));
      var link = function (n, text, rel) {
        var a = el("a", { href: path + query(f, n) }, text);
        if (rel) { a.setAttribute("rel", rel); }
        if (n === page && !rel) { a.setAttribute("aria-current", "page"); }
        items.appendChild(el("li")).appendChild(a);
      };
      if (page > 1) { link(page - 1, t("Previous"), "prev"); }
      if (pages <= 20) {
        for (var n = 1; n <= pages; n += 1) { link(n, String(n)); }
      } else {
        items.appendChild(el("li", {}, t("Page %(page)s of %(pages)s", { page: page, pages: pages })));
      }
      if (page < pages) { link(page + 1, t("Next"), "next"); }
      place(nav);
    }
    var other = results.querySelector(".other-listing a");
    if (other) {
      var target = past ? root.pathname : new URL("past/", root).pathname;
      other.setAttribute("href", target + query(f, 1));
      other.textContent = t((past ? "See upcoming events" : "See past events") + (isFiltered ? " with these filters" : ""));
    }
    drawFollow(results, f, data, description, isFiltered);
    updateForm(form, f, pool);
    var summary = form.querySelector(".filter-panel summary");
    if (summary) {
      var inUse = summary.querySelector(".filter-count");
      if (inUse) { inUse.remove(); }
      if (active.length) {
        summary.appendChild(document.createTextNode(" "));
        summary.appendChild(el("span", { "class": "filter-count" }, t("(%(count)s in use)", { count: active.length })));
      }
    }
    var suffix = document.title.split(" · ").slice(1).join(" · ");
    document.title = t(past ? "Past events" : "Upcoming events") + (isFiltered ? ": " + description : "") + (suffix ? " · " + suffix : "");
  }

  function drawFollow(results, f, data, description, isFiltered) {
    var follow = results.querySelector(".follow");
    if (!follow) { return; }
    var feed = feedFor(f, data);
    var heading = follow.querySelector("h2");
    if (heading) { heading.textContent = t(isFiltered ? "Follow these events" : "Follow the calendar"); }
    var title = follow.querySelector(".subscribe-title");
    if (title) {
      title.textContent = feed
        ? t("Subscribe to %(feed)s in your calendar app; it updates by itself.", { feed: isFiltered ? description : t("every event") })
        : t("No feed holds exactly these filters; subscribe to every event, or to one type's or one sponsor's feed from its page.");
    }
    feed = feed || data.feeds.all;
    var buttons = follow.querySelectorAll(".subscribe-actions a");
    if (buttons[0]) { buttons[0].setAttribute("href", feed.webcal); }
    if (buttons[1]) { buttons[1].setAttribute("href", feed.google); }
    var copy = follow.querySelector("input.copy-source");
    if (copy) { copy.value = feed.https; }
  }

  function listing() {
    var index = document.querySelector("link[data-calendar-index]");
    if (!index || !location.search) { return; }
    var f = parse(location.search);
    if (!filtered(f) && f.page === 1) { return; }
    var indexUrl = new URL(index.getAttribute("href"), location.href);
    var root = new URL("../", indexUrl);
    fetch(indexUrl.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { draw(data, f, root, indexUrl); })
      .catch(function () {
        var count = document.querySelector(".results-count");
        if (count) { count.textContent = t("The filters could not be applied: the calendar's data did not load. Showing every event."); }
      });
  }

  function yearPicker() {
    var form = document.querySelector("form.year-picker");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      var select = form.querySelector("select[name='year']");
      if (!select) { return; }
      event.preventDefault();
      window.location.href = new URL(select.value + "/", form.action).href;
    });
  }

  function start() {
    listing();
    yearPicker();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
