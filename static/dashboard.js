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
