/* The sector ranking in the browser (see dashboard/ranking.py): sorts and renders the table
   from the rows the server sent (dashboard.payload.RankingData: every rank and value computed
   on the server in layers/, the same the map's tooltips, the CSV and the API give; nothing is
   ranked or counted here, rows are only ordered by the sent rank, name, code or flag), turns a row choice or a bar hover into the highlight and
   focus stores, and highlights the region on the map figure already on the page.
   Region names are data: they go into components as text, never as HTML. */
(function () {
  const COLUMNS = ["rank", "name", "code", "value", "flag"];
  const HEADERS = { rank: "Rank", name: "Region", code: "Code", value: "Value", flag: "Flag" };
  const FIRST_ASCENDING = { rank: true, name: true, code: true, value: false, flag: true };
  const SELECTED_ID = "ranking-selected";
  // a row of dashboard.ranking.table_data: [rank, code, name, value, value text, flag in words]
  const RANK = 0, CODE = 1, NAME = 2, VALUE = 3, TEXT = 4, FLAG = 5;

  const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });
  const byCode = (a, b) => (a[CODE] < b[CODE] ? -1 : a[CODE] > b[CODE] ? 1 : 0);
  const byRank = (a, b) => (a[RANK] === null) - (b[RANK] === null) || (a[RANK] || 0) - (b[RANK] || 0) || byCode(a, b);

  /* Rows without a value stay last whichever way the value or the rank is sorted. The rank
     orders as the value does (rank 1 = highest, ranked at the decimals shown): rank ascending
     is value descending, and equal values keep their code order. */
  function comparator(column, ascending) {
    const dir = ascending ? 1 : -1;
    if (column === "rank" || column === "value") {
      const sign = column === "rank" ? dir : -dir;
      return (a, b) => (a[RANK] === null) - (b[RANK] === null) || sign * ((a[RANK] || 0) - (b[RANK] || 0)) || byCode(a, b);
    }
    if (column === "name") return (a, b) => dir * collator.compare(a[NAME], b[NAME]) || byCode(a, b);
    if (column === "code") return (a, b) => dir * byCode(a, b);
    return (a, b) => (a[FLAG] === "") - (b[FLAG] === "") || dir * collator.compare(a[FLAG], b[FLAG]) || byRank(a, b);
  }

  /* One <tr>: built with textContent, so a name is never read as HTML. */
  function cell(tag, className, text) {
    const c = document.createElement(tag);
    c.className = className;
    c.textContent = text;
    return c;
  }

  function row(r, unit) {
    const tr = document.createElement("tr");
    tr.setAttribute("data-region", r[CODE]);
    if (r[VALUE] === null) tr.className = "no-value";
    const name = cell("th", "ranking-col-name", "");
    name.scope = "row";
    const button = cell("button", "ranking-region", r[NAME]);
    button.type = "button";
    button.setAttribute("aria-pressed", "false");
    name.appendChild(button);
    tr.append(
      cell("td", "ranking-col-rank", r[RANK] === null ? "" : String(r[RANK])),
      name,
      cell("td", "ranking-col-code", r[CODE]),
      cell("td", "ranking-col-value", r[VALUE] === null ? r[TEXT] : r[TEXT] + " " + unit),
      cell("td", "ranking-col-flag", r[FLAG])
    );
    return tr;
  }

  function markSelected(body, selected) {
    body.querySelectorAll("tr[data-region]").forEach(function (tr) {
      const on = tr.getAttribute("data-region") === selected;
      tr.classList.toggle("selected", on);
      const button = tr.querySelector("button.ranking-region");
      if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  /* The table body is not Dash's: Dash holds no children for it, this fills it with plain DOM
     (hundreds of rows as Dash components render far too slowly). A selection alone only
     re-marks rows, so keyboard focus stays where it is. */
  let rendered = null;
  function fillBody(data, sort, selected, attempt) {
    const body = document.getElementById("ranking-body");
    if (!body) {
      if ((attempt || 0) < 50) window.requestAnimationFrame(() => fillBody(data, sort, selected, (attempt || 0) + 1));
      return;
    }
    if (rendered && rendered.data === data && rendered.sort === sort && rendered.body === body) {
      markSelected(body, selected);
      return;
    }
    const active = document.activeElement;
    const focused = active && body.contains(active) ? active.closest("tr").getAttribute("data-region") : null;
    const rows = data && data.rows ? data.rows.slice().sort(comparator(sort.column, sort.ascending)) : [];
    const fragment = document.createDocumentFragment();
    rows.forEach((r) => fragment.appendChild(row(r, data.unit)));
    body.replaceChildren(fragment);
    markSelected(body, selected);
    rendered = { data: data, sort: sort, body: body };
    if (focused) {
      const again = body.querySelector('tr[data-region="' + CSS.escape(focused) + '"] button');
      if (again) again.focus();
    }
  }

  function renderRows(data, sort, selected) {
    sort = sort || { column: "rank", ascending: true };
    if (selected && data && data.rows && !data.rows.some((r) => r[CODE] === selected)) {
      // the chosen region is not among the new rows (another level or country): let it go
      window.dash_clientside.set_props(SELECTED_ID, { data: null });
      selected = null;
    }
    const ariaSort = COLUMNS.map((c) => (c === sort.column ? (sort.ascending ? "ascending" : "descending") : null));
    fillBody(data, sort, selected);
    const count = data && data.rows ? data.rows.length : 0;
    const status = count ? "Sorted by " + HEADERS[sort.column].toLowerCase() + ", " + (sort.ascending ? "ascending" : "descending") + "." : "";
    return [String(count), ...ariaSort, status];
  }

  function sortBy() {
    const args = Array.prototype.slice.call(arguments);
    const sort = args[COLUMNS.length] || { column: "rank", ascending: true };
    const ctx = window.dash_clientside.callback_context;
    const trigger = ctx && ctx.triggered && ctx.triggered.length ? ctx.triggered[0].prop_id.split(".")[0] : "";
    const column = trigger.replace("ranking-sort-", "");
    if (COLUMNS.indexOf(column) < 0) return window.dash_clientside.no_update;
    return { column: column, ascending: column === sort.column ? !sort.ascending : FIRST_ASCENDING[column] };
  }

  /* The bar under the pointer, else the region chosen in the table, else none. */
  function highlightOf(hover, selected) {
    const point = hover && hover.points && hover.points[0];
    const hovered = point ? (point.customdata ? point.customdata[0] : point.y) : null;
    return hovered || selected || null;
  }

  function focusOf(selected) {
    return selected ? selected : window.dash_clientside.no_update;
  }

  /* selectedpoints on the map's trace 0: the region at full opacity, the rest faded.
     The figure is copied, as assets/map.js does; nothing goes to the server. */
  function highlightMap(id, figure) {
    const dc = window.dash_clientside;
    if (!figure || !figure.data || !figure.data.length) return dc.no_update;
    const trace0 = figure.data[0];
    const index = id && trace0.locations ? Array.prototype.indexOf.call(trace0.locations, id) : -1;
    const points = index >= 0 ? [index] : null;
    const current = trace0.selectedpoints;
    if ((current == null && points === null) || (current && points && current.length === 1 && current[0] === index)) return dc.no_update;
    const trace = Object.assign({}, trace0, {
      selectedpoints: points,
      selected: { marker: { opacity: 1 } },
      unselected: { marker: { opacity: 0.3 } },
    });
    return Object.assign({}, figure, { data: [trace].concat(figure.data.slice(1)) });
  }

  /* A click on a row (or Enter / Space on its region button) chooses the region; again, lets it go. */
  document.addEventListener("click", function (event) {
    const target = event.target;
    const tr = target && target.closest ? target.closest("#ranking-body tr[data-region]") : null;
    const dc = window.dash_clientside;
    if (!tr || !dc || !dc.set_props) return;
    const button = tr.querySelector("button.ranking-region");
    const wasSelected = button && button.getAttribute("aria-pressed") === "true";
    dc.set_props(SELECTED_ID, { data: wasSelected ? null : tr.getAttribute("data-region") });
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    ranking: {
      renderRows: renderRows,
      sortBy: sortBy,
      highlightOf: highlightOf,
      focusOf: focusOf,
      highlightMap: highlightMap,
    },
  });
})();
