// Replyguard's comment section for any page. Add to an article:
//   <div id="replyguard" data-thread="https://your.site/the-article/"></div>
//   <script src="https://comments.your.site/embed.js" defer></script>
// It shows the approved comments (threaded, with Reply buttons) and the tr("leave-reply", "Leave a Reply")
// form, posts to Replyguard's JSON API, and shows each field's error next to the field.
// No dependencies, no third-party requests, no inline script or style: it works under a
// strict Content-Security-Policy that allows this script's origin. Every element it makes
// has a class starting with `rg-`, so the host page can style it and is not disturbed.
"use strict";

(function () {
  var script = document.currentScript;
  var base = new URL(script ? script.src : "/", location.href).origin;
  var root = document.getElementById("replyguard");
  if (!root || !window.fetch) return;
  var thread = root.getAttribute("data-thread") || location.href.split("#")[0];
  // The reader's language: the widget's data-lang, else the page's, else the browser's.
  // Messages in any other than English are fetched once, from /i18n/<lang>.json.
  var lang = (root.getAttribute("data-lang") || document.documentElement.lang ||
    navigator.language || "en").toLowerCase().split(/[-_]/)[0];
  var L = {};
  function tr(key, en, values) {
    var text = L[key] || en;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function start() {
  // The default look, a stylesheet (no inline style: strict CSPs hold), unless the site
  // styles the section itself.
  if (root.getAttribute("data-style") !== "none" &&
      !document.querySelector('link[href$="/embed.css"]')) {
    var css = el("link");
    css.rel = "stylesheet";
    css.href = base + "/embed.css";
    document.head.appendChild(css);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // "3 minutes ago" for the last day, else "November 29, 2026 at 7:38 pm", in the
  // reader's own time zone and language.
  function when(iso) {
    var t = el("time", "rg-date");
    t.dateTime = iso;
    var d = new Date(iso);
    var seconds = (Date.now() - d.getTime()) / 1000;
    var rel = window.Intl && Intl.RelativeTimeFormat && new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    if (rel && seconds >= 0 && seconds < 86400) {
      t.textContent = seconds < 60 ? rel.format(0, "second")
        : seconds < 3600 ? rel.format(-Math.floor(seconds / 60), "minute")
        : rel.format(-Math.floor(seconds / 3600), "hour");
    } else {
      var day = d.toLocaleDateString(lang, { year: "numeric", month: "long", day: "numeric" });
      var time = d.toLocaleTimeString(lang, { hour: "numeric", minute: "2-digit" });
      t.textContent = tr("date-at", "{day} at {time}", { day: day, time: time.toLowerCase() });
    }
    t.title = d.toLocaleString(lang);
    return t;
  }

  // The comment text: paragraphs on blank lines, line breaks kept; never parsed as HTML.
  function body(text) {
    var div = el("div", "rg-body");
    text.split(/\n{2,}/).forEach(function (para) {
      var p = el("p");
      para.split("\n").forEach(function (line, i) {
        if (i) p.appendChild(el("br"));
        p.appendChild(document.createTextNode(line));
      });
      div.appendChild(p);
    });
    return div;
  }

  function comment(c, pending) {
    var li = el("li", "rg-comment");
    li.id = "rg-comment-" + c.id;
    var article = el("article");
    var head = el("header", "rg-meta");
    var name = el(c.website ? "a" : "span", "rg-author");
    name.appendChild(el("bdi", null, c.author));
    if (c.website) {
      name.href = c.website;
      name.rel = "nofollow ugc noopener";
    }
    head.appendChild(name);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(when(c.created_at));
    article.appendChild(head);
    if (pending) article.appendChild(el("p", "rg-pending", tr("awaiting", "Your comment is awaiting moderation.")));
    article.appendChild(body(c.body));
    if (!pending) {
      var reply = el("button", "rg-reply", tr("reply", "Reply"));
      reply.type = "button";
      reply.setAttribute("aria-label", tr("reply-to", "Reply to {name}", { name: c.author }));
      reply.addEventListener("click", function () { replyTo(c, li); });
      article.appendChild(reply);
      var flag = el("button", "rg-report-button", tr("report", "Report"));
      flag.type = "button";
      flag.setAttribute("aria-label", tr("report-who", "Report the comment by {name}", { name: c.author }));
      flag.addEventListener("click", function () { report(c, article, flag); });
      article.appendChild(flag);
    }
    li.appendChild(article);
    if (c.replies && c.replies.length) li.appendChild(list(c.replies));
    return li;
  }

  // The reader's random token, kept in this browser (no cookie): one report per reader per
  // comment even when their address changes. Private windows without storage send none.
  function reader() {
    try {
      var t = localStorage.getItem("rg-reader");
      if (!t) {
        var b = new Uint8Array(16);
        crypto.getRandomValues(b);
        t = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
        localStorage.setItem("rg-reader", t);
      }
      return t;
    } catch (e) { return undefined; }
  }

  // A reader's report: why, in a few words; the answer replaces the form.
  function report(c, article, flag) {
    var f = el("form", "rg-report");
    var sel = el("select");
    sel.id = "rg-reason-" + c.id;
    var label = el("label", null, tr("report-why", "Why report it?"));
    label.htmlFor = sel.id;
    [["spam", tr("report-spam", "Spam")], ["abuse", tr("report-abuse", "Abuse")], ["off_topic", tr("report-off-topic", "Off topic")],
     ["illegal", tr("report-illegal", "Illegal content")], ["other", tr("report-other", "Other")]].forEach(function (o) {
      var opt = el("option", null, o[1]);
      opt.value = o[0];
      sel.appendChild(opt);
    });
    var why = el("textarea");
    why.id = "rg-why-" + c.id;
    var whyLabel = el("label", null, tr("report-explanation", "Explanation (required for illegal content)"));
    whyLabel.htmlFor = why.id;
    var send = el("button", null, tr("report-send", "Send report"));
    send.type = "submit";
    var note = el("p", "rg-status");
    note.setAttribute("role", "status");
    [label, sel, whyLabel, why, send, note].forEach(function (e) { f.appendChild(e); });
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      api("comments/" + c.id + "/report", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: sel.value, explanation: why.value, reader: reader() })
      }).then(function (r) {
        if (r.status === 202) {
          var done = el("p", "rg-status", tr("report-thanks", "Thank you. A moderator will look at it."));
          done.setAttribute("role", "status");
          f.replaceWith(done);
        } else {
          var fields = r.json.fields || {};
          note.textContent = (fields.explanation || fields.reason || [r.json.message]).join(" ");
        }
      }, function () { note.textContent = tr("report-failed", "Your report could not be sent. Please try again."); });
    });
    flag.hidden = true;
    article.appendChild(f);
    sel.focus();
  }

  function list(comments) {
    var ol = el("ol", "rg-list");
    comments.forEach(function (c) { ol.appendChild(comment(c, false)); });
    return ol;
  }

  var heading = el("h2", "rg-count");
  var comments = el("div", "rg-comments");
  var status = el("p", "rg-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  var form = el("form", "rg-form");
  form.id = "commentform";
  form.noValidate = true;
  var title = el("h3", "rg-title", tr("leave-reply", "Leave a Reply"));
  title.id = "respond";
  var notes = el("p", "rg-notes", tr("notes", "Your email address will not be published. Required fields are marked *"));
  form.appendChild(notes);
  var fields = {};
  // id and name are WordPress's, as in the plain form; `key` is the JSON API's field.
  [["comment", "body", tr("field-comment", "Comment"), true, "textarea"],
   ["author", "author", tr("field-name", "Name"), true, "text"],
   ["email", "email", tr("field-email", "Email"), true, "email"],
   ["url", "website", tr("field-website", "Website"), false, "url"]]
    .forEach(function (f) {
      var p = el("p", "rg-field");
      var label = el("label", null, f[2] + (f[3] ? " *" : ""));
      label.htmlFor = f[0];
      var input = el(f[4] === "textarea" ? "textarea" : "input");
      input.id = f[0];
      input.name = f[0];
      if (f[4] === "textarea") input.rows = 6; else input.type = f[4];
      if (f[3]) input.required = true;
      var error = el("span", "rg-error");
      error.id = f[0] + "-error";
      p.appendChild(label);
      p.appendChild(input);
      p.appendChild(error);
      form.appendChild(p);
      fields[f[1]] = { input: input, error: error, wrap: p };
    });
  // Shown once the listing says the service sends email.
  var notify = el("p", "rg-notify");
  notify.hidden = true;
  var box = el("input");
  box.type = "checkbox";
  box.id = box.name = "notify_replies";
  var boxLabel = el("label", null, tr("notify-replies", "Notify me of replies by email"));
  boxLabel.htmlFor = box.id;
  notify.appendChild(box);
  notify.appendChild(boxLabel);
  form.appendChild(notify);
  // The honeypot: out of sight, out of the tab order, hidden from screen readers.
  var trap = el("p", "rg-hp");
  trap.setAttribute("aria-hidden", "true");
  trap.style.position = "absolute";
  trap.style.left = "-10000px";
  var hp = el("input");
  hp.id = "rg_hp";
  hp.name = "rg_hp";
  hp.tabIndex = -1;
  hp.autocomplete = "off";
  trap.appendChild(hp);
  form.appendChild(trap);
  var cancel = el("button", "rg-cancel", tr("cancel-reply", "Cancel reply"));
  cancel.type = "button";
  cancel.hidden = true;
  var submit = el("button", "rg-submit", tr("post-comment", "Post Comment"));
  submit.type = "submit";
  var actions = el("p", "rg-actions");
  actions.appendChild(submit);
  actions.appendChild(document.createTextNode(" "));
  actions.appendChild(cancel);
  form.appendChild(actions);

  var parent = null;
  var token = "";
  var respond = el("section", "rg-respond");
  respond.appendChild(title);
  respond.appendChild(form);

  function replyTo(c, li) {
    parent = c.id;
    title.textContent = tr("reply-to", "Reply to {name}", { name: c.author });
    cancel.hidden = false;
    li.appendChild(respond);
    fields.body.input.focus();
  }
  cancel.addEventListener("click", function () {
    parent = null;
    title.textContent = tr("leave-reply", "Leave a Reply");
    cancel.hidden = true;
    root.appendChild(respond);
    fields.body.input.focus();
  });

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "accept-language": lang }, options.headers);
    return fetch(base + "/api/v1/" + path, options).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, json: j }; });
    });
  }

  function newToken() {
    return api("form-token?thread=" + encodeURIComponent(thread)).then(function (r) {
      token = r.status === 200 ? r.json.token : "";
    }, function () { token = ""; });
  }

  function showErrors(errors) {
    var first = null;
    Object.keys(fields).forEach(function (k) {
      var f = fields[k];
      var messages = errors[k] || [];
      f.error.textContent = messages.join(" ");
      f.wrap.classList.toggle("rg-invalid", messages.length > 0);
      if (messages.length) {
        f.input.setAttribute("aria-invalid", "true");
        f.input.setAttribute("aria-describedby", f.error.id);
        first = first || f.input;
      } else {
        f.input.removeAttribute("aria-invalid");
        f.input.removeAttribute("aria-describedby");
      }
    });
    if (first) first.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit.disabled = true;
    status.textContent = tr("sending", "Sending…");
    var sent = {
      thread: thread, parent: parent, author: fields.author.input.value,
      email: fields.email.input.value, website: fields.website.input.value,
      body: fields.body.input.value, form_token: token, honeypot: hp.value,
      notify_replies: !notify.hidden && box.checked
    };
    api("comments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(sent)
    }).then(function (r) {
      if (r.status === 202) {
        showErrors({});
        var own = comment({ id: r.json.id, author: sent.author.trim(), website: "", body: sent.body.trim(),
                            created_at: r.json.created_at }, true);
        var target = parent ? respond.parentNode : comments;
        var ol = target.querySelector(":scope > ol.rg-list");
        if (!ol) { ol = el("ol", "rg-list"); target.insertBefore(ol, parent ? respond : null); }
        ol.appendChild(own);
        fields.body.input.value = "";
        status.textContent = r.json.status === "approved" ? tr("thanks-published", "Thank you. Your comment is published.")
          : tr("thanks-awaiting", "Thank you. Your comment is awaiting moderation.");
        own.scrollIntoView({ block: "nearest" });
        newToken();
      } else if (r.status === 403 && r.json.error === "comments_closed") {
        form.hidden = true;
        status.textContent = tr("closed", "Comments are closed.");
      } else if (r.status === 422) {
        var errors = r.json.fields || {};
        var general = (errors.thread || []).concat(errors.parent || []);
        showErrors(errors);
        status.textContent = general.length ? general.join(" ") : tr("fix-fields", "Please correct the highlighted fields.");
      } else {
        status.textContent = r.json.message || tr("send-retry", "Your comment could not be sent. Please try again.");
      }
    }, function () {
      status.textContent = tr("send-failed", "Your comment could not be sent. Please check your connection and try again.");
    }).then(function () { submit.disabled = false; });
  });

  // A page of 50 top-level comments at a time (each with its replies): a big thread's first
  // screen is one small request, and tr("show-more", "Show more comments") appends the next page below what
  // the reader has, so their place stays where it is.
  var more = el("button", "rg-more", tr("show-more", "Show more comments"));
  more.type = "button";
  function page(after) {
    return api("comments?limit=50&thread=" + encodeURIComponent(thread) +
      (after ? "&after=" + encodeURIComponent(after) : ""));
  }
  function showPage(json) {
    comments.appendChild(list(json.comments));
    more.hidden = !json.next;
    more.dataset.next = json.next || "";
  }
  more.addEventListener("click", function () {
    more.disabled = true;
    page(more.dataset.next).then(function (r) {
      if (r.status === 200) showPage(r.json);
    }).then(function () { more.disabled = false; });
  });
  page().then(function (r) {
    if (r.status !== 200) return;
    root.textContent = "";
    heading.textContent = r.json.count === 1 ? tr("comments-one", "1 Comment")
      : tr("comments-other", "{count} Comments", { count: r.json.count });
    showPage(r.json);
    root.appendChild(heading);
    root.appendChild(comments);
    root.appendChild(more);
    // A link from a reply's email ends in #rg-comment-N: show that comment.
    var linked = /^#rg-comment-\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1));
    if (linked) linked.scrollIntoView();
    if (r.json.open === false) {
      comments.querySelectorAll(".rg-reply").forEach(function (b) { b.remove(); });
      root.appendChild(el("p", "rg-closed", tr("closed", "Comments are closed.")));
      return;
    }
    notify.hidden = !r.json.reply_notifications;
    root.appendChild(respond);
    root.appendChild(status);
    newToken();
  });
  }
  if (lang === "en" || !/^[a-z]{2,3}$/.test(lang)) start();
  else fetch(base + "/i18n/" + lang + ".json").then(function (r) { return r.ok ? r.json() : {}; })
    .then(function (m) { L = m; }, function () {}).then(start);
})();
