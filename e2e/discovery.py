"""The discovery check of scripts/check-product.sh: what crawlers and feed readers receive.

Usage: python discovery.py BASE_URL [TOKEN]

With TOKEN (a staff or admin API token), first creates and publishes one event, one publication and one news
post through the API, so the feeds have an entry to show. Then:
  robots.txt  names the sitemap by its absolute address and disallows the workspace and the API;
  sitemap     every file is valid against the sitemap protocol 0.9 schema with the XHTML alternates
              (e2e/schemas/, nothing downloaded), every address has tr, en and x-default alternates;
  feeds       /tr|en/events/feed.atom, /tr|en/publications/feed.atom and /tr|en/news/feed.atom parse with
              feedparser as Atom 1.0 with bozo 0 and at least one entry.
Exits 1 on the first problem found in each part (all parts run), 0 when all pass.
"""

import json
import sys
import urllib.request
from pathlib import Path

import feedparser
from lxml import etree

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def get(url, want_type):
    with urllib.request.urlopen(url, timeout=20) as reply:
        body = reply.read()
        kind = reply.headers.get("Content-Type", "")
        if reply.status != 200 or not kind.startswith(want_type):
            raise AssertionError(f"{url}: {reply.status} {kind}, expected 200 {want_type}")
        return body


def api(base, token, path, payload):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as reply:
        return json.load(reply)


def publish_event(base, token):
    event = api(
        base,
        token,
        "/api/v1/events",
        {
            "kind": "training",
            "title_tr": "Kardeş şehir protokolleri & <uygulama> eğitimi",
            "title_en": "Sister-city protocols & <practice> training",
            "summary_tr": "Dış ilişkiler personeli için",
            "summary_en": "For foreign-relations staff",
            "sessions": "2027-03-10 10:00-12:30",
            "online_url": "https://meet.example.org/e2e",
            "languages": "tr",
            "organiser": "E2E",
            "audience": "member_staff",
        },
    )
    api(base, token, f"/api/v1/events/{event['id']}/status", {"status": "published"})
    print(f"discovery: published event {event['id']}")
    publication = api(
        base,
        token,
        "/api/v1/publications",
        {
            "kind": "report",
            "title_tr": "Kardeş şehir ilişkileri & ağlar <2026> raporu",
            "summary_tr": "Üyelerin yurt dışı ilişkileri üzerine",
            "authors": "MBB Yerel Diplomasi Platformu",
            "published_on": "2026-11-30",
            "language": "tr",
            "topics": "sister_cities",
            "sdgs": "11,17",
        },
    )
    api(base, token, f"/api/v1/publications/{publication['id']}/status", {"status": "published"})
    print(f"discovery: published publication {publication['id']}")
    post = api(
        base,
        token,
        "/api/v1/news",
        {
            "title_tr": "Yerel diplomasi eğitimi & <çalıştay> duyurusu",
            "summary_tr": "Dış ilişkiler temsilcilerine yeni eğitim",
            "body_tr": "Ayrıntılar **yakında**.",
            "status": "published",
        },
    )
    print(f"discovery: published news post {post['id']}")


def check_robots(base):
    text = get(base + "/robots.txt", "text/plain").decode()
    lines = text.splitlines()
    for rule in ("User-agent: *", "Disallow: /tr/workspace", "Disallow: /en/workspace", "Disallow: /api/"):
        assert rule in lines, f"robots.txt lacks {rule!r}"
    sitemaps = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Sitemap:")]
    assert sitemaps and sitemaps[0].startswith("http"), f"robots.txt names no absolute sitemap: {sitemaps}"
    print(f"robots.txt: {len(lines)} lines, sitemap {sitemaps[0]}")
    return sitemaps[0]


def check_urlset(schema, url, body):
    doc = etree.fromstring(body)
    if not schema.validate(doc):
        raise AssertionError(f"{url} is not valid against the sitemap schema: {schema.error_log.last_error}")
    urls = doc.findall(f"{{{SITEMAP_NS}}}url")
    for entry in urls:
        loc = entry.findtext(f"{{{SITEMAP_NS}}}loc")
        langs = sorted(link.get("hreflang") for link in entry.findall(f"{{{XHTML_NS}}}link"))
        assert langs == ["en", "tr", "x-default"], f"{loc}: alternates {langs}"
    return len(urls)


def check_sitemap(sitemap_url):
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-with-alternates.xsd")))
    body = get(sitemap_url, "application/xml")
    root = etree.fromstring(body)
    if root.tag == f"{{{SITEMAP_NS}}}sitemapindex":
        files = [s.findtext(f"{{{SITEMAP_NS}}}loc") for s in root.findall(f"{{{SITEMAP_NS}}}sitemap")]
        assert files, "the sitemap index names no file"
        total = sum(check_urlset(schema, f, get(f, "application/xml")) for f in files)
        print(f"sitemap: index of {len(files)} files, {total} addresses, all valid")
    else:
        total = check_urlset(schema, sitemap_url, body)
        print(f"sitemap: {total} addresses, valid against the sitemap 0.9 schema")
    assert total > 0, "the sitemap lists no address"


def check_feeds(base):
    for lang, kind in [(lang, kind) for kind in ("events", "publications", "news") for lang in ("tr", "en")]:
        url = f"{base}/{lang}/{kind}/feed.atom"
        feed = feedparser.parse(get(url, "application/atom+xml"))
        assert feed.bozo == 0, f"{url}: feedparser reports {feed.get('bozo_exception')!r}"
        assert feed.version == "atom10", f"{url}: read as {feed.version!r}"
        assert len(feed.entries) > 0, f"{url}: no entries"
        print(f"{url}: Atom 1.0, bozo 0, {len(feed.entries)} entries, first {feed.entries[0].title!r}")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    failed = False
    if len(sys.argv) == 3:
        publish_event(base, sys.argv[2])
    sitemap_url = None
    for name, step in (
        ("robots", lambda: check_robots(base)),
        ("sitemap", lambda: check_sitemap(sitemap_url or base + "/sitemap.xml")),
        ("feeds", lambda: check_feeds(base)),
    ):
        try:
            found = step()
            if name == "robots":
                sitemap_url = found
        except Exception as problem:  # noqa: BLE001 - every part runs and reports
            print(f"discovery {name}: FAILED: {problem}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
