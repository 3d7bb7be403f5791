#!/usr/bin/env python3
"""Independent reading of HTML pages with Python's own parser (html.parser), for the viewer's
tests: what a browser's tokenizer would see, without trusting nxp's writer.

  html_inventory.py FILE...   -> JSON object, per file:
    elements: [[tag, {attr: value}], ...] every start tag in order, attributes unescaped
    scripts:  [{"attrs": {...}, "content": raw text inside the element}]
    text:     the document's text (outside script and style), entities decoded, joined with ""
    links:    every href and src value, in order
"""
import json
import sys
from html.parser import HTMLParser


class Inventory(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.scripts = []
        self.text = []
        self.links = []
        self.raw = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        self.elements.append([tag, a])
        for k in ("href", "src"):
            if k in a:
                self.links.append(a[k])
        if tag in ("script", "style"):
            self.raw = (tag, a, [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.raw is not None and tag == self.raw[0]:
            if tag == "script":
                self.scripts.append({"attrs": self.raw[1], "content": "".join(self.raw[2])})
            self.raw = None

    def handle_data(self, data):
        if self.raw is not None:
            self.raw[2].append(data)
        else:
            self.text.append(data)


out = {}
for path in sys.argv[1:]:
    p = Inventory()
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    out[path] = {"elements": p.elements, "scripts": p.scripts, "text": "".join(p.text), "links": p.links}
json.dump(out, sys.stdout, ensure_ascii=False)
