"""The result sheet as an aligned plain-text table for the terminal."""

from __future__ import annotations

from votecrypt.protocol.results import ElectionResults
from votecrypt.render.sheet import DENOMINATOR_LABELS, SheetHeading, cell, columns, quorum_text
from votecrypt.render.text_width import clip, pad

NAME_WIDTH = 26
POSITION_WIDTH = 28
CELL_WIDTH = 16


def render_table(results: ElectionResults, heading: SheetHeading, *, blank_allowed: bool) -> str:
    kinds = columns(results, blank_allowed)
    vi_denominator, en_denominator = DENOMINATOR_LABELS[results.rules.denominator]
    quorum_vi, quorum_en = quorum_text(results)
    lines = [
        "KẾT QUẢ LẤY PHIẾU TÍN NHIỆM / CONFIDENCE VOTE RESULTS",
        f"{heading.body} — {heading.title} — {heading.date}",
        f"{results.rules.title_vi} / {results.rules.title_en}",
        (
            f"Phiếu phát ra / issued: {results.issued}   "
            f"Phiếu thu về / collected: {results.collected}   "
            f"Phiếu hợp lệ / valid: {results.valid}"
        ),
        f"{quorum_vi} / {quorum_en}",
        (
            f"Tỷ lệ tính trên {vi_denominator} / percentages of {en_denominator}: "
            f"{results.denominator}"
        ),
        "",
    ]
    header_vi = (
        pad("#", 3)
        + pad("Họ và tên", NAME_WIDTH)
        + pad("Chức vụ", POSITION_WIDTH)
        + "".join(pad(clip(vi, CELL_WIDTH - 1), CELL_WIDTH) for _, vi, _ in kinds)
    )
    header_en = (
        pad("", 3)
        + pad("Name", NAME_WIDTH)
        + pad("Position", POSITION_WIDTH)
        + "".join(pad(clip(en, CELL_WIDTH - 1), CELL_WIDTH) for _, _, en in kinds)
    )
    lines += [header_vi, header_en, "-" * len(header_en)]
    for number, line in enumerate(results.candidates, start=1):
        cells = ""
        for key, _, _ in kinds:
            count, percent = cell(line, key)
            cells += pad(f"{count:>4} {percent:>7}%".replace("—%", "— "), CELL_WIDTH)
        lines.append(
            pad(str(number), 3)
            + pad(clip(line.name, NAME_WIDTH - 1), NAME_WIDTH)
            + pad(clip(line.position, POSITION_WIDTH - 1), POSITION_WIDTH)
            + cells.rstrip()
        )
    consequences = []
    for number, line in enumerate(results.candidates, start=1):
        if line.bracket is not None:
            consequences.append(f"{number}. {line.name}: {line.bracket.consequence_vi}")
            consequences.append(f"   {line.bracket.consequence_en}")
    lines.append("")
    lines += consequences or [
        "Không ai thuộc diện phải xử lý / No office holder reaches a threshold."
    ]
    return "\n".join(lines) + "\n"
