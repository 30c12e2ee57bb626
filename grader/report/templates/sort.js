// Sort a table.sortable by the column whose header button is clicked (again: reverse).
// Cells are compared by their data-value attribute, else by their text.
(function () {
  "use strict";

  function value(cell, numeric) {
    var raw = cell ? cell.getAttribute("data-value") : null;
    if (raw === null) {
      raw = cell ? cell.textContent.trim() : "";
    }
    if (numeric) {
      var n = parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return raw.toLowerCase();
  }

  function compare(a, b, numeric) {
    if (numeric) {
      return a < b ? -1 : a > b ? 1 : 0;
    }
    return a.localeCompare(b);
  }

  function sortBy(table, heads, th, column) {
    var numeric = th.getAttribute("data-type") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(heads, function (head) {
      head.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var order = compare(value(x.cells[column], numeric), value(y.cells[column], numeric), numeric);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      var button = th.querySelector("button");
      if (button) {
        button.addEventListener("click", function () {
          sortBy(table, heads, th, column);
        });
      }
    });
  });
})();
