"""What a person does with Ponte's pages, in a real Chromium: search, filter and share, read an
actor and follow a fact to its source, read why a partner is suggested (and check each step is
a fact of the store), switch language. Every page seen passes axe's WCAG 2.1 AA rules and asks
no other host for anything (see conftest.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests
from playwright.sync_api import expect


def test_search_bologna_and_open_a_result(walk):
    walk.open("/")
    walk.shot("home")
    walk.page.get_by_role("combobox", name="Search").fill("bologna")
    walk.page.get_by_role("combobox", name="Search").press("Enter")
    walk.page.wait_for_url(re.compile(r"/search\?q=bologna"))
    walk.check()
    results = walk.page.locator("ul.items a")
    assert results.count() >= 3, walk.page.content()
    names = [n.lower() for n in results.all_inner_texts()]
    assert any("bologna" in n for n in names), names
    first = results.first.inner_text()
    results.first.click()
    walk.page.wait_for_url(re.compile(r"/id/"))
    walk.check()
    expect(walk.page.get_by_role("heading", level=1)).to_have_text(first)


def test_filter_actors_by_country_and_kind_and_share_the_url(walk, browser):
    walk.open("/actors")
    walk.page.get_by_label("Kind").select_option("University")
    walk.page.get_by_role("checkbox", name=re.compile(r"^Italy \(IT\) \(")).check()
    walk.page.get_by_role("button", name="Apply").click()
    walk.page.wait_for_url(re.compile(r"/actors\?"))
    walk.check()
    walk.shot("actors-filtered")
    shared = walk.page.url
    query = parse_qs(urlsplit(shared).query)
    assert query["kind"] == ["University"] and query["country"] == ["IT"], shared
    summary = walk.page.get_by_role("status").inner_text()
    listed = walk.page.locator("ul.items li").all_inner_texts()
    assert listed and all("University" in item for item in listed), listed
    # The same URL, opened by someone else, shows the same view.
    other = browser.new_context(locale="it-IT").new_page()
    other.goto(shared)
    assert other.locator("ul.items li").count() == len(listed)
    assert other.get_by_role("status").inner_text().split()[-1] == summary.split()[-1]
    other.context.close()


def test_open_an_actor_and_follow_a_fact_to_its_source(walk):
    walk.open("/id/kaist")
    walk.shot("entity-kaist")
    expect(walk.page.get_by_role("heading", level=1)).to_contain_text("KAIST")
    # Every incoming relation, grouped and counted: the 2024 mission visited KAIST.
    incoming = walk.page.locator("section[aria-labelledby=incoming]")
    expect(incoming).to_contain_text("South Korea")
    source = walk.page.locator("a.source").first
    expect(source).to_have_text("seed-data/004-korea-mission-2024.ttl")
    source.click()
    walk.page.wait_for_url(re.compile(r"/source\?graph="))
    walk.check()
    walk.shot("source")
    expect(walk.page.get_by_role("heading", level=1)).to_have_text("South Korea mission 2024")
    expect(walk.page.locator("main")).to_contain_text("Il Clust-ER Health partecipa")
    download = walk.page.get_by_role("link", name="Download the graph (Turtle)")
    turtle = requests.get(walk.ponte.base_url + download.get_attribute("href"), timeout=10)
    assert turtle.ok and "kaist" in turtle.text


def test_read_the_evidence_of_a_suggestion_and_check_each_step(walk):
    walk.open("/id/holostem")
    walk.page.get_by_role("link", name="All suggestions, with evidence").click()
    walk.page.wait_for_url(re.compile(r"/match\?actor=holostem"))
    walk.check()
    walk.shot("match-holostem")
    first = walk.page.locator("ol.suggestions > li").first
    expect(first.locator("meter").first).to_be_visible()
    steps = first.locator("ol.evidence li")
    assert steps.count() >= 1
    for i in range(steps.count()):
        step = steps.nth(i)
        s, p, o = (step.get_attribute(f"data-{a}") for a in ("subject", "predicate", "object"))
        ask = requests.get(
            walk.ponte.sparql_url,
            params={"query": f"ASK {{ <{s}> <{p}> <{o}> }}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=10,
        )
        assert ask.json()["boolean"] is True, (s, p, o)
        # Each statement links to both of its entities.
        assert step.locator("a").count() == 2
    # The same order as the API for the same request.
    api = requests.get(
        walk.ponte.base_url + "/api/match", params={"actor": "holostem"}, timeout=10
    ).json()
    shown = walk.page.locator("h3.suggestion a").evaluate_all("as => as.map(a => a.href)")
    expected = [
        walk.ponte.base_url + item["@id"].replace("https://w3id.org/ponte/id/", "/id/")
        for item in api["items"]
    ]
    assert shown == expected


def test_switch_language_and_keep_it(walk):
    walk.open("/")
    walk.page.get_by_role("link", name="Italiano").click()
    walk.page.wait_for_url(re.compile(r"lang=it"))
    walk.check()
    assert walk.page.locator("html").get_attribute("lang") == "it"
    walk.page.get_by_role("link", name="Missioni").first.click()
    walk.page.wait_for_url(re.compile(r"/missions$"))
    walk.check()
    walk.shot("missions-it")
    assert walk.page.locator("html").get_attribute("lang") == "it"
    expect(walk.page.get_by_role("heading", level=1)).to_have_text("Missioni")
    walk.page.locator("ul.items a").first.click()
    walk.check()
    assert walk.page.locator("html").get_attribute("lang") == "it"


def test_fill_the_profile_form_for_an_organisation_not_in_the_graph(walk):
    walk.open("/match?actor=holostem")
    walk.page.get_by_label("Topics it works on").select_option(["gene-therapy", "digital-health"])
    walk.page.get_by_label("Kinds of partner wanted").select_option("Hospital")
    walk.page.get_by_role("button", name="Find partners").click()
    walk.page.wait_for_url(re.compile(r"/match/profile\?"))
    walk.check()
    walk.shot("match-profile")
    expect(walk.page.get_by_role("heading", level=1)).to_have_text(
        "Suggested partners for your profile"
    )
    assert walk.page.locator("h3.suggestion").count() >= 1
    # The view is shareable: its URL carries the profile, and the shortlist downloads as CSV.
    query = parse_qs(urlsplit(walk.page.url).query)
    assert sorted(query["topics"]) == ["digital-health", "gene-therapy"], walk.page.url
    csv_href = walk.page.get_by_role("link", name="CSV").get_attribute("href")
    csv = requests.get(walk.ponte.base_url + csv_href, timeout=10)
    assert csv.ok and csv.text.startswith("rank,id,name"), csv.text[:200]


def test_open_a_mission_and_an_ecosystem_page(walk):
    walk.open("/missions")
    walk.page.get_by_role("link", name=re.compile("South Korea")).first.click()
    walk.page.wait_for_url(re.compile(r"/id/mission-korea-2024"))
    walk.check()
    walk.shot("mission-korea-2024")
    timeline = walk.page.locator("section[aria-labelledby=timeline]")
    expect(timeline).to_contain_text("Embassy of Italy in Seoul")
    expect(timeline.locator("time").first).to_have_attribute("datetime", "2024-03-23")
    led_to = walk.page.locator("section[aria-labelledby=follow-ups]")
    expect(led_to).to_contain_text("KAIST – Emilia-Romagna: academic exchanges")
    walk.open("/")
    walk.page.get_by_role("link", name="South Korea (KR)", exact=True).click()
    walk.page.wait_for_url(re.compile(r"/ecosystems/KR"))
    walk.check()
    walk.shot("ecosystem-kr")
    expect(walk.page.get_by_role("heading", level=1)).to_have_text("Ecosystem: South Korea (KR)")
    expect(walk.page.locator("section[aria-labelledby=brokers]")).to_be_visible()
    expect(walk.page.locator("section[aria-labelledby=gaps] table")).to_be_visible()


def test_run_an_example_query_in_the_console_and_follow_a_result(walk):
    walk.open("/")
    walk.page.get_by_role("link", name="SPARQL console").click()
    walk.page.wait_for_url(re.compile(r"/console$"))
    walk.check()
    walk.page.get_by_role("link", name="Who met whom on the 2024 South Korea mission").click()
    walk.page.wait_for_url(re.compile(r"/console\?query="))
    walk.check()
    walk.shot("console")
    editor = walk.page.locator(".yasqe .CodeMirror")
    expect(editor).to_contain_text("ponte:met")
    answer = walk.page.locator("table.answer")
    expect(answer).to_be_visible()
    kaist = answer.get_by_role("link", name=re.compile("KAIST")).first
    kaist.click()
    walk.page.wait_for_url(re.compile(r"/id/kaist"))
    walk.check()


def test_write_a_query_with_completion_of_ponte_terms_and_run_it_from_the_keyboard(walk):
    walk.open("/console")
    editor = walk.page.locator(".yasqe .CodeMirror")
    expect(editor).to_be_visible()
    # The editor highlights the query as SPARQL.
    expect(editor.locator(".cm-keyword").first).to_be_visible()
    editor.click()
    keys = walk.page.keyboard
    keys.press("Control+A")
    keys.press("Delete")
    # A prefix is completed from Ponte's context, not from an outside list.
    keys.type("PREFIX pon")
    hints = walk.page.locator(".CodeMirror-hints")
    expect(hints).to_contain_text("ponte: <https://w3id.org/ponte/ontology#>")
    keys.press("Enter")
    expect(hints).to_have_count(0)
    expect(editor).to_contain_text("PREFIX ponte: <https://w3id.org/ponte/ontology#>")
    keys.press("End")
    keys.press("Enter")
    # A class, from the store's own vocabulary (Ctrl+Space asks, as the page says).
    keys.type("SELECT ?h WHERE { ?h a ponte:IRC")
    keys.press("Control+Space")
    expect(hints).to_contain_text("ponte:IRCCS")
    walk.shot("console-completion")
    walk.check()
    keys.press("Enter")
    # A property, likewise.
    keys.type(" ; ponte:hasComp")
    keys.press("Control+Space")
    expect(hints).to_contain_text("ponte:hasCompetence")
    keys.press("Enter")
    keys.type(" ?t }")
    keys.press("Control+Enter")
    walk.page.wait_for_url(re.compile(r"/console\?query="))
    walk.check()
    expect(editor).to_contain_text("ponte:IRCCS")
    rows = walk.page.locator("table.answer tbody tr")
    expect(rows.first).to_be_visible()
    expect(walk.page.locator("table.answer").get_by_role("link").first).to_have_attribute(
        "href", re.compile(r"^/(id|topic)/")
    )
    # Tab leaves the editor for the next control (no keyboard trap).
    editor.click()
    keys.press("Tab")
    expect(walk.page.get_by_role("button", name="Run")).to_be_focused()


def test_type_ahead_suggests_names_and_the_statement_is_one_click_away(walk):
    walk.open("/")
    box = walk.page.get_by_role("combobox", name="Search")
    box.press_sequentially("bolo", delay=50)
    options = walk.page.locator("#q-suggestions option")
    expect(options.first).to_be_attached(timeout=5000)
    values = options.evaluate_all("os => os.map(o => o.value)")
    assert any("Bologna" in v for v in values), values
    walk.page.get_by_role("link", name="Accessibility statement").click()
    walk.page.wait_for_url(re.compile(r"/accessibility$"))
    walk.check()
    expect(walk.page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")


def test_filter_the_map_and_read_the_same_actors_in_the_table(walk):
    walk.open("/")
    walk.page.get_by_role("link", name="Map", exact=True).click()
    walk.page.wait_for_url(re.compile(r"/map$"))
    walk.check()
    walk.page.get_by_role("checkbox", name=re.compile(r"^United States of America \(US\)")).check()
    walk.page.get_by_role("button", name="Apply").click()
    walk.page.wait_for_url(re.compile(r"/map\?.*country=US"))
    walk.check()
    walk.shot("map-us")
    points = walk.page.locator("svg circle.point")
    rows = walk.page.locator("main table tbody tr")
    assert points.count() >= 3
    assert points.count() == rows.count()
    names = points.locator("title").all_text_contents()
    assert names == rows.locator("td:first-child").all_inner_texts()
