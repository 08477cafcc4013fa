"""The result sheet as an aligned plain-text table for the terminal (spec 13.6).

Columns are aligned by display width, not by code points (see text_width), so Vietnamese
names line up; every header is in Vietnamese with the English below it.
"""

from __future__ import annotations

import textwrap

from votecrypt.protocol.results import ElectionResults
from votecrypt.record.rule_presets import name_rule_set
from votecrypt.render.sheet import (
    NO_DETAILS,
    PLAIN,
    NumberFormat,
    SheetDetails,
    SheetHeading,
    cell,
    columns,
    denominator_text,
    previous_basis,
    quorum_notice,
    quorum_text,
    result_heading,
    valid_lines,
)
from votecrypt.render.text_width import clip, pad, width

NAME_WIDTH = 26
POSITION_WIDTH = 28
CELL_WIDTH = 17
VALID_WIDTH = 12
TEXT_WIDTH = 100


def render_table(
    results: ElectionResults,
    heading: SheetHeading,
    *,
    blank_allowed: bool,
    fmt: NumberFormat = PLAIN,
    details: SheetDetails = NO_DETAILS,
) -> str:
    """The whole sheet as text ending in a newline: heading, totals, one line per candidate
    (count and percentage of every level), then the consequences (or, below the quorum, the
    notice that none is announced)."""
    kinds = columns(results, blank_allowed)
    quorum_vi, quorum_en = quorum_text(results)
    share_vi, share_en = denominator_text(results)
    title_vi, title_en = result_heading(results)
    lines = [
        f"{title_vi} / {title_en.upper()}",
        f"{heading.body} — {heading.title} — {heading.date}",
        f"{results.rules.title_vi} / {results.rules.title_en}",
        f"Bộ quy tắc / rule set: {name_rule_set(results.rules).describe()}",
        (
            f"Phiếu phát ra / issued: {results.issued}   "
            f"Phiếu thu về / collected: {results.collected}   "
            f"Phiếu hợp lệ / valid ballots: {results.valid}"
        ),
        quorum_vi,
        f"  {quorum_en}",
        f"{share_vi} / {share_en}",
        "",
    ]
    header_vi = (
        pad("TT", 4)
        + pad("Họ và tên", NAME_WIDTH)
        + pad("Chức vụ", POSITION_WIDTH)
        + pad("Hợp lệ", VALID_WIDTH, right=True)
        + "".join(pad(clip(vi, CELL_WIDTH - 1), CELL_WIDTH, right=True) for _, vi, _ in kinds)
    )
    header_en = (
        pad("No.", 4)
        + pad("Name", NAME_WIDTH)
        + pad("Position", POSITION_WIDTH)
        + pad("Valid lines", VALID_WIDTH, right=True)
        + "".join(pad(clip(en, CELL_WIDTH - 1), CELL_WIDTH, right=True) for _, _, en in kinds)
    )
    lines += [header_vi.rstrip(), header_en.rstrip(), "-" * width(header_en)]
    for number, line in enumerate(results.candidates, start=1):
        cells = ""
        for key, _, _ in kinds:
            count, percent = cell(line, key, fmt)
            shown = f"{percent}%" if line.percentage(key) is not None else percent
            cells += pad(f"{count} {shown:>7}", CELL_WIDTH, right=True)
        lines.append(
            (
                pad(str(number), 4)
                + pad(clip(line.name, NAME_WIDTH - 1), NAME_WIDTH)
                + pad(clip(line.position, POSITION_WIDTH - 1), POSITION_WIDTH)
                + pad(str(valid_lines(results, line)), VALID_WIDTH, right=True)
                + cells
            ).rstrip()
        )
    lines.append("")
    notice = quorum_notice(results)
    if notice is not None:
        banner = "!" * 78
        lines += [banner, f"!! {notice[0]}", f"!! {notice[1]}"]
        if details.quorum_override:
            lines.append(f"!! Lý do tiến hành / reason recorded: {details.quorum_override}")
        return "\n".join([*lines, banner]) + "\n"
    consequences = []
    for number, line in enumerate(results.candidates, start=1):
        if line.bracket is not None:
            consequences += textwrap.wrap(
                f"{number}. {line.name}: {line.bracket.consequence_vi}",
                TEXT_WIDTH,
                subsequent_indent="   ",
            )
            consequences += textwrap.wrap(
                line.bracket.consequence_en,
                TEXT_WIDTH,
                initial_indent="   ",
                subsequent_indent="   ",
            )
            basis = previous_basis(results, line)
            if basis is not None:
                consequences += textwrap.wrap(
                    f"{basis[0]} / {basis[1]}",
                    TEXT_WIDTH,
                    initial_indent="   ",
                    subsequent_indent="   ",
                )
    lines += consequences or [
        "Không ai thuộc diện phải xử lý / No office holder reaches a threshold."
    ]
    return "\n".join(lines) + "\n"
