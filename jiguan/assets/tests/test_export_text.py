"""The asset card export writes what users typed as text, never as a live formula."""

import io

from django.urls import reverse
from openpyxl import load_workbook

NAMES = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


def test_asset_export_writes_formula_like_names_as_text(tree, users, register, client_for):
    for name in NAMES:
        register(tree.city_a_agency, name=name)
    response = client_for(users["a_assets"]).get(reverse("assets:asset_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    found = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value in NAMES}
    assert set(found) == set(NAMES)
    for name, cell in found.items():
        assert (cell.data_type, cell.quotePrefix) == ("s", True), name
