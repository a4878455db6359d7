"""The first view comes with the page: the layout is built for the page's URL, the index preloads its shapes."""

from __future__ import annotations

import json

import pytest

from dashboard.data import MIXED
from dashboard.figures import MapView
from dashboard.first_view import topojson_url
from dashboard.view import view_query
from tests.test_browser import map_title, open_app, wait_url


@pytest.fixture(scope="module")
def client(dashboard_data):
    from dashboard.app import create_app

    return create_app(dashboard_data).server.test_client()


def layout_props(client, referrer: str | None) -> dict[str, dict]:
    """Every component of the layout served for a page at ``referrer``, by id: its props."""
    headers = {"Referer": referrer} if referrer else {}
    response = client.get("/_dash-layout", headers=headers)
    assert response.status_code == 200
    found: dict[str, dict] = {}

    def visit(node) -> None:
        if isinstance(node, list):
            for child in node:
                visit(child)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            visit(props.get("children"))

    visit(json.loads(response.get_data(as_text=True)))
    return found


def test_layout_holds_the_view_of_the_page_url(client):
    props = layout_props(client, "http://localhost/?level=1&sector=C29&year=2011&indicator=wages")
    assert (props["level"]["value"], props["sector"]["data"], props["year"]["value"], props["indicator"]["value"]) == (1, "C29", 2011, "wages")
    title = props["map"]["figure"]["layout"]["title"]["text"]
    assert "C29" in title and "2011" in title and "NUTS 1" in title
    expected = view_query(MapView(level=1, nace_r2="C29", year=2011, indicator="wages"))
    assert props["view-query"]["data"] == expected and props["png-name"]["data"].startswith("wages")
    assert props["csv-link"]["href"] == f"/export.csv?{expected}"
    assert props["map"]["config"]["toImageButtonOptions"]["filename"].startswith("wages")
    assert props["map-shapes"]["data"].startswith("/geometry/1.geojson?v=")
    assert props["view-notice"]["hidden"] is True


def test_layout_without_a_usable_referrer_holds_the_default_view(client):
    for referrer in (None, "http://elsewhere.example/?level=1&sector=C29", "http://localhost/embed?level=1"):
        props = layout_props(client, referrer)
        assert (props["level"]["value"], props["sector"]["data"]) == (MIXED, "C"), referrer


def test_bad_parameters_of_the_page_url_come_with_their_notice(client):
    props = layout_props(client, "http://localhost/?level=0&bogus=1&indicator=nope")
    notice = json.dumps(props["view-notice"]["children"])
    assert props["view-notice"]["hidden"] is False and "bogus=1" in notice and "indicator=nope" in notice
    assert props["level"]["value"] == 0 and props["indicator"]["value"] == "employment"


def test_the_layout_records_the_query_it_was_built_for(client):
    """assets/url_state.js compares it with the address bar: only another query makes the controls follow the URL."""
    assert layout_props(client, "http://localhost/?sector=C29&level=1")["url-search"]["data"] == {"search": "?sector=C29&level=1"}
    assert layout_props(client, "http://localhost/")["url-search"]["data"] == {"search": ""}
    assert topojson_url({"layout": {"geo": {"scope": "europe", "resolution": 50}}}) == "/assets/topojson/europe_50m.json"


def test_index_preloads_what_the_first_map_fetches(client, dashboard_data):
    html = client.get("/?level=2&sector=C29").get_data(as_text=True)
    shapes = dashboard_data.shapes(MapView(level=2, nace_r2="C29")).url
    assert f'<link rel="preload" href="{shapes}" as="fetch" crossorigin="anonymous">' in html
    assert '<link rel="preload" href="/assets/topojson/europe_50m.json" as="fetch" crossorigin="anonymous">' in html
    for chunk in ("async-dropdown.js", "async-slider.js", "async-graph.js"):
        assert f'<script src="/_dash-component-suites/dash/dcc/{chunk}"></script>' in html
    assert html.index("async-graph.js") < html.index('id="_dash-renderer"')  # before Dash starts rendering
    assert "validation_layout" not in html and len(html) < 16_000  # no copy of the layout in the index page (about 12.6 kB: 20-odd asset links)


MAP_GRAPH_WATCH = """
window.__mapElements = [];
new MutationObserver(() => {
  const el = document.getElementById('map');
  if (el && !window.__mapElements.includes(el)) window.__mapElements.push(el);
}).observe(document, {subtree: true, childList: true});
"""


@pytest.mark.browser
def test_first_view_is_drawn_without_a_map_callback_and_changes_still_work(page, live_app):
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.post_data or "") if r.method == "POST" else None)
    page.add_init_script(MAP_GRAPH_WATCH)
    open_app(page, live_app, "?level=1&sector=C29&year=2011")
    page.wait_for_load_state("networkidle")
    assert "C29" in map_title(page) and "2011" in map_title(page)
    outputs = [json.loads(body)["output"] for body in posts if body]
    assert not any("map.figure" in o or "map-values" in o for o in outputs), outputs
    # one request for the shapes (the preload), none from Plotly on top of it
    assert sum("/geometry/1.geojson" in u for u in page.requests) == 1
    # dcc.Graph's lazy wrapper did not suspend (assets/lazy_warmup.js): the first #map element is the one drawn
    assert page.evaluate("window.__mapElements.length === 1 && window.__mapElements[0] === document.getElementById('map')")
    # a change after the skipped first call: the year drawn in the browser from the years the first view holds,
    # then told to the map callback (URL, PNG name, panels), which sends no map
    posts.clear()
    page.focus("#year [role=slider]")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('2012')", timeout=15_000)
    wait_url(page, "year=2012")
    bodies = [json.loads(body) for body in posts if body]
    assert any("map-year.data" in (b.get("changedPropIds") or []) for b in bodies), bodies
    # back to the page's first URL: the view the layout was built for is applied again
    page.go_back()
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('2011')", timeout=15_000)
    wait_url(page, "year=2011")
    assert "year=2011" in page.url
    # forward again, then a new change: one new history entry each, and the address bar follows
    page.go_forward()
    page.wait_for_function("document.querySelector('#map .gtitle')?.textContent.includes('2012')", timeout=15_000)
    assert [u for u in page.requests if not u.startswith(live_app)] == []
    assert page.console_errors == []


@pytest.mark.browser
def test_without_a_referrer_the_page_still_opens_on_its_url(page, live_app):
    """A layout built for the default view (the browser sent no Referer): the URL's view is applied after load."""
    url = f"{live_app}/?level=1&sector=C29&year=2011&bogus=1"

    def no_referrer(route):  # the page tells the browser to send no Referer with its requests
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "referrer-policy": "no-referrer"})

    page.route(url, no_referrer)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(url)
    page.wait_for_function("(document.querySelector('#map .gtitle') || {}).textContent?.includes('C29')", timeout=30_000)
    title = map_title(page)
    assert "2011" in title and "NUTS 1" in title
    assert page.get_attribute("#sector-tree [data-code='C29']", "aria-selected") == "true"
    assert "bogus=1" in (page.text_content("#view-notice") or "")
    # the address bar gets the view's canonical spelling in place: back leaves the app's page
    page.wait_for_function("window.location.search.includes('indicator=employment')", timeout=10_000)
    assert "bogus" not in page.url and page.evaluate("history.length") == 2  # about:blank, then this page
    # it took the slow way: the layout held the default view, and the URL callback set the controls
    assert any(json.loads(body)["output"].startswith("..level.value...sector.data") for body in posts if body)
    assert page.console_errors == []
