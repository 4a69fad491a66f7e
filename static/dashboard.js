// Replyguard dashboard: keyboard shortcuts and select-all. Everything here also works
// without this script (buttons and forms); the script only makes it faster.
"use strict";

(function () {
  const rows = () => Array.from(document.querySelectorAll("tr.row"));
  let current = -1;

  function focusRow(index) {
    const all = rows();
    if (all.length === 0) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("current", i === current));
    all[current].scrollIntoView({ block: "nearest" });
  }

  function press(action) {
    const row = rows()[current];
    if (!row) return;
    const button = row.querySelector('button[data-action="' + action + '"]');
    if (button) button.click();
  }

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    switch (event.key) {
      case "j": focusRow(current + 1); break;
      case "k": focusRow(current - 1); break;
      case "a": press("approve"); break;
      case "s": press("spam"); break;
      case "r": press("reject"); break;
      case "h": press("ham"); break;
      case "x": {
        const row = rows()[current];
        const box = row && row.querySelector("input.select");
        if (box) box.checked = !box.checked;
        break;
      }
      case "u": {
        const undo = document.querySelector("#undo button");
        if (undo) undo.click();
        break;
      }
      case "/": {
        const search = document.getElementById("search");
        if (search) { event.preventDefault(); search.focus(); }
        break;
      }
      default: return;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input.select").forEach((box) => { box.checked = all.checked; });
      });
    }
    if (rows().length > 0) focusRow(0);
  });
})();

// Decisions by other moderators, as they happen (server-sent events): a row someone else
// decided is marked and its buttons disabled, and the "decided lately" list grows. Without
// events the queue still works; a decision on a stale row is answered "skipped".
(function () {
  const recent = document.getElementById("recent");
  if (!recent || typeof EventSource === "undefined") return;
  const me = recent.dataset.me;
  const list = document.getElementById("recent-list");
  const events = new EventSource("/dashboard/events");
  events.addEventListener("decided", function (message) {
    let event;
    try { event = JSON.parse(message.data); } catch (e) { return; }
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "/dashboard/comments/" + event.id;
    link.textContent = "#" + event.id;
    item.append(event.moderator + " · " + event.status + " · ", link, " · just now");
    list.prepend(item);
    while (list.children.length > 10) list.lastElementChild.remove();
    if (event.moderator === me) return;
    const row = document.getElementById("row-" + event.id);
    if (!row || row.classList.contains("decided")) return;
    row.classList.add("decided");
    row.querySelectorAll("button, input.select").forEach(function (control) { control.disabled = true; });
    const note = document.createElement("p");
    note.className = "notice";
    note.textContent = "Decided by " + event.moderator + ": " + event.status + ".";
    row.querySelector("td.comment").prepend(note);
  });
})();
