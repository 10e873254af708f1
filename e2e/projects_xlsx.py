"""Reads the portfolio's XLSX (/tr/projects.xlsx, saved by e2e/funding.mjs) back with openpyxl:

    python projects_xlsx.py FILE EXPECTED_JSON

The sheet is named "Projeler" and its first row holds the Turkish headers, in the order below, bold, with the
panes frozen under them; the row whose "No" is the project's id holds the expected values (EXPECTED_JSON maps a
header to the exact cell text, or, under "partners", names that must all appear in the "Ortaklar" cell; under
"contains", a header and a part of its cell; under "url_path", the path the "Bağlantı" cell must end with). Amounts must be text (exact decimals, never floats).

Exit status 0 when everything holds; the problems are printed otherwise.
"""

import json
import sys

from openpyxl import load_workbook

HEADERS = [
    "No",
    "Kısaltma",
    "Proje",
    "Lider ortak",
    "Belediye kodu",
    "Ortaklar",
    "Program",
    "Fon sağlayıcı",
    "Durum",
    "Başlangıç",
    "Bitiş",
    "Toplam bütçe",
    "Hibe",
    "Para birimi",
    "Sürdürülebilir Kalkınma Amaçları",
    "Bağlantı",
]


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    path, expected = sys.argv[1], json.loads(sys.argv[2])
    problems = []
    book = load_workbook(path)
    sheet = book.worksheets[0]
    if sheet.title != "Projeler":
        problems.append(f"the sheet is named {sheet.title!r}, expected 'Projeler'")
    header = [c.value for c in sheet[1]]
    if header != HEADERS:
        problems.append(f"headers {header!r}, expected {HEADERS!r}")
    if not all(c.font.b for c in sheet[1] if c.value):
        problems.append("the header row is not bold")
    if sheet.freeze_panes != "A2":
        problems.append(f"panes frozen at {sheet.freeze_panes!r}, expected under the headers (A2)")
    rows = [dict(zip(header, (c.value for c in r))) for r in sheet.iter_rows(min_row=2)]
    mine = [r for r in rows if str(r.get("No")) == str(expected["No"])]
    if len(mine) != 1:
        problems.append(f"{len(mine)} rows with No {expected['No']} among {len(rows)}")
    else:
        row = mine[0]
        for key, want in expected.items():
            if key == "partners":
                for name in want:
                    if name not in (row.get("Ortaklar") or ""):
                        problems.append(f"partner {name!r} not in Ortaklar {row.get('Ortaklar')!r}")
            elif key == "contains":
                for header_, part in want.items():
                    if part not in str(row.get(header_) or ""):
                        problems.append(f"{header_} {row.get(header_)!r} does not contain {part!r}")
            elif key == "url_path":
                if not str(row.get("Bağlantı") or "").endswith(want):
                    problems.append(f"Bağlantı {row.get('Bağlantı')!r} does not end with {want!r}")
            elif row.get(key) != want:
                problems.append(f"{key}: {row.get(key)!r}, expected {want!r}")
        for key in ("Toplam bütçe", "Hibe"):
            if row.get(key) is not None and not isinstance(row.get(key), str):
                problems.append(f"{key} is a {type(row.get(key)).__name__}, expected the exact decimal as text")
    for p in problems:
        print(f"  ✗ xlsx: {p}")
    if problems:
        return 1
    print(f"xlsx: {path}: {len(HEADERS)} Turkish headers, {len(rows)} project row(s), project {expected['No']} as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
