"""The SVG QR codes of receipts, results and second-factor enrolment show exactly the modules
of the symbol that `qrcode` made for the data."""

from __future__ import annotations

import re

import qrcode
from hypothesis import given
from hypothesis import strategies as st

from voting.accounts.totp import QR_BORDER, qr_svg

RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z")


def _modules(svg: str) -> list[list[bool]]:
    """Paint the SVG's path back into a grid of modules."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    path = re.search(r' d="([^"]*)"', svg).group(1)  # type: ignore[union-attr]
    grid = [[False] * size for _ in range(size)]
    assert RUN.sub("", path) == "", "the path holds only row runs"
    for x, y, width, back in RUN.findall(path):
        assert width == back
        for column in range(int(x), int(x) + int(width)):
            assert not grid[int(y)][column], "no module is painted twice"
            grid[int(y)][column] = True
    return grid


def _symbol(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(border=QR_BORDER)
    code.add_data(data)
    return code.get_matrix()


@given(st.text(min_size=1, max_size=300))
def test_the_svg_paints_exactly_the_dark_modules_of_the_symbol(data: str) -> None:
    assert _modules(qr_svg(data)) == _symbol(data)


def test_a_receipt_link_gives_a_small_crisp_svg_with_a_quiet_zone() -> None:
    svg = qr_svg("https://stembus.example/check?code=7DJ3K-M0QXA-2B9TW-RC4NE-H8V5*")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'shape-rendering="crispEdges"' in svg
    grid = _modules(svg)
    assert len(grid) == 37  # version 4 (33 modules) and a border of 2 on each side
    assert not any(grid[0])
    assert not any(row[0] for row in grid)
    assert all(grid[2][2:9])  # the top of the top-left finder pattern
    assert len(svg) < 5000
