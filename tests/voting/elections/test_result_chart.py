"""The result's bar chart: for sighted readers only (the table next to it has the numbers and
the full names), with long option names shortened visibly."""

from __future__ import annotations

import re

from flask import Flask, render_template_string

from voting.elections.results import OptionLine, QuestionResult

LONG = "Sportpark De Lange Voren, kantine achter het hoofdveld"


def _chart(app: Flask) -> str:
    question = QuestionResult(
        number=1,
        title="Plaats van de volgende ALV",
        rule="",
        outcome="",
        outcome_code="adopted",
        voters=3,
        cast=3,
        blank=None,
        options=(OptionLine(LONG, 2, 66.7, True), OptionLine("Buurthuis", 1, 33.3, False)),
        kind="multiple-choice",
    )
    with app.test_request_context():
        return render_template_string(
            '{% from "elections/_chart.html" import chart %}{{ chart(q, "c1") }}', q=question
        )


def test_the_chart_is_hidden_from_screen_readers_as_the_table_repeats_it(app: Flask) -> None:
    svg = re.search(r"<svg[^>]*>", _chart(app))
    assert svg is not None
    assert 'aria-hidden="true"' in svg.group(0)
    assert "role=" not in svg.group(0)


def test_a_long_option_name_ends_in_an_ellipsis_and_keeps_its_full_name_on_hover(
    app: Flask,
) -> None:
    labels = re.findall(r'<text[^>]*class="chart-label">(.*?)</text>', _chart(app))
    assert labels[0] == f"{LONG[:21]}…<title>{LONG}</title>"
    assert labels[1] == "Buurthuis"
